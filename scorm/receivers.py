from django.db.models.signals import post_delete
from django.dispatch import receiver

from .records import ScormPackage
from .services import package_files_delete


@receiver(post_delete, sender=ScormPackage)
def remove_package_files(sender, instance, **kwargs):
    package_files_delete(prefix=instance.storage_prefix)
