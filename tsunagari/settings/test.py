"""Settings for the test suite: fast hashing, local memory cache, tasks run immediately."""

from .base import *  # noqa: F403

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
    "import_export": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
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
