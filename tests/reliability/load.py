"""Bounded load test: N anonymous learners complete the citizen course at once.

    .venv/bin/python tests/reliability/load.py [--learners 200] [--workers 2] [--budget 150]

What it does (docs/reliability.md, "Load"):

1. a dedicated PostgreSQL database (``reliability_load`` at ``RELIABILITY_PG_URL``, default
   postgres://postgres@127.0.0.1:5432/) is dropped, created, migrated and seeded with
   ``seed_demo --no-demo-users``; static files are collected;
2. gunicorn serves the site on 127.0.0.1 (2 sync workers, ``tsunagari.settings.production``
   with a generated SECRET_KEY and certificate signing key, ALLOWED_HOSTS=127.0.0.1,
   SECURE_SSL_REDIRECT=0 because the load runs over plain HTTP on loopback);
3. every learner, all at once, like a browser without JavaScript: home → course page →
   受講を始める (POST with the CSRF token of the form) → each lesson (open it, press the
   complete button) following the site's redirects → quiz → テストを始める → answers → result.
   The correct choices are read from the database by this script, as a learner who studied;
4. afterwards, from the database: completions, certificates, the KPI report's online total and
   ``reports.tallies.verify()`` must all agree with the number of learners who finished.

Prints one JSON line; exits 1 when any check fails. The load is bounded by ``--budget`` seconds
(default 115; then no new request starts and those under way are awaited), each request by a
60-second timeout. Set-up (database, static files) comes on top.
"""

import argparse
import asyncio
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from html import unescape
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("RELIABILITY_CACHE", "/tmp/tsunagari-reliability"))  # noqa: S108
PG_BASE = os.environ.get("RELIABILITY_PG_URL", "postgres://postgres@127.0.0.1:5432/")
DB_NAME = "reliability_load"
COURSE_CODE = "TS"
REQUEST_TIMEOUT = 60

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ATTEMPT_FIELD = re.compile(r'name="attempt" value="([^"]+)"')
QUESTION_INPUT = re.compile(r'name="q-(\d+)" value="(\w+)"')
CHOICE_LABEL = re.compile(r'<label for="choice-(\w+)">(.*?)</label>', re.S)
OPENED_FIELD = re.compile(r'name="opened" value="([^"]*)"')


# --- set-up (subprocesses with Django) ----------------------------------------------------------


def signing_key_pem() -> str:
    """A throw-away Ed25519 key, so the production settings pass their checks."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def production_env(database_url: str, **extra) -> dict:
    """The environment of a production deployment on this machine (plain HTTP on loopback)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tsunagari.settings.production",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "CERTIFICATE_SIGNING_KEY": signing_key_pem(),
        "STATIC_ROOT": str(CACHE / "static"),
        "MEDIA_ROOT": str(CACHE / "media"),
        # Production refuses a local BASE_URL (certificates.E002); nothing here follows it.
        "BASE_URL": "https://reliability.example.jp",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    env.update(extra)
    return env


def manage(env: dict, *args: str) -> None:
    subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


def database(*, fresh: bool) -> tuple[str, bool]:
    """The load test's own database (URL, whether it was just created and must be seeded).

    Kept between runs (the checks compare counts before and after), unless ``fresh``.
    """
    import psycopg

    with psycopg.connect(PG_BASE + "postgres", autocommit=True, connect_timeout=5) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if fresh or not exists:
            conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {DB_NAME}")
            return PG_BASE + DB_NAME, True
    return PG_BASE + DB_NAME, False


def in_django(env: dict, step: str) -> dict:
    """Run ``step`` of this script in a subprocess with Django set up; its JSON output."""
    done = subprocess.run(  # noqa: S603 - this script, fixed arguments
        [sys.executable, __file__, f"--{step}"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def prepare() -> dict:
    """The citizen course's address and the correct choices of its quiz (by question)."""
    import django

    django.setup()
    from courses.models import CoursePage
    from courses.ruby import render_ruby
    from quizzes.labels import choice_label
    from quizzes.models import Choice

    course = CoursePage.objects.live().get(course_code=COURSE_CODE)
    # The form names choices by per-attempt tokens, so a learner who studied recognises the
    # right ones by their text, as a person would.
    correct = {}
    for choice in Choice.objects.filter(
        question__quiz__path__startswith=course.path, is_correct=True
    ).select_related("question"):
        label = str(render_ruby(choice_label(choice.question, choice.text)))
        correct.setdefault(str(choice.question_id), []).append(label)
    return {
        "course": course.url,
        "lessons": len(course.get_lessons()),
        "correct": correct,
    }


def verify() -> dict:
    """What the database holds after the load."""
    import django

    django.setup()
    from base.dates import fiscal_year_of, tokyo_date
    from certificates.models import Certificate
    from courses.models import Completion, CoursePage
    from organizations.scopes import NATION
    from reports import tallies
    from reports.figures import kpi_report

    course = CoursePage.objects.get(course_code=COURSE_CODE)
    completions = Completion.objects.filter(course=course)
    fiscal_year = fiscal_year_of(tokyo_date())
    check = tallies.verify()
    return {
        "completions": completions.count(),
        "completions_distinct_learners": completions.values("learner").distinct().count(),
        "certificates": Certificate.objects.filter(completion__course=course).count(),
        "certificate_serials_distinct": Certificate.objects.values("serial").distinct().count(),
        "kpi_online": kpi_report(scope=NATION, fiscal_year=fiscal_year).total.online,
        "tallies_ok": check.ok,
        "tallies_supporters": check.supporters,
    }


# --- the load (no Django in this process) -------------------------------------------------------


class Stats:
    def __init__(self):
        self.latencies: dict[str, list[float]] = {"GET": [], "POST": []}
        self.statuses: dict[int, int] = {}
        self.server_errors = 0
        self.failures: list[str] = []
        # Set when the time budget is spent: no new request starts, those under way finish.
        self.stopping = False


class Stopped(Exception):
    """The time budget was spent before this learner finished."""


class Browser:
    """One learner's browser: its cookies, and requests over a new connection each."""

    def __init__(self, port: int, stats: Stats):
        self.port = port
        self.stats = stats
        self.cookies: dict[str, str] = {}

    async def request(self, method: str, path: str, data: dict | list | None = None):
        body = urlencode(data or {}, doseq=True).encode() if method == "POST" else b""
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "User-Agent": "tsunagari-reliability",
            "Accept-Language": "ja",
            "Connection": "close",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Content-Length"] = str(len(body))
            headers["Origin"] = f"http://127.0.0.1:{self.port}"
        head = f"{method} {path} HTTP/1.1\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in headers.items()
        )
        if self.stats.stopping:
            raise Stopped
        began = time.perf_counter()
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            writer.write(head.encode("utf-8") + b"\r\n" + body)
            await writer.drain()
            raw = await asyncio.wait_for(reader.read(), REQUEST_TIMEOUT)
        finally:
            writer.close()
        self.stats.latencies[method].append(time.perf_counter() - began)
        header_bytes, _sep, content = raw.partition(b"\r\n\r\n")
        lines = header_bytes.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1]) if lines and " " in lines[0] else 0
        self.stats.statuses[status] = self.stats.statuses.get(status, 0) + 1
        if status >= 500 or status == 0:
            self.stats.server_errors += 1
        location = ""
        for line in lines[1:]:
            name, _colon, value = line.partition(":")
            if name.lower() == "set-cookie":
                pair = value.strip().split(";", 1)[0]
                key, _eq, cookie_value = pair.partition("=")
                if cookie_value and "max-age=0" not in value.lower():
                    self.cookies[key] = cookie_value
                else:
                    self.cookies.pop(key, None)
            elif name.lower() == "location":
                location = urlsplit(urljoin(path, value.strip()))
                location = location.path + (f"?{location.query}" if location.query else "")
        return status, location, content.decode("utf-8", "replace")

    async def get(self, path: str, expect: int = 200) -> str:
        status, _location, html = await self.request("GET", path)
        if status != expect:
            raise AssertionError(f"GET {path} answered {status}")
        return html

    async def post(self, path: str, data: list) -> str:
        """POST a form and return where the site redirects to (every form here redirects)."""
        status, location, _html = await self.request("POST", path, data)
        if status != 302 or not location:
            raise AssertionError(f"POST {path} answered {status}")
        return location


def _csrf(html: str, path: str) -> str:
    """The form's CSRF token. Pages served to first-time visitors have none: the site checks
    the Origin header that browsers (and this client) send with every POST instead."""
    match = CSRF_FIELD.search(html)
    return unescape(match.group(1)) if match else ""


async def learner_journey(port: int, plan: dict, stats: Stats, start: asyncio.Event) -> str:
    """One anonymous learner, from the home page to the quiz result.

    "finished" once the site accepted their passing answers (the course is then completed on
    the server, whether or not the result page was read before the budget ran out), "stopped"
    when the budget ran out before, "failed" on any unexpected answer.
    """
    finished = False
    browser = Browser(port, stats)
    await start.wait()
    try:
        await browser.get("/")
        course = plan["course"]
        html = await browser.get(course)
        # 受講を始める: the course page's own form; the site sends the learner to lesson 1.
        where = await browser.post(course, [("csrfmiddlewaretoken", _csrf(html, course))])
        for _ in range(plan["lessons"]):
            html = await browser.get(where)
            opened = OPENED_FIELD.search(html)
            where = await browser.post(
                where,
                [
                    ("csrfmiddlewaretoken", _csrf(html, where)),
                    ("action", "complete"),
                    ("opened", unescape(opened.group(1)) if opened else ""),
                ],
            )
        # After the last lesson the site points at the next required step: the quiz.
        quiz = where
        html = await browser.get(quiz)
        await browser.post(quiz, [("csrfmiddlewaretoken", _csrf(html, quiz)), ("action", "start")])
        html = await browser.get(quiz)
        attempt = ATTEMPT_FIELD.search(html)
        if attempt is None:
            raise AssertionError(f"no open attempt on {quiz}")
        question_of = {token: question for question, token in QUESTION_INPUT.findall(html)}
        labels = dict(CHOICE_LABEL.findall(html))
        answers = [
            ("csrfmiddlewaretoken", _csrf(html, quiz)),
            ("action", "submit"),
            ("attempt", attempt.group(1)),
        ]
        for token, question in sorted(question_of.items()):
            if labels.get(token, "").strip() in plan["correct"][question]:
                answers.append((f"q-{question}", token))
        result = await browser.post(quiz, answers)
        finished = True
        html = await browser.get(result)
        if "result--passed" not in html or "おつかれさまでした" not in html:
            raise AssertionError(f"{result}: not passed and completed")
        return "finished"
    except Stopped:
        return "finished" if finished else "stopped"
    except (AssertionError, OSError, TimeoutError, ValueError) as exc:
        if len(stats.failures) < 10:
            stats.failures.append(f"{type(exc).__name__}: {exc}")
        return "failed"


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 1)


async def run_load(port: int, plan: dict, learners: int, budget: float) -> dict:
    stats = Stats()
    start = asyncio.Event()
    journeys = [
        asyncio.ensure_future(learner_journey(port, plan, stats, start)) for _ in range(learners)
    ]
    began = time.perf_counter()
    start.set()  # all at once
    _done, pending = await asyncio.wait(journeys, timeout=budget)
    if pending:
        stats.stopping = True
        await asyncio.wait(pending, timeout=REQUEST_TIMEOUT + 5)
    elapsed = time.perf_counter() - began
    outcomes = [journey.result() if journey.done() else "stopped" for journey in journeys]
    finished = outcomes.count("finished")
    requests = sum(stats.statuses.values())
    every = stats.latencies["GET"] + stats.latencies["POST"]
    return {
        "learners": learners,
        "finished": finished,
        "stopped_at_budget": outcomes.count("stopped"),
        "failed": outcomes.count("failed"),
        "budget_seconds": budget,
        "seconds": round(elapsed, 1),
        "requests": requests,
        "requests_per_second": round(requests / elapsed, 1) if elapsed else None,
        "server_errors_5xx": stats.server_errors,
        "statuses": {str(k): v for k, v in sorted(stats.statuses.items())},
        "latency_ms": {
            kind: {
                "p50": _percentile(values, 0.50),
                "p95": _percentile(values, 0.95),
                "p99": _percentile(values, 0.99),
                "max": _percentile(values, 1.0),
            }
            for kind, values in (("all", every), *stats.latencies.items())
        },
        "failures": stats.failures,
    }


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(port: int, server: subprocess.Popen, timeout: float = 60) -> None:
    import http.client

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not become ready")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--budget", type=float, default=115, help="seconds of load at most")
    parser.add_argument(
        "--fresh", action="store_true", help="drop and re-create the database (slower set-up)"
    )
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--verify", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare or args.verify:
        print(json.dumps(prepare() if args.prepare else verify()))
        return 0

    began = time.monotonic()
    CACHE.mkdir(parents=True, exist_ok=True)
    url, created = database(fresh=args.fresh)
    env = production_env(url)
    manage(env, "migrate", "--noinput", "-v0")
    if created:
        manage(env, "seed_demo", "--no-demo-users")
    manage(env, "collectstatic", "--noinput", "-v0")
    plan = in_django(env, "prepare")
    before = in_django(env, "verify")
    setup_seconds = time.monotonic() - began

    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - gunicorn from this virtualenv
        [
            str(Path(sys.executable).parent / "gunicorn"),
            f"--workers={args.workers}",
            f"--threads={args.threads}",
            f"--bind=127.0.0.1:{port}",
            "--backlog=1024",
            "--log-level=warning",
            "tsunagari.wsgi:application",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        _wait_ready(port, server)
        figures = asyncio.run(run_load(port, plan, args.learners, args.budget))
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    after = in_django(env, "verify")

    finished = figures["finished"]
    made = {key: after[key] - before[key] for key in ("completions", "certificates", "kpi_online")}
    checks = {
        "no_5xx": figures["server_errors_5xx"] == 0,
        "all_learners_finished": finished == args.learners,
        "completions_equal_finished": made["completions"] == finished,
        "one_completion_per_learner": after["completions"]
        == after["completions_distinct_learners"],
        "certificates_equal_finished": made["certificates"] == finished,
        "certificate_serials_unique": after["certificates"]
        <= after["certificate_serials_distinct"],
        "kpi_online_equal_finished": made["kpi_online"] == finished,
        "tallies_verify_ok": after["tallies_ok"],
    }
    record = {
        "test": "reliability_load",
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "server": {
            "gunicorn_workers": args.workers,
            "gunicorn_threads": args.threads,
            "database": "postgresql",
        },
        "setup_seconds": round(setup_seconds, 1),
        **figures,
        "database_after": {**after, "made": made},
        "checks": checks,
        "ok": all(checks.values()),
    }
    print(json.dumps(record, ensure_ascii=False), flush=True)
    return 0 if record["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
