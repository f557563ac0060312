"""Check-in (受付) against a bare one-INSERT write, and the course finder for visitors against the
bare page, under gunicorn.

    python bench/checkin.py [--database sqlite,postgresql] [--duration 3] [--concurrency 4]

For each database: a fresh database with ``migrate`` + ``seed_demo --no-demo-users``, the bench's
own ``bench_write`` table (``bench/support/urls.py``), one course open for check-in now (with a
capacity no run reaches) and 40 upcoming public courses for the finder; then gunicorn
(2 sync workers, ``bench.support.settings``) loaded by wrk at ``--concurrency`` connections with

- ``POST /__bench__/write``: one INSERT in a transaction, through the same server, middleware
  and CSRF check as every form;
- ``POST /courses/<id>/check-in/``: the attendee's check-in form with a valid signed pass and
  no browser cookie, so every request is a new attendee: pass check, rate limit (one Redis
  round trip), the per-course lock with the count and insert (one statement after the lock),
  then the redirect to the attendee's page. Requests come from
  256 client addresses (``X-Forwarded-For`` behind one trusted proxy: a header, no traffic
  leaves 127.0.0.1), as many venues at once, so the per-address limit is not what is measured;
- ``GET /__bench__/baseline`` (a fixed 10 KB page) and ``GET /courses/find/`` for visitors
  (no cookie: served from the page cache after the first request).

The pairs alternate (``ROUNDS`` = 2) and the figures are the medians of the rounds, so that a
change in the load of the (shared) machine falls on both alike. Prints one JSON line per
database. Goals (issue #17): check-in throughput ≥ 0.5 × the bare write's, ≤ 8 queries per
check-in; finder throughput ≥ 0.5 × the bare page's.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import web  # noqa: E402
from bench.support import wrk  # noqa: E402
from bench.support.common import (  # noqa: E402
    HOST,
    ROOT,
    database_kind,
    emit,
    postgres_available,
    production_env,
    seeded_database,
)
from bench.writes import _form_headers, _gunicorn, _median, _stop  # noqa: E402

GOAL_CHECK_IN_RPS_RATIO = 0.5
GOAL_FINDER_RPS_RATIO = 0.5
MAX_QUERIES = 8
ROUNDS = 2
ADDRESSES = 256
FINDER_COURSES = 40


# --- in-process part (Django loaded) ------------------------------------------------------


def prepare() -> dict:
    """Create ``bench_write``, an organiser, the open course, the finder's courses, and passes."""
    import datetime as dt

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from base.dates import tokyo_date
    from bench.support.urls import BENCH_WRITE_TABLE_SQL
    from courses.models import CoursePage
    from events.checkin_views import issue_pass
    from events.models import CheckIn, Organiser, PlannedCourse
    from organizations.models import Municipality

    with connection.cursor() as cursor:
        cursor.execute(BENCH_WRITE_TABLE_SQL[connection.vendor])
    municipality = Municipality.objects.order_by("code").first()
    if municipality is None:
        raise SystemExit("the seeded database has no municipality")
    user = get_user_model().objects.create(username="bench-organiser@example.jp")
    organiser = Organiser.objects.create(
        user=user,
        municipality=municipality,
        organisation_type="npo",
        organisation_name="ベンチの会",
        name="ベンチ",
        email=user.username,
        status=Organiser.Status.ACTIVE,
    )
    course_page = CoursePage.objects.filter(audience="citizen").first()

    def plan(days: int, **fields) -> PlannedCourse:
        planned = PlannedCourse(
            organiser=organiser,
            municipality=municipality,
            course=course_page,
            held_on=tokyo_date() + dt.timedelta(days=days),
            start_time=dt.time(14),
            end_time=dt.time(15, 30),
            venue_name="市民会館",
            venue_address="大阪市北区中之島1-3-20",
            instructor_name="講師",
            capacity=40,
            **fields,
        )
        planned.compute_times()
        planned.save()
        return planned

    for day in range(FINDER_COURSES):
        plan(1 + day % 30)
    hall = plan(1, is_public=False)
    starts = timezone.now() - dt.timedelta(minutes=5)
    # A capacity no run reaches: the lock and the count are measured, not the refusal.
    PlannedCourse.objects.filter(pk=hall.pk).update(
        starts_at=starts, ends_at=starts + dt.timedelta(hours=3), capacity=10_000_000
    )
    token = issue_pass(hall)
    path = f"/courses/{hall.pk}/check-in/"
    # The queries of one check-in POST, as the test asserts (Django's test client, in-process).
    with CaptureQueriesContext(connection) as queries:
        response = Client().post(
            path, {"pass_token": token, "attendee_type": "general"}, secure=True
        )
    if response.status_code != 302:
        raise SystemExit(f"check-in answered {response.status_code}")
    CheckIn.objects.all().delete()
    return {"path": path, "pass": token, "queries": len(queries.captured_queries)}


def counts() -> dict:
    """Rows the load wrote: bench writes and check-ins."""
    import django

    django.setup()
    from django.db import connection

    from events.models import CheckIn

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM bench_write")
        writes = cursor.fetchone()[0]
    return {"bench_write_rows": writes, "check_ins": CheckIn.objects.count()}


# --- load part (no Django in this process) -------------------------------------------------


def _in_site(env: dict, *args: str) -> dict:
    done = subprocess.run(  # noqa: S603 - this script, fixed arguments
        [sys.executable, __file__, *args], env=env, cwd=ROOT, check=True, capture_output=True,
        text=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def _address(number: int) -> str:
    # Addresses of the benchmarking range (RFC 2544), written in a header only.
    return f"198.18.{number // 250}.{1 + number % 250}"


def _check_ins(data: dict) -> list[wrk.Request]:
    requests = []
    for number in range(ADDRESSES):
        body = urlencode(
            [
                ("csrfmiddlewaretoken", web.CSRF),
                ("pass_token", data["pass"]),
                ("attendee_type", "general"),
                ("age_band", ""),
                ("gender", ""),
            ]
        ).encode()
        headers = {**_form_headers(referer=data["path"]), "X-Forwarded-For": _address(number)}
        requests.append(wrk.Request("POST", data["path"], headers, body, expect=(302,)))
    return requests


def _writes(count: int) -> list[wrk.Request]:
    return [
        wrk.Request(
            "POST",
            "/__bench__/write",
            {**_form_headers(), "X-Forwarded-For": _address(i)},
            urlencode([("csrfmiddlewaretoken", web.CSRF), ("note", f"bench {i}")]).encode(),
        )
        for i in range(count)
    ]


def _pair(port, first, second, concurrency, duration) -> dict:
    """Alternating rounds of two request sets; the medians of each."""
    rounds = {"a": [], "b": []}
    for _number in range(ROUNDS):
        rounds["a"].append(wrk.run(port, HOST, first, concurrency=concurrency, duration=duration))
        rounds["b"].append(wrk.run(port, HOST, second, concurrency=concurrency, duration=duration))
    return {"a": _median(rounds["a"]), "b": _median(rounds["b"]), "rounds": rounds}


def _redis() -> tuple[subprocess.Popen | None, str]:
    """A throw-away Redis on 127.0.0.1 (as production's shared cache: the rate limits count
    there), or None when redis-server is not installed (then the file cache of one machine)."""
    program = shutil.which("redis-server")
    if program is None:
        return None, ""
    port = web._free_port()
    server = subprocess.Popen(  # noqa: S603 - redis-server with fixed arguments
        [program, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    return server, f"redis://127.0.0.1:{port}/0"


def bench_database(kind: str, duration: float, concurrency: int) -> dict:
    began = time.monotonic()
    url = seeded_database(kind, "checkin")
    redis, redis_url = _redis()
    env = production_env(
        url, TRUSTED_PROXY_COUNT="1", **({"REDIS_URL": redis_url} if redis else {})
    )
    web.collect_static(env)
    data = _in_site(env, "--prepare")
    setup_seconds = time.monotonic() - began

    check_ins = _check_ins(data)
    writes = _writes(64)
    baseline = [wrk.Request("GET", "/__bench__/baseline", {})]
    finder = [wrk.Request("GET", "/courses/find/", {})]
    port = web._free_port()
    server = _gunicorn(env, port, "tsunagari.wsgi:application")
    try:
        wrk.wait_ready(port, HOST)
        for warm in (writes, check_ins, baseline, finder):
            wrk.run(port, HOST, warm, concurrency=concurrency, duration=1)
        writing = _pair(port, writes, check_ins, concurrency, duration)
        reading = _pair(port, baseline, finder, concurrency, duration)
    finally:
        _stop(server)
        if redis is not None:
            _stop(redis)
    rows = _in_site(env, "--counts")

    insert, check_in = writing["a"], writing["b"]
    page, found = reading["a"], reading["b"]
    ratios = {
        "check_in_rps": round(check_in["rps"] / insert["rps"], 3),
        "check_in_p95": round(check_in["p95_ms"] / insert["p95_ms"], 2),
        "finder_rps": round(found["rps"] / page["rps"], 3),
    }
    goals = {
        f"check_in_rps_ratio>={GOAL_CHECK_IN_RPS_RATIO:g}": ratios["check_in_rps"]
        >= GOAL_CHECK_IN_RPS_RATIO,
        f"check_in_queries<={MAX_QUERIES}": data["queries"] <= MAX_QUERIES,
        f"finder_rps_ratio>={GOAL_FINDER_RPS_RATIO:g}": ratios["finder_rps"]
        >= GOAL_FINDER_RPS_RATIO,
        "no_errors": all(
            not r["errors"]
            for pair in (writing, reading)
            for runs in pair["rounds"].values()
            for r in runs
        ),
        # wrk does not count requests in flight when it stops: at least those counted.
        "check_ins_written": rows["check_ins"]
        >= sum(r["requests"] for r in writing["rounds"]["b"]),
    }
    return {
        "database": kind,
        "server": "gunicorn --workers=2 (sync), tsunagari.settings.production",
        "generator": "wrk",
        "cache": "redis" if redis is not None else "file",
        "concurrency": concurrency,
        "duration_s": duration,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "results": {"insert": insert, "check_in": check_in, "baseline": page, "finder": found},
        "ratios": ratios,
        "queries": {"check_in": data["queries"]},
        "rows": rows,
        "setup_s": round(setup_seconds, 1),
        "goals": goals,
        "meets_goal": all(goals.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sqlite,postgresql")
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--counts", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        print(json.dumps(prepare()))
        return
    if args.counts:
        print(json.dumps(counts()))
        return
    for kind in [database_kind(k) for k in args.database.split(",")]:
        if kind == "postgresql" and not postgres_available():
            emit("checkin", {"database": kind, "skipped": "PostgreSQL not reachable"})
            continue
        emit("checkin", bench_database(kind, args.duration, args.concurrency))


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
