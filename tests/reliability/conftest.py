import pytest


@pytest.fixture
def media(tmp_path, settings):
    """The private export directory on disk (uploads in a ``media`` folder beside it)."""
    exports_dir = tmp_path / "private-exports"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
        "certificate_exports": {
            "BACKEND": "certificates.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(exports_dir)},
        },
    }
    return exports_dir
