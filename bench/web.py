"""Page serving under gunicorn (2 sync workers, production settings) on SQLite and PostgreSQL.

    python bench/web.py [--database sqlite,postgresql] [--duration 6] [--concurrency 4]
                        [--profile PATH]

For each database: a fresh database with ``migrate`` + ``seed_demo --no-demo-users``, learners
prepared in-process (an anonymous learner with progress, and learners with an open quiz
attempt), query counts measured in-process with ``CaptureQueriesContext``, then gunicorn is
started with ``bench.support.settings`` (production settings + a bare baseline view returning a
fixed 10 KB page) and loaded on 127.0.0.1 by wrk (``bench/support/wrk.py``). Prints one JSON line
per database: requests/s and latency of the baseline and of each page, ratios against the
baseline measured in the same run, query counts, and the RSS of each worker after the load.

The quiz submit measured is a passing one that completes the course (the heaviest: completion,
certificate, tallies in the same transaction); the query count of a failed submit is reported
too.

``cpu_ms_per_request`` is the in-process CPU time of one request (Django's handler without
server or network) of the baseline and the lesson pages, and ``cpu_ratio_lesson_learner`` the
baseline's over the learner's lesson page's: figures that do not move with the machine's load.

With ``--profile PATH`` (one database), gunicorn runs with ``bench/support/profiling.py``:
after the measured runs the learner's lesson page is requested ``PROFILE_REQUESTS`` more times,
profiled with cProfile in the workers; the merged statistics are written to PATH and their top
(by cumulative time) printed to stderr.

Targets (issue #8): anonymous course and lesson page ≥ 50 % of the baseline throughput;
learner's lesson page ≥ 25 % and ≤ 10 queries; quiz submit p95 ≤ 4 × baseline p95 and ≤ 20
queries; worker RSS ≤ 250 MB.
"""

import argparse
import json
import os
import secrets
import signal
import string
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import wrk  # noqa: E402
from bench.support.common import (  # noqa: E402
    CACHE,
    HOST,
    ROOT,
    database_kind,
    emit,
    manage,
    postgres_available,
    production_env,
    rss_mb,
    seeded_database,
)

QUIZ_SUBMITS = 200
PROFILE_REQUESTS = 300
CPU_REQUESTS = 300
CSRF = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))


# --- in-process part (Django loaded): learners and query counts ---------------------------


def prepare(submits: int) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from courses import services as course_services
    from courses.models import CoursePage
    from organizations.models import Learner, Municipality, hash_learner_token
    from quizzes import services as quiz_services
    from quizzes.models import QuizPage
    from quizzes.tokens import choice_token

    course = CoursePage.objects.live().filter(course_code="TS").first() or (
        CoursePage.objects.live().first()
    )
    course = course.specific
    lessons = list(course.get_lessons())
    quiz = QuizPage.objects.live().descendant_of(course).first()
    osaka = Municipality.objects.filter(code="271004").first()

    def new_learner():
        token = secrets.token_urlsafe(32)
        learner = Learner.objects.create(
            token_hash=hash_learner_token(token), municipality=osaka, attendee_type="general"
        )
        return learner, token

    # A learner halfway through the course, whose page is re-read (no write on re-reading).
    reader, reader_token = new_learner()
    course_services.enrollment_start(learner=reader, course=course)
    for lesson in lessons[: len(lessons) // 2]:
        course_services.enrollment_complete_lesson(learner=reader, lesson=lesson)
    reading = lessons[len(lessons) // 2]
    course_services.enrollment_visit_lesson(learner=reader, lesson=reading)

    def quiz_submission(right=True):
        learner, token = new_learner()
        course_services.enrollment_start(learner=learner, course=course)
        for lesson in lessons:
            course_services.enrollment_complete_lesson(learner=learner, lesson=lesson)
        attempt = quiz_services.attempt_start(learner=learner, quiz=quiz)
        data = [("action", "submit"), ("attempt", str(attempt.public_id))]
        for answer in attempt.answers.select_related("question"):
            choices = list(answer.question.choices.all())
            right_ones = [c.pk for c in choices if c.is_correct == right] or [choices[0].pk]
            picks = right_ones if answer.question.kind == "multiple" else right_ones[:1]
            data += [
                (f"q-{answer.question_id}", choice_token(attempt.public_id, pk)) for pk in picks
            ]
        return token, data

    submissions = [quiz_submission() for _ in range(submits + 2)]
    cookie = settings.LEARNER_COOKIE_NAME

    def count(method, url, token=None, data=None, expect=200, statements=None):
        client = Client(HTTP_ACCEPT_LANGUAGE="ja")
        if token:
            client.cookies[cookie] = token
        with CaptureQueriesContext(connection) as queries:
            if method == "get":
                response = client.get(url, secure=True)
            else:
                response = client.post(url, data=urlencode(data), secure=True, **_form())
        assert response.status_code == expect, (url, response.status_code)
        if statements is not None:
            # Without BEGIN / COMMIT / SAVEPOINT / RELEASE: the statements that touch data.
            control = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK")
            statements.append(
                sum(1 for q in queries.captured_queries if not q["sql"].startswith(control))
            )
        return len(queries)

    def cpu_per_request(url, token=None, requests=CPU_REQUESTS):
        # CPU time of this process per request (Django's handler, no server or network): unlike
        # requests/s it does not move with what else the machine runs.
        client = Client(HTTP_ACCEPT_LANGUAGE="ja")
        if token:
            client.cookies[cookie] = token
        for _ in range(10):
            client.get(url, secure=True)
        began = time.process_time()
        for _ in range(requests):
            client.get(url, secure=True)
        return round((time.process_time() - began) / requests * 1000, 2)

    def _form():
        return {"content_type": "application/x-www-form-urlencoded"}

    # Second request of each: the steady state (caches and connection warm).
    for _ in range(2):
        queries = {
            "course_anonymous": count("get", course.url),
            "lesson_anonymous": count("get", reading.url),
            "lesson_learner": count("get", reading.url, reader_token),
        }
    token, data = submissions.pop()
    count("post", quiz.url, token, data, expect=302)
    token, data = submissions.pop()
    data_statements = []
    queries["quiz_submit"] = count("post", quiz.url, token, data, 302, data_statements)
    queries["quiz_submit_data_statements"] = data_statements[0]
    cpu_ms = {
        "baseline": cpu_per_request("/__bench__/baseline"),
        "lesson_anonymous": cpu_per_request(reading.url),
        "lesson_learner": cpu_per_request(reading.url, reader_token),
    }
    # A failed attempt: graded, but no completion, certificate or tallies.
    count("post", quiz.url, *quiz_submission(right=False), expect=302)
    queries["quiz_submit_failed"] = count("post", quiz.url, *quiz_submission(right=False), 302)
    return {
        "course": course.url,
        "lesson": reading.url,
        "reader_token": reader_token,
        "quiz": quiz.url,
        "submissions": submissions,
        "cookie": cookie,
        "queries": queries,
        "cpu_ms": cpu_ms,
    }


# --- load part (no Django in this process) -------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def collect_static(env: dict) -> None:
    if not (CACHE / "static" / "staticfiles.json").exists():
        manage(env, "collectstatic", "--noinput", "-v0")


def _timed(port, requests, concurrency, duration) -> dict:
    """A run bounded in time, driven by wrk (it never caps the baseline)."""
    return wrk.run(port, HOST, requests, concurrency=concurrency, duration=duration)


def _merge_profiles(directory: Path, path: Path) -> None:
    import pstats

    files = sorted(directory.glob("worker-*.prof"))
    if not files:
        print("no profile was written", file=sys.stderr)
        return
    stats = pstats.Stats(*map(str, files), stream=sys.stderr)
    stats.dump_stats(path)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)


def bench_database(kind: str, duration: float, concurrency: int, profile=None) -> dict:
    began = time.monotonic()
    url = seeded_database(kind, "web")
    env = production_env(url)
    collect_static(env)
    prepared = subprocess.run(  # noqa: S603 - this script, fixed arguments
        [sys.executable, __file__, "--prepare", str(QUIZ_SUBMITS)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    data = json.loads(prepared.stdout.strip().splitlines()[-1])
    setup_seconds = time.monotonic() - began

    port = _free_port()
    profile_options = []
    if profile is not None:
        profile_dir = CACHE / "profile"
        for old in profile_dir.glob("worker-*.prof"):
            old.unlink()
        env = {**env, "BENCH_PROFILE_DIR": str(profile_dir)}
        profile_options = ["-c", str(ROOT / "bench" / "support" / "profiling.py")]
    server = subprocess.Popen(  # noqa: S603 - gunicorn from this virtualenv
        [
            str(Path(sys.executable).parent / "gunicorn"),
            *profile_options,
            "--workers=2",
            f"--bind=127.0.0.1:{port}",
            "--backlog=256",
            "--log-level=warning",
            "tsunagari.wsgi:application",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        wrk.wait_ready(port, HOST)
        cookie = data["cookie"]
        reader = {"Cookie": f"{cookie}={data['reader_token']}"}
        pages = {
            "baseline": [wrk.Request("GET", "/__bench__/baseline")],
            "course_anonymous": [wrk.Request("GET", data["course"])],
            "lesson_anonymous": [wrk.Request("GET", data["lesson"])],
            "lesson_learner": [wrk.Request("GET", data["lesson"], reader)],
        }
        # Warm both workers on every page before measuring.
        for requests in pages.values():
            wrk.run(port, HOST, requests, concurrency=concurrency, duration=1)
        results = {
            name: _timed(port, requests, concurrency, duration) for name, requests in pages.items()
        }
        submits = []
        for token, form in data["submissions"]:
            body = urlencode([("csrfmiddlewaretoken", CSRF), *form]).encode()
            submits.append(
                wrk.Request(
                    "POST",
                    data["quiz"],
                    {
                        "Cookie": f"csrftoken={CSRF}; {cookie}={token}",
                        "Origin": f"https://{HOST}",
                        "Referer": f"https://{HOST}{data['quiz']}",
                        "Content-Type": "application/x-www-form-urlencoded",
                    },
                    body,
                    expect=(302,),
                )
            )
        # Each submit can be sent once: the run ends when they are used up.
        results["quiz_submit"] = wrk.run(
            port, HOST, submits, concurrency=concurrency, duration=duration, single_use=True
        )
        # The baseline again, to show the machine did not change under us.
        results["baseline_after"] = _timed(port, pages["baseline"], concurrency, duration / 2)
        if profile is not None:
            marked = {**reader, "X-Bench-Profile": "1"}
            wrk.run(
                port,
                HOST,
                [wrk.Request("GET", data["lesson"], marked)] * PROFILE_REQUESTS,
                concurrency=1,
                duration=duration,
                single_use=True,
            )
        worker_rss = [rss_mb(pid) for pid in _workers(server.pid)]
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    if profile is not None:
        _merge_profiles(CACHE / "profile", Path(profile))

    base = results["baseline"]
    queries = data["queries"]

    def ratio(name):
        return round(results[name]["rps"] / base["rps"], 3)

    quiz_p95_ratio = round(results["quiz_submit"]["p95_ms"] / base["p95_ms"], 2)
    targets = {
        "course_anonymous_rps_ratio>=0.5": ratio("course_anonymous") >= 0.5,
        "lesson_anonymous_rps_ratio>=0.5": ratio("lesson_anonymous") >= 0.5,
        "lesson_learner_rps_ratio>=0.25": ratio("lesson_learner") >= 0.25,
        "lesson_learner_queries<=10": queries["lesson_learner"] <= 10,
        "quiz_submit_p95_ratio<=4": quiz_p95_ratio <= 4,
        "quiz_submit_queries<=20": queries["quiz_submit"] <= 20,
        "worker_rss_mb<=250": bool(worker_rss) and max(worker_rss) <= 250,
        # Issue #16.2: simpler must not be slower.
        "course_anonymous_rps_ratio>=1.0": ratio("course_anonymous") >= 1.0,
        "lesson_anonymous_rps_ratio>=1.0": ratio("lesson_anonymous") >= 1.0,
        "lesson_learner_queries<=3": queries["lesson_learner"] <= 3,
        "no_errors": all(not r.get("errors") for r in results.values()),
    }
    return {
        "database": kind,
        "server": "gunicorn --workers=2 (sync), tsunagari.settings.production",
        "concurrency": concurrency,
        "duration_s": duration,
        "results": results,
        "ratios": {
            "course_anonymous_rps": ratio("course_anonymous"),
            "lesson_anonymous_rps": ratio("lesson_anonymous"),
            "lesson_learner_rps": ratio("lesson_learner"),
            "quiz_submit_p95": quiz_p95_ratio,
        },
        "queries": queries,
        # In-process CPU per request, and its ratio to the bare view's (machine-independent).
        "cpu_ms_per_request": data["cpu_ms"],
        "cpu_ratio_lesson_learner": round(
            data["cpu_ms"]["baseline"] / data["cpu_ms"]["lesson_learner"], 3
        ),
        "worker_rss_mb": worker_rss,
        "setup_s": round(setup_seconds, 1),
        "targets": targets,
        "meets_target": all(targets.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sqlite,postgresql")
    parser.add_argument("--duration", type=float, default=6.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--profile", metavar="PATH", help="write a cProfile of the learner's lesson page to PATH"
    )
    parser.add_argument("--prepare", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare is not None:
        print(json.dumps(prepare(args.prepare)))
        return
    for kind in [database_kind(k) for k in args.database.split(",")]:
        if kind == "postgresql" and not postgres_available():
            emit("web", {"database": kind, "skipped": "PostgreSQL not reachable"})
            continue
        emit("web", bench_database(kind, args.duration, args.concurrency, args.profile))


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
