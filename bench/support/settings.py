"""Benchmark-only settings: production settings plus a baseline view (bench/support/urls.py).

Never used by the product; ``bench/web.py`` serves the site with these under gunicorn so the
baseline and the real pages go through the same server, middleware and settings.
"""

from tsunagari.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.support.urls"
# Benchmarks run on loopback over plain HTTP; the load generator sends X-Forwarded-Proto.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
