"""The site's WSGI application with every POST profiled by cProfile (``bench/writes.py
--profile``): each gunicorn worker adds each POST's profile to its own ``cProfile.Profile``
and rewrites ``$BENCH_PROFILE_DIR/<pid>.prof`` after it, so nothing depends on how the worker
exits. Never used by the product."""

import cProfile
import os
from pathlib import Path

from tsunagari.wsgi import application as site_application

_DIR = Path(os.environ["BENCH_PROFILE_DIR"])
_profile = cProfile.Profile()


def application(environ, start_response):
    """Profile a POST (the quiz submit) end to end, including reading the whole response."""
    if environ["REQUEST_METHOD"] != "POST":
        return site_application(environ, start_response)
    _profile.enable()
    try:
        body = list(site_application(environ, start_response))
    finally:
        _profile.disable()
    _profile.dump_stats(str(_DIR / f"{os.getpid()}.prof"))
    return body
