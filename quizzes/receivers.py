from django.dispatch import receiver

from organizations.models import Learner
from organizations.signals import learner_merging

from .services import merge_attempts


@receiver(learner_merging, sender=Learner)
def move_attempts(sender, source, target, **kwargs):
    merge_attempts(source=source, target=target)
