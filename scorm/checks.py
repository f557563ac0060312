"""System check: unpacked SCORM packages are licensed content, served only to the staff
assigned them; a directory the web server publishes would hand them to anyone."""

from pathlib import Path

from django.conf import settings
from django.core import checks
from django.core.files.storage import FileSystemStorage, storages


def _inside(path, root) -> bool:
    try:
        Path(path).resolve().relative_to(Path(root).resolve())
    except ValueError:
        return False
    return True


@checks.register(checks.Tags.security)
def check_package_storage_is_private(app_configs=None, **kwargs):
    """Refuse a package directory under MEDIA_ROOT or STATIC_ROOT (scorm.E001)."""
    storage = storages["scorm_packages"]
    if not isinstance(storage, FileSystemStorage):  # in memory, object storage
        return []
    for name in ("MEDIA_ROOT", "STATIC_ROOT"):
        root = getattr(settings, name, None)
        if root and _inside(storage.location, root):
            return [
                checks.Error(
                    f"SCORM packages are stored under {name} ({storage.location}), which is "
                    "served publicly.",
                    hint="Set SCORM_PACKAGE_ROOT to a directory outside MEDIA_ROOT and "
                    "STATIC_ROOT that no web server serves.",
                    id="scorm.E001",
                )
            ]
    return []
