"""Settings of a real task worker (``manage.py db_worker``) started by the interruption tests:
the test settings with the database-backed task queue, and files on disk (the test process
reads the same folder) instead of in memory, and a heartbeat every half second so that the
test's lease can be short."""

import os
from pathlib import Path

from tsunagari.settings.test import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
MEDIA_ROOT = Path(os.environ["RELIABILITY_MEDIA_ROOT"])
# Every storage the apps name (pending imports, SCORM packages …) stays as the test settings
# have it; only these are files on disk the test process can read too.
STORAGES = {
    **STORAGES,  # noqa: F405
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "certificate_exports": {
        "BACKEND": "certificates.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": os.environ["RELIABILITY_EXPORT_ROOT"]},
    },
}
TASK_HEARTBEAT_SECONDS = 0.5
