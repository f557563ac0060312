"""A gunicorn config that profiles, with cProfile, only the requests marked for it.

``bench/web.py --profile PATH`` starts gunicorn with ``-c bench/support/profiling.py`` and,
after the measured runs (which carry no mark and are not profiled), sends the learner's
lesson page again with the header ``X-Bench-Profile: 1``. Each worker profiles those requests
from before the WSGI call to after the response is written (``pre_request`` /
``post_request``) and dumps its statistics on exit to ``BENCH_PROFILE_DIR/worker-<pid>.prof``;
``bench/web.py`` merges them into PATH and prints the top of the table.
"""

import cProfile
import os
from pathlib import Path

MARK = "X-BENCH-PROFILE"
_profile = cProfile.Profile()
_state = {"requests": 0}


def _marked(req) -> bool:
    return any(name.upper() == MARK for name, _value in req.headers)


def pre_request(worker, req):
    if _marked(req):
        _profile.enable()


def post_request(worker, req, environ, resp):
    if _marked(req):
        _profile.disable()
        _state["requests"] += 1


def worker_exit(server, worker):
    if _state["requests"]:
        directory = Path(os.environ["BENCH_PROFILE_DIR"])
        directory.mkdir(parents=True, exist_ok=True)
        _profile.dump_stats(directory / f"worker-{os.getpid()}.prof")
