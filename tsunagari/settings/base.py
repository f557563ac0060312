"""Settings shared by every environment.

Everything that differs between machines comes from the environment (see README, "Configuration").
"""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .storage import media_origin, object_storages

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent


def env_bool(name: str, default: bool = False) -> bool:
    """Read a boolean from the environment ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma-separated list from the environment."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


INSTALLED_APPS = [
    # The layers, lowest first (README "Architecture"; import-linter enforces them).
    "base",
    "organizations",
    "courses",
    "quizzes",
    "scorm",
    "certificates",
    "reports",
    "events",
    "website",
    "tsunagari",
    "wagtail.contrib.forms",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "import_export",
    "django_tasks_db",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Visitors' pages from the cache: after the language is known, before anything personal.
    "base.page_cache.VisitorPageCacheMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Django's CSRF check, plus origin headers for the token-less forms of cached pages.
    "base.csrf.OriginCheckedCsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "base.middleware.ContentSecurityPolicyMiddleware",
    "organizations.middleware.LearnerMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # A path id that is no id ("abc") reaching the database: 404 instead of 500.
    "base.middleware.MalformedIdMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tsunagari.urls"
CSRF_FAILURE_VIEW = "base.views.csrf_failure"
# Django's W003 looks for its CSRF middleware by name; ours is a subclass (base/csrf.py),
# and base.checks raises an error if it is missing instead.
SILENCED_SYSTEM_CHECKS = ["security.W003"]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "website.context_processors.site_help",
            ],
        },
    },
]

WSGI_APPLICATION = "tsunagari.wsgi.application"

# SQLite needs no set-up; PostgreSQL (production) is chosen by DATABASE_URL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite backend whose writing transactions queue on an OS lock beside the
    # database file instead of polling in SQLite's busy handler (base/db/sqlite3/base.py).
    DATABASES["default"]["ENGINE"] = "base.db.sqlite3"
    # WAL lets readers work while a learner's progress is being written.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "transaction_mode": "IMMEDIATE",
            # How long a writer waits for the one before it (the OS lock and SQLite's own).
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # Connections are kept like PostgreSQL's (DB_CONN_MAX_AGE): opening one and setting WAL
    # on it was the largest single cost of a learner's lesson page (docs/benchmarks.md).
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # libpq waits for ever on a database host that does not answer (network cut, packets
    # dropped): a request would then hang until gunicorn kills its worker, and /healthz could
    # not answer 503. Give up connecting after a few seconds instead.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "connect_timeout", int(os.environ.get("DB_CONNECT_TIMEOUT", "5"))
    )

# DB_POOLER=pgbouncer: PostgreSQL is reached through PgBouncer in transaction pooling mode, where
# consecutive transactions of one connection may run on different server connections. Named
# server-side cursors (``.iterator()``) live across transactions and would be lost; the pooler
# keeps the server connections, so Django opens a cheap one to it per request (docs/scaling.md).
DB_POOLER = os.environ.get("DB_POOLER", "")
if DB_POOLER == "pgbouncer":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DB_CONN_MAX_AGE", "0"))
elif DB_POOLER:
    raise ImproperlyConfigured(f"DB_POOLER={DB_POOLER!r}: only 'pgbouncer' is known.")

# Prepared statements (PostgreSQL): parameters are bound by the server, and a statement a
# connection has run five times (psycopg's prepare_threshold) is prepared, so PostgreSQL stops
# parsing and planning it on every request. The quiz submit's statements then cost the
# primary half the CPU (docs/benchmarks.md §8) — the primary is what several nodes share.
# Off behind PgBouncer by default: in transaction mode a prepared statement belongs to one
# server connection, and PgBouncer keeps track of them only from 1.21 with
# max_prepared_statements set (DB_PREPARED_STATEMENTS=1 then).
DB_PREPARED_STATEMENTS = os.environ.get(
    "DB_PREPARED_STATEMENTS", "0" if DB_POOLER == "pgbouncer" else "1"
)
if DB_PREPARED_STATEMENTS not in ("0", "1"):
    raise ImproperlyConfigured(
        f"DB_PREPARED_STATEMENTS={DB_PREPARED_STATEMENTS!r}: use 1 (on) or 0 (off)."
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    if DB_PREPARED_STATEMENTS == "1":
        # Django turns psycopg's preparing off unless a threshold is given; 5 is psycopg's
        # own default (a statement run once or twice is not worth a prepared copy).
        DATABASES["default"]["OPTIONS"]["server_side_binding"] = True
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5
    else:
        DATABASES["default"]["OPTIONS"]["server_side_binding"] = False
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None

# Reports from a read replica (base/replica.py): a streaming standby of the primary. Reads
# inside ``reports_replica()`` go there; everything else, and every write, to the primary.
REPORTS_DATABASE_URL = os.environ.get("REPORTS_DATABASE_URL", "")
if REPORTS_DATABASE_URL:
    DATABASES["reports"] = dj_database_url.parse(
        REPORTS_DATABASE_URL,
        conn_max_age=DATABASES["default"].get("CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
    # A replica that does not answer must not hold a report up for long: the primary serves.
    DATABASES["reports"].setdefault("OPTIONS", {})["connect_timeout"] = int(
        os.environ.get("REPORTS_DB_CONNECT_TIMEOUT", "2")
    )
    # Under the test runner the alias is the test database itself (no second test database).
    DATABASES["reports"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["base.replica.ReportsReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: local memory on one machine, Redis (shared by every web node) when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, but an unreachable Redis is an empty cache, not a 500
            # (base/cache.py, docs/reliability.md).
            "BACKEND": "base.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "tsunagari",
            # A Redis host that drops packets must not hold a request for long: give up
            # after REDIS_TIMEOUT seconds and serve without the cache.
            "OPTIONS": {
                "socket_connect_timeout": float(os.environ.get("REDIS_TIMEOUT", "0.5")),
                "socket_timeout": float(os.environ.get("REDIS_TIMEOUT", "0.5")),
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }

# Whole pages for visitors without a cookie (base/page_cache.py); 0 turns it off.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))

# Background work through Django's task API (the django-tasks backport Wagtail installs).
# TASKS_BACKEND=database queues tasks in the database (production default), "rq" in Redis
# (base/task_queue.py); `manage.py task_worker` runs the worker of either. "immediate" runs
# them inside the request (development, tests).
TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
}
TASKS = {"default": {"BACKEND": TASK_BACKENDS[os.environ.get("TASKS_BACKEND", "immediate")]}}
# The Redis queue: its own Redis database (not the cache's), jobs run again when their worker
# died (base/task_queue.py), abandoned jobs looked for every RQ_MAINTENANCE_SECONDS.
RQ_REDIS_URL = os.environ.get("RQ_REDIS_URL", "redis://127.0.0.1:6379/1")
RQ_QUEUES = {
    "default": {
        "URL": RQ_REDIS_URL,
        "QUEUE_CLASS": "base.task_queue.RetryingQueue",
        # A bulk certificate export of a large city takes minutes, not hours.
        "DEFAULT_TIMEOUT": 3600,
    }
}
RQ_MAINTENANCE_SECONDS = int(os.environ.get("RQ_MAINTENANCE_SECONDS", "60"))
if TASKS["default"]["BACKEND"] == TASK_BACKENDS["rq"]:
    INSTALLED_APPS.append("django_rq")
# Database queue only (base/task_lease.py): a worker running a task writes a heartbeat
# every TASK_HEARTBEAT_SECONDS; `manage.py requeue_stale_tasks` re-queues a RUNNING task whose
# heartbeat is older than TASK_LEASE_SECONDS (its worker died), at most TASK_MAX_ATTEMPTS runs.
TASK_LEASE_SECONDS = float(os.environ.get("TASK_LEASE_SECONDS", "300"))
TASK_HEARTBEAT_SECONDS = float(os.environ.get("TASK_HEARTBEAT_SECONDS", "30"))
TASK_MAX_ATTEMPTS = int(os.environ.get("TASK_MAX_ATTEMPTS", "3"))
# Database queue: a worker whose database went away waits for it, first this many seconds,
# doubling up to the maximum, instead of exiting (base/db_worker.py).
TASK_WORKER_RETRY_SECONDS = float(os.environ.get("TASK_WORKER_RETRY_SECONDS", "1"))
TASK_WORKER_RETRY_MAX_SECONDS = float(os.environ.get("TASK_WORKER_RETRY_MAX_SECONDS", "30"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "my-learning"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATIC_URL = "/static/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"
# Bulk certificate ZIPs hold many people's names: they are kept outside MEDIA_ROOT, in a
# directory no web server serves, and only the administrator's download view reads them
# (certificates/storage.py). They are deleted CERTIFICATE_EXPORT_RETENTION_DAYS after they are
# finished (`manage.py purge_certificate_exports`, run daily).
CERTIFICATE_EXPORT_ROOT = Path(
    os.environ.get("CERTIFICATE_EXPORT_ROOT", BASE_DIR / "var" / "certificate-exports")
)
CERTIFICATE_EXPORT_RETENTION_DAYS = int(os.environ.get("CERTIFICATE_EXPORT_RETENTION_DAYS", "7"))
CERTIFICATE_EXPORT_STORAGE = {
    "BACKEND": "certificates.storage.PrivateFileSystemStorage",
    "OPTIONS": {
        "location": str(CERTIFICATE_EXPORT_ROOT),
        "directory_permissions_mode": 0o700,
        "file_permissions_mode": 0o600,
    },
}
# Uploads waiting between an import's preview and its confirmation (rosters, session reports:
# personal data): private too, never under MEDIA_ROOT.
PENDING_IMPORT_ROOT = Path(
    os.environ.get("PENDING_IMPORT_ROOT", BASE_DIR / "var" / "pending-imports")
)
# Unpacked SCORM packages (bought-in courses, licensed to the municipality): private, served
# only through scorm.views.package_file to the learners assigned the course.
SCORM_PACKAGE_ROOT = Path(os.environ.get("SCORM_PACKAGE_ROOT", BASE_DIR / "var" / "scorm-packages"))
SCORM_MAX_UPLOAD_BYTES = int(os.environ.get("SCORM_MAX_UPLOAD_BYTES", str(200 * 1024 * 1024)))
SCORM_MAX_UNPACKED_BYTES = int(os.environ.get("SCORM_MAX_UNPACKED_BYTES", str(500 * 1024 * 1024)))
SCORM_MAX_FILES = int(os.environ.get("SCORM_MAX_FILES", "5000"))
SCORM_MAX_COMPRESSION_RATIO = int(os.environ.get("SCORM_MAX_COMPRESSION_RATIO", "100"))
SCORM_MAX_PATH_LENGTH = int(os.environ.get("SCORM_MAX_PATH_LENGTH", "240"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "certificate_exports": CERTIFICATE_EXPORT_STORAGE,
    "import_export": {
        **CERTIFICATE_EXPORT_STORAGE,
        "OPTIONS": {**CERTIFICATE_EXPORT_STORAGE["OPTIONS"], "location": str(PENDING_IMPORT_ROOT)},
    },
    "scorm_packages": {
        **CERTIFICATE_EXPORT_STORAGE,
        "OPTIONS": {**CERTIFICATE_EXPORT_STORAGE["OPTIONS"], "location": str(SCORM_PACKAGE_ROOT)},
    },
}
# Object storage (docs/scaling.md step 7): with S3_MEDIA_BUCKET and S3_PRIVATE_BUCKET set, media
# (images, renditions, documents) live in the first and certificate exports and pending imports
# in the second (private), on an S3-compatible service every node shares. Credentials come from
# the standard AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. S3_MEDIA_URL is the public origin of
# the media bucket; it must be a host of the municipality's own network (LGWAN), and it is
# allowed in the Content-Security-Policy.
S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")
S3_REGION = os.environ.get("S3_REGION", "")
S3_MEDIA_BUCKET = os.environ.get("S3_MEDIA_BUCKET", "")
S3_PRIVATE_BUCKET = os.environ.get("S3_PRIVATE_BUCKET", "")
S3_MEDIA_URL = os.environ.get("S3_MEDIA_URL", "")
if S3_MEDIA_BUCKET or S3_PRIVATE_BUCKET:
    if not (S3_MEDIA_BUCKET and S3_PRIVATE_BUCKET):
        raise ImproperlyConfigured("Set both S3_MEDIA_BUCKET and S3_PRIVATE_BUCKET, or neither.")
    STORAGES.update(
        object_storages(
            endpoint_url=S3_ENDPOINT_URL,
            region=S3_REGION,
            media_bucket=S3_MEDIA_BUCKET,
            private_bucket=S3_PRIVATE_BUCKET,
            media_url=S3_MEDIA_URL,
        )
    )
    # Documents are streamed by Wagtail's own view, which applies their collection's privacy;
    # a redirect would hand out the bucket's address instead.
    WAGTAILDOCS_SERVE_METHOD = "serve_view"

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Email (reminders, password links): SMTP settings from the environment.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "tsunagari@localhost")

# Mandatory staff training (README, "Mandatory staff training"): reminder timing, how long the
# one-time password links for imported staff stay valid, and the upload limit of imports.
TRAINING_REMINDER_DAYS_BEFORE = int(os.environ.get("TRAINING_REMINDER_DAYS_BEFORE", "7"))
TRAINING_MANAGER_ESCALATION_DAYS = int(os.environ.get("TRAINING_MANAGER_ESCALATION_DAYS", "7"))
TRAINING_WEEKLY_SUMMARY_WEEKDAY = int(os.environ.get("TRAINING_WEEKLY_SUMMARY_WEEKDAY", "0"))
STAFF_INVITATION_DAYS = int(os.environ.get("STAFF_INVITATION_DAYS", "14"))
# Uploads waiting between an import's preview and its confirmation: django-import-export's
# MediaStorage, on the private "import_export" storage above (base/imports.py, ImportView).
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.MediaStorage"
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))
# What a spreadsheet may hold once read, whatever its header claims (README, "Imports"): a
# 74 KB XLSX can declare a million rows of 16,384 columns. 100,000 rows is twice the largest
# roster (50,000 staff); 1,000,000 cells is that roster with 20 columns; 50 MB of unpacked
# XML is more than twice what such a roster unpacks to (about 20 MB), and keeps the shared
# strings openpyxl holds in memory to a few hundred MB at worst.
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "100000"))
IMPORT_MAX_COLUMNS = int(os.environ.get("IMPORT_MAX_COLUMNS", "100"))
IMPORT_MAX_CELLS = int(os.environ.get("IMPORT_MAX_CELLS", "1000000"))
IMPORT_MAX_UNCOMPRESSED_BYTES = int(
    os.environ.get("IMPORT_MAX_UNCOMPRESSED_BYTES", str(50 * 1024 * 1024))
)
# A whole-roster import that would mark more than this share of the municipality's active
# staff as leaving needs a second confirmation (a partial file uploaded as the whole roster).
ROSTER_MAX_LEAVING_SHARE = float(os.environ.get("ROSTER_MAX_LEAVING_SHARE", "0.2"))
# Who is mailed the result of the nightly roster sync (``import_roster --from DIR``), by
# municipality code: {"271004": ["jinji@city.example.jp"]}. A municipality without an entry:
# its own administrators (scope 市区町村) who may import its roster and have an e-mail.
ROSTER_SYNC_NOTIFY: dict[str, list[str]] = {}
# A sync run still "running" after this many hours crashed: its lock is released.
ROSTER_SYNC_STALE_HOURS = float(os.environ.get("ROSTER_SYNC_STALE_HOURS", "6"))

# Login throttling (django-axes) for the admin, staff and learner logins: after
# AXES_FAILURE_LIMIT failures for one username from one address, that pair is locked out for
# AXES_COOLOFF_MINUTES (answered 429 with a Japanese page). Password validators are above.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # A deputy's permissions, while their delegation is in force (README, "Organisation").
    "organizations.backends.DelegationBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
# Behind a load balancer, set TRUSTED_PROXY_COUNT (or its older name AXES_IPWARE_PROXY_COUNT)
# to the number of proxies in front of the site: login throttling and the certificate
# verification rate limit then key on the client's address read from the right end of
# X-Forwarded-For (base/client_address.py), one budget per citizen.
TRUSTED_PROXY_COUNT = int(
    os.environ.get("TRUSTED_PROXY_COUNT", os.environ.get("AXES_IPWARE_PROXY_COUNT", "0"))
)
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT or None
# django-ipware is not installed, so without this axes would key on REMOTE_ADDR (the proxy).
AXES_CLIENT_IP_CALLABLE = "base.client_address.client_address"

# Staff sign-in through the municipality's identity provider (OpenID Connect), only when
# configured; see README ("Sign-in through the municipality's identity provider").
OIDC_ENABLED = bool(os.environ.get("OIDC_RP_CLIENT_ID"))
if OIDC_ENABLED:
    INSTALLED_APPS.append("mozilla_django_oidc")
    AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "organizations.oidc.StaffOIDCBackend",
        "django.contrib.auth.backends.ModelBackend",
        "organizations.backends.DelegationBackend",
    ]
    OIDC_RP_CLIENT_ID = os.environ["OIDC_RP_CLIENT_ID"]
    OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
    OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ["OIDC_OP_AUTHORIZATION_ENDPOINT"]
    OIDC_OP_TOKEN_ENDPOINT = os.environ["OIDC_OP_TOKEN_ENDPOINT"]
    OIDC_OP_USER_ENDPOINT = os.environ["OIDC_OP_USER_ENDPOINT"]
    OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
    OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
    OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid profile email")
    OIDC_CREATE_USER = False
    OIDC_STAFF_NUMBER_CLAIM = os.environ.get("OIDC_STAFF_NUMBER_CLAIM", "employee_number")
    OIDC_MUNICIPALITY_CLAIM = os.environ.get("OIDC_MUNICIPALITY_CLAIM", "")
    OIDC_MUNICIPALITY_CODE = os.environ.get("OIDC_MUNICIPALITY_CODE", "")
    LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/"

# Wagtail
WAGTAIL_SITE_NAME = os.environ.get("SITE_NAME", "つながりサポーター e-ラーニング")
# The one public address of the site (scheme://host[:port], no path). It drives every URL
# that leaves the site: QR codes and URLs printed on certificates, credential ids, the issuer's
# did:web, links in e-mails and the admin. Production must set an https URL (a system check
# refuses anything else; see certificates/checks.py).
BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = BASE_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_I18N_ENABLED = False
# No avatars from gravatar.com: the admin must work on LGWAN and leak no e-mail hashes.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILADMIN_PERMITTED_LANGUAGES = [("ja", "日本語"), ("en", "English")]
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "pdf", "pptx", "txt", "xlsx", "zip", "mp4", "webm", "vtt"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 200 * 1024 * 1024  # lesson videos are uploaded as documents
# Embeds fetch from third-party hosts; LGWAN offices cannot reach them, so editors are told to
# prefer uploaded video files (see the video block) and embeds degrade to a plain link.
WAGTAILEMBEDS_RESPONSIVE_HTML = True

# Learners without an account are recognised by a long-lived cookie holding a random token.
LEARNER_COOKIE_NAME = "tsunagari_learner"
LEARNER_COOKIE_AGE = int(os.environ.get("LEARNER_COOKIE_DAYS", "180")) * 24 * 3600
# How long a learner who has not come back is kept before the retention task deletes them.
LEARNER_RETENTION_DAYS = int(os.environ.get("LEARNER_RETENTION_DAYS", str(2 * 365)))

# Sessions are read from the cache (Redis in production) and written through to the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = 30 * 24 * 3600
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

# Content-Security-Policy (django-csp): only this site's own origin, so that nothing is loaded
# from third-party hosts (LGWAN offices reach only this site).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "media-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
if S3_MEDIA_BUCKET:
    _media_origin = media_origin(
        endpoint_url=S3_ENDPOINT_URL, media_bucket=S3_MEDIA_BUCKET, media_url=S3_MEDIA_URL
    )
    if _media_origin:
        for _directive in ("img-src", "media-src"):
            CONTENT_SECURITY_POLICY["DIRECTIVES"][_directive].append(_media_origin)
# The Wagtail admin relies on inline styles and scripts; it is for logged-in staff only.
CSP_ADMIN_UPDATE = {
    "script-src": ["'unsafe-inline'", "'unsafe-eval'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["blob:"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # One line per background task is noise at INFO.
        "django_tasks": {"level": "WARNING"},
    },
}

# Ed25519 private key (PEM) that signs Open Badges credentials; see docs/certificate-keys.md.
CERTIFICATE_SIGNING_KEY = os.environ.get("CERTIFICATE_SIGNING_KEY", "").replace("\\n", "\n")
# Public keys (publicKeyMultibase, comma-separated) of retired signing keys: still listed in
# /.well-known/did.json so that credentials signed with them keep verifying.
CERTIFICATE_RETIRED_PUBLIC_KEYS = env_list("CERTIFICATE_RETIRED_PUBLIC_KEYS")

# Password reset (organizations.password_reset): links work once and for this long; requests
# are limited per client address and per address asked about within the window.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_HOURS", "24")) * 3600
PASSWORD_RESET_WINDOW_MINUTES = 60
PASSWORD_RESET_LIMIT_PER_CLIENT = 10
PASSWORD_RESET_LIMIT_PER_EMAIL = 3
