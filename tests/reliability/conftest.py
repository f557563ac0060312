import subprocess

import pytest

from tests.reliability.support import PrivatePostgres


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


@pytest.fixture
def private_postgres():
    """A PostgreSQL cluster of the test's own (initdb on a free port), stopped and removed
    afterwards, for tests that stop or restart their database; skipped where none can run."""
    try:
        cluster = PrivatePostgres()
    except (LookupError, OSError, subprocess.CalledProcessError) as exc:
        detail = (getattr(exc, "stderr", b"") or b"").decode()[-300:]
        pytest.skip(f"cannot run a private PostgreSQL cluster here: {exc} {detail}")
    try:
        cluster.start()
        cluster.create_database()
        yield cluster
    finally:
        cluster.destroy()
