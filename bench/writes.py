"""The quiz submit that completes a course against a bare one-INSERT write, under gunicorn.

    python bench/writes.py [--database sqlite,postgresql] [--duration 3] [--concurrency 4]
                           [--submits 400] [--profile DIR]

For each database: a fresh database with ``migrate`` + ``seed_demo --no-demo-users``, the bench's
own ``bench_write`` table (raw SQL, ``bench/support/urls.py``), learners who finished every
lesson and hold an open quiz attempt (``bench/web.py``'s ``prepare``), then gunicorn (2 sync
workers, ``bench.support.settings``) loaded by wrk at ``--concurrency`` connections with

- ``POST /__bench__/write``: one INSERT in a transaction and a 2-byte answer, through the same
  server, middleware and CSRF check as every form;
- the passing quiz submit that completes the course: grading, completion, certificate and
  tallies in one transaction (the README's guarantee), then a redirect. Each submit can be sent
  once (wrk's ``single_use``): the run ends at ``--duration`` or when they are used up.

The views alternate (write, submit, write, submit, write: ``ROUNDS`` = 2), ``--duration``
seconds each, and the figures are the medians of the rounds, so that a change in the load of
the (shared) machine falls on both alike.

Prints one JSON line per database: p95 and throughput of both, their ratios, and the rows
written (completions = certificates = submits answered 302; the tallies add up to the
completions). Goals (issue #18.8): submit p95 ≤ 3 × the write's p95 and throughput ≥ 0.3 × its
throughput. A last run re-sends graded submits (``quiz_resubmit``: the request path without the
writes), the floor under the submit's figures. Each round also reports the CPU milliseconds per request of the gunicorn workers
and (PostgreSQL on this machine) of the database's backends (``bench/support/cpu.py``): on a
shared machine they move far less than throughput, and say which side a change saved.

``--profile DIR`` runs the submits once more under a gunicorn whose workers profile every quiz
submit with cProfile (``bench/support/profiled_wsgi.py``) and writes ``DIR/<database>.txt``,
on the database a measurement left (``bench_writes``; seeded when there is none).
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import web  # noqa: E402
from bench.support import cpu, wrk  # noqa: E402
from bench.support.common import (  # noqa: E402
    HOST,
    PG_BASE,
    ROOT,
    database_kind,
    database_url,
    emit,
    postgres_available,
    production_env,
    seeded_database,
)

GOAL_P95_RATIO = 3.0
GOAL_RPS_RATIO = 0.3
ROUNDS = 2


def _median(runs: list[dict]) -> dict:
    """Per figure, the median over the rounds (the middle one of three, the mean of two)."""
    figures = {}
    for key in ("rps", "p50_ms", "p95_ms", "p99_ms"):
        values = sorted(r[key] for r in runs)
        middle = len(values) // 2
        value = values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
        figures[key] = round(value, 1)
    for group in runs[0].get("cpu_ms_per_request", {}):
        values = sorted(
            r["cpu_ms_per_request"][group]
            for r in runs
            if r["cpu_ms_per_request"][group] is not None
        )
        figures.setdefault("cpu_ms_per_request", {})[group] = (
            values[len(values) // 2] if values else None
        )
    figures["requests"] = sum(r["requests"] for r in runs)
    figures["errors"] = sum(r["errors"] for r in runs)
    return figures


def _cpu_ratio(insert: dict, submit: dict) -> float | None:
    """The submit's CPU per request (web workers and database together) ÷ the write's."""

    def total(figures):
        values = [v for v in figures.get("cpu_ms_per_request", {}).values() if v is not None]
        return sum(values) if values else None

    write, quiz = total(insert), total(submit)
    return round(quiz / write, 1) if write and quiz else None


# --- in-process part (Django loaded) ------------------------------------------------------


def prepare(submits: int) -> dict:
    """Create ``bench_write`` and the learners ready to pass the quiz (bench/web.py)."""
    data = web.prepare(submits)
    from django.db import connection

    from bench.support.urls import BENCH_WRITE_TABLE_SQL

    with connection.cursor() as cursor:
        cursor.execute(BENCH_WRITE_TABLE_SQL[connection.vendor])
    return data


def counts() -> dict:
    """Rows the load wrote: bench writes, completions, certificates, tallied supporters."""
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Sum

    from certificates.models import Certificate
    from courses.models import Completion
    from reports.models import DailyTally, MonthlyTally

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM bench_write")
        writes = cursor.fetchone()[0]
    return {
        "bench_write_rows": writes,
        "completions": Completion.objects.count(),
        "certificates": Certificate.objects.count(),
        "daily_tally_supporters": DailyTally.objects.aggregate(n=Sum("supporters"))["n"] or 0,
        "monthly_tally_supporters": MonthlyTally.objects.aggregate(n=Sum("supporters"))["n"] or 0,
    }


# --- load part (no Django in this process) -------------------------------------------------


def _in_site(env: dict, *args: str) -> dict:
    done = subprocess.run(  # noqa: S603 - this script, fixed arguments
        [sys.executable, __file__, *args], env=env, cwd=ROOT, check=True, capture_output=True,
        text=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def _gunicorn(env: dict, port: int, wsgi: str) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - gunicorn from this virtualenv
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers=2",
            f"--bind=127.0.0.1:{port}",
            "--backlog=256",
            "--log-level=warning",
            wsgi,
        ],
        env=env,
        cwd=ROOT,
    )


def _stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _form_headers(cookie: str = "", referer: str = "/") -> dict:
    return {
        "Cookie": f"csrftoken={web.CSRF}" + (f"; {cookie}" if cookie else ""),
        "Origin": f"https://{HOST}",
        "Referer": f"https://{HOST}{referer}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def _submits(data: dict) -> list[wrk.Request]:
    requests = []
    for token, form in data["submissions"]:
        body = urlencode([("csrfmiddlewaretoken", web.CSRF), *form]).encode()
        headers = _form_headers(f"{data['cookie']}={token}", data["quiz"])
        requests.append(wrk.Request("POST", data["quiz"], headers, body, expect=(302,)))
    return requests


def _writes(count: int) -> list[wrk.Request]:
    return [
        wrk.Request(
            "POST",
            "/__bench__/write",
            _form_headers(),
            urlencode([("csrfmiddlewaretoken", web.CSRF), ("note", f"bench {i}")]).encode(),
        )
        for i in range(count)
    ]


def bench_database(kind: str, duration: float, concurrency: int, submits: int) -> dict:
    began = time.monotonic()
    url = seeded_database(kind, "writes")
    env = production_env(url)
    web.collect_static(env)
    data = _in_site(env, "--prepare", str(submits))
    setup_seconds = time.monotonic() - began

    quiz = _submits(data)
    warm_submits, quiz = quiz[:10], quiz[10:]
    writes = _writes(64)
    port = web._free_port()
    server = _gunicorn(env, port, "tsunagari.wsgi:application")
    try:
        wrk.wait_ready(port, HOST)
        # Warm both workers on both views (connections, caches, imports) before measuring.
        wrk.run(port, HOST, writes, concurrency=concurrency, duration=1)
        wrk.run(port, HOST, warm_submits, concurrency=concurrency, duration=1, single_use=True)
        meter = cpu.CpuMeter(
            {
                "gunicorn": lambda: cpu.children(server.pid),
                "postgres": (
                    (lambda: cpu.postgres_backends(url.rsplit("/", 1)[1], PG_BASE))
                    if kind == "postgresql"
                    else list
                ),
            }
        )

        def measured(requests, **options):
            meter.start()
            figures = wrk.run(port, HOST, requests, concurrency=concurrency, **options)
            figures["cpu_ms_per_request"] = meter.per_request(figures["requests"])
            return figures

        # Alternating rounds, each view ``duration`` seconds, so that a change of the machine's
        # load (it is shared) falls on both views alike; the figures are the medians of rounds.
        rounds = {"insert": [], "quiz_submit": [], "quiz_resubmit": []}
        for number in range(ROUNDS):
            rounds["insert"].append(measured(writes, duration=duration))
            share = quiz[number::ROUNDS]  # submits not sent yet, a share for each round
            rounds["quiz_submit"].append(measured(share, duration=duration, single_use=True))
        rounds["insert"].append(measured(writes, duration=duration))
        # The floor of the submit's request path: the same submits sent again once graded
        # (learner, routing, the attempt read, the redirect; nothing written).
        rounds["quiz_resubmit"] = [measured(quiz[: len(quiz) // 2], duration=duration)]
    finally:
        _stop(server)
    rows = _in_site(env, "--counts")

    results = {name: _median(runs) for name, runs in rounds.items()}
    insert, submit = results["insert"], results["quiz_submit"]
    p95_ratio = round(submit["p95_ms"] / insert["p95_ms"], 2)
    rps_ratio = round(submit["rps"] / insert["rps"], 3)
    # wrk does not count the requests in flight when it stops, which the server still answers:
    # at least the counted submits (and the two of prepare()) completed the course.
    submitted = sum(r["requests"] for r in rounds["quiz_submit"]) + 2
    goals = {
        f"quiz_submit_p95_ratio<={GOAL_P95_RATIO:g}": p95_ratio <= GOAL_P95_RATIO,
        f"quiz_submit_rps_ratio>={GOAL_RPS_RATIO:g}": rps_ratio >= GOAL_RPS_RATIO,
        "no_errors": all(not r["errors"] for runs in rounds.values() for r in runs),
        "completions=certificates=tallies": (
            rows["completions"]
            == rows["certificates"]
            == rows["daily_tally_supporters"]
            == rows["monthly_tally_supporters"]
            >= submitted
        ),
    }
    return {
        "database": kind,
        "server": "gunicorn --workers=2 (sync), tsunagari.settings.production",
        "generator": "wrk",
        "concurrency": concurrency,
        "duration_s": duration,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "results": results,
        "rounds": rounds,
        "ratios": {
            "quiz_submit_p95": p95_ratio,
            "quiz_submit_rps": rps_ratio,
            "quiz_submit_cpu": _cpu_ratio(insert, submit),
            "quiz_resubmit_rps": round(results["quiz_resubmit"]["rps"] / insert["rps"], 3),
            "quiz_resubmit_cpu": _cpu_ratio(insert, results["quiz_resubmit"]),
        },
        "queries": {
            "quiz_submit": data["queries"]["quiz_submit"],
            "quiz_submit_data_statements": data["queries"]["quiz_submit_data_statements"],
        },
        "rows": rows,
        "setup_s": round(setup_seconds, 1),
        "goals": goals,
        "meets_goal": all(goals.values()),
    }


def _database_exists(kind: str, url: str) -> bool:
    if kind == "sqlite":
        return Path(url.removeprefix("sqlite:///")).exists()
    import psycopg

    with psycopg.connect(PG_BASE + "postgres", autocommit=True) as conn:
        name = url.rsplit("/", 1)[1]
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def profile_database(kind: str, concurrency: int, submits: int, out: Path) -> None:
    """The submits under gunicorn workers that profile each one; the summed stats to ``out``."""
    # The database the measurement left (new learners are prepared in it); seeded if none.
    url = database_url(kind, "writes")
    if not _database_exists(kind, url):
        url = seeded_database(kind, "writes")
    stats_dir = out.parent / f"{kind}-stats"
    stats_dir.mkdir(parents=True, exist_ok=True)
    for old in stats_dir.glob("*.prof"):
        old.unlink()
    env = production_env(url, BENCH_PROFILE_DIR=str(stats_dir))
    web.collect_static(env)
    data = _in_site(env, "--prepare", str(submits))
    port = web._free_port()
    server = _gunicorn(env, port, "bench.support.profiled_wsgi:application")
    try:
        wrk.wait_ready(port, HOST)
        wrk.run(port, HOST, _submits(data), concurrency=concurrency, duration=30, single_use=True)
    finally:
        _stop(server)  # the workers write their stats as they exit
    import pstats

    files = sorted(str(p) for p in stats_dir.glob("*.prof"))
    if not files:
        raise SystemExit("no profile written")
    with out.open("w") as handle:
        stats = pstats.Stats(*files, stream=handle)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sqlite,postgresql")
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--submits", type=int, default=400)
    parser.add_argument("--profile", type=Path, help="profile the submits, stats into this dir")
    parser.add_argument("--prepare", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--counts", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare is not None:
        print(json.dumps(prepare(args.prepare)))
        return
    if args.counts:
        print(json.dumps(counts()))
        return
    for kind in [database_kind(k) for k in args.database.split(",")]:
        if kind == "postgresql" and not postgres_available():
            emit("writes", {"database": kind, "skipped": "PostgreSQL not reachable"})
            continue
        if args.profile:
            profile_database(kind, args.concurrency, args.submits, args.profile / f"{kind}.txt")
            continue
        emit("writes", bench_database(kind, args.duration, args.concurrency, args.submits))


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
