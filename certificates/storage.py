"""Where bulk certificate exports are kept: a private storage, never under ``MEDIA_URL``.

An export ZIP holds many people's names, so it lives in the ``certificate_exports`` storage
(``STORAGES``; by default a directory outside ``MEDIA_ROOT`` that no web server serves) and is
only ever read back by the administrator's download view.
"""

import secrets
from pathlib import Path

from django.conf import settings
from django.core import checks
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty

EXPORT_STORAGE_ALIAS = "certificate_exports"


class PrivateFileSystemStorage(FileSystemStorage):
    """Files on disk that have no public URL: asking for one is a programming error."""

    def url(self, name):
        raise ValueError("private file: served only through an authenticated view")


class _ExportStorage(LazyObject):
    """The configured storage, looked up when first used (and again after settings change)."""

    def _setup(self):
        self._wrapped = storages[EXPORT_STORAGE_ALIAS]


export_storage = _ExportStorage()


@receiver(setting_changed)
def _reset_export_storage(*, setting, **kwargs):
    if setting == "STORAGES":
        export_storage._wrapped = empty


def certificate_export_storage():
    """The storage of ``CertificateExport.file`` (a callable, so migrations do not record it)."""
    return export_storage


@receiver(post_delete, sender="certificates.CertificateExport")
def _delete_export_file(sender, instance, **kwargs):
    """An export deleted in the admin takes its ZIP with it (once the deletion is committed)."""
    if instance.file:
        name = instance.file.name
        transaction.on_commit(lambda: export_storage.delete(name))


def export_file_name(instance, filename: str) -> str:
    """An unguessable name: knowing one export's name tells nothing about any other."""
    return f"{secrets.token_urlsafe(32)}.zip"


def _inside(path, root) -> bool:
    try:
        Path(path).resolve().relative_to(Path(root).resolve())
    except ValueError:
        return False
    return True


@checks.register(checks.Tags.security)
def check_export_storage_is_private(app_configs=None, **kwargs):
    """Refuse an export directory that the web server publishes (under MEDIA or STATIC)."""
    if not isinstance(export_storage, FileSystemStorage):  # in memory, object storage
        return []
    location = export_storage.location
    for name in ("MEDIA_ROOT", "STATIC_ROOT"):
        root = getattr(settings, name, None)
        if root and _inside(location, root):
            return [
                checks.Error(
                    f"Certificate exports are stored under {name} ({location}), which is "
                    "served publicly.",
                    hint="Set CERTIFICATE_EXPORT_ROOT to a directory outside MEDIA_ROOT and "
                    "STATIC_ROOT that no web server serves.",
                    id="certificates.E010",
                )
            ]
    return []
