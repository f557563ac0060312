"""Settings for the test suite: fast hashing, local memory cache, tasks run immediately."""

import atexit
import shutil
import tempfile

from .base import *  # noqa: F403

# django-import-export's MediaStorage opens its storage afresh for each pending upload, and an
# InMemoryStorage would forget the file between preview and confirmation: the uploads wait in
# a private directory of this test run instead, with the production storage class.
PENDING_IMPORT_ROOT = tempfile.mkdtemp(prefix="tsunagari-test-pending-imports-")
atexit.register(shutil.rmtree, PENDING_IMPORT_ROOT, ignore_errors=True)

DEBUG = False
SECRET_KEY = "test-only-secret-key"  # noqa: S105
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "certificate_exports": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "import_export": {
        **CERTIFICATE_EXPORT_STORAGE,  # noqa: F405 - from .base
        "OPTIONS": {**CERTIFICATE_EXPORT_STORAGE["OPTIONS"], "location": PENDING_IMPORT_ROOT},  # noqa: F405
    },
    "scorm_packages": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
}
BASE_URL = WAGTAILADMIN_BASE_URL = "http://testserver"
WHITENOISE_AUTOREFRESH = True
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"handlers": [], "level": "WARNING"},
}
CERTIFICATE_DERIVED_KEY_ALLOWED = True
# Django's test client logs in without a request, which django-axes refuses; the login
# throttling tests switch it back on.
AXES_ENABLED = False
PAGE_CACHE_SECONDS = 0  # tests that need it switch it on (tests/base/test_page_cache.py)
