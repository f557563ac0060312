"""Production settings: every secret and host name comes from the environment."""

import hashlib
import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    BASE_DIR,
    DATABASES,
    REDIS_URL,
    TASK_BACKENDS,
    env_bool,
    env_list,
)

DEBUG = False

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in the environment (comma-separated).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# BASE_URL (base.py) must be the public https address: a system check (certificates.E002)
# stops every management command, migrate included, until it is.
BASE_URL_MUST_BE_PUBLIC = True

# Behind a TLS-terminating load balancer that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Wagtail's preview marks its own responses SAMEORIGIN; everything else may not be framed.
X_FRAME_OPTIONS = "DENY"

if not REDIS_URL:
    # Without Redis, the worker processes of one machine share a file cache, so what one
    # process invalidates (a published page, new footer help) is gone for all of them. The
    # prefix keeps two deployments on one machine (e.g. staging) apart.
    _database = DATABASES["default"]
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ.get("CACHE_DIR", str(BASE_DIR / "var" / "cache")),
            "KEY_PREFIX": hashlib.sha256(
                f"{_database['ENGINE']}|{_database.get('HOST')}|{_database.get('PORT')}|"
                f"{_database['NAME']}".encode()
            ).hexdigest()[:12],
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }

# Media, exports and pending imports as in base.py (disk, or object storage); static files with
# hashed names, served by WhiteNoise.
STORAGES = {
    **STORAGES,  # noqa: F405 - from .base
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Bulk certificate exports, reminders and search indexing run in `manage.py task_worker`.
TASKS = {"default": {"BACKEND": TASK_BACKENDS[os.environ.get("TASKS_BACKEND", "database")]}}
if TASKS["default"]["BACKEND"] == TASK_BACKENDS["rq"] and "django_rq" not in INSTALLED_APPS:  # noqa: F405
    INSTALLED_APPS = [*INSTALLED_APPS, "django_rq"]  # noqa: F405 - from .base
