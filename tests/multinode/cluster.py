"""A multi-node deployment on this machine's loopback, for ``tests/multinode/test_cluster.py``
and ``make cluster-test`` (docs/scaling.md, "Tested as several nodes").

``Cluster`` starts, each on a free port of 127.0.0.1 and owned by the harness alone:

- a PostgreSQL primary (``initdb`` in a temporary directory) and a streaming hot standby made
  from it with ``pg_basebackup -R`` (``tests.reliability.support.PrivatePostgres``);
- PgBouncer (Debian ``pgbouncer``) in transaction pooling mode in front of the primary: the
  nodes and workers reach the primary only through it (``DB_POOLER=pgbouncer``), reports read
  the standby directly (``REPORTS_DATABASE_URL``);
- two redis-servers: the cache and sessions (``REDIS_URL``), and the task queue
  (``RQ_REDIS_URL``), a server of its own as docs/scaling.md asks (a cache outage or eviction
  must not touch queued tasks);
- two gunicorn nodes with ``tsunagari.settings.production`` and the same secrets;
- task workers (``manage.py task_worker`` with ``TASKS_BACKEND=rq``);
- HAProxy (Debian ``haproxy``) in front of the two nodes, health check ``GET /healthz``.

Every process is started in a session of its own and stopped when the cluster is closed, on
failure too: SIGTERM, then SIGKILL after a few seconds. Every wait has a timeout.

``python -m tests.multinode.cluster COMMAND [JSON]`` runs inside the deployment's environment
(production settings, the primary) to build the course, read counts or make a draft.
"""

import contextlib
import csv
import http.client
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from html import unescape
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import psycopg

from tests.reliability.load import CACHE, ROOT, manage
from tests.reliability.support import OwnRedis, PrivatePostgres, free_port, site_env

ADMIN_USERNAME = "cluster-admin"
ADMIN_PASSWORD = "cluster-Pass-word-123"  # noqa: S105 - a throw-away account of the harness
REQUEST_TIMEOUT = 20
# DATABASE_URL's name for the suite's tests run through PgBouncer; pytest-django adds "test_".
TEST_DATABASE = "concurrency"

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ATTEMPT_FIELD = re.compile(r'name="attempt" value="([^"]+)"')
QUESTION_INPUT = re.compile(r'name="q-(\d+)" value="(\w+)"')
CHOICE_LABEL = re.compile(r'<label for="choice-(\w+)">(.*?)</label>', re.S)
OPENED_FIELD = re.compile(r'name="opened" value="([^"]*)"')


# --- processes ---------------------------------------------------------------------------------


class Process:
    """A process in a session of its own (so that it and every child it forks can be signalled
    together), its output in a file that is read only when something went wrong."""

    def __init__(self, name: str, argv: list[str], *, env: dict | None = None, cwd=ROOT):
        self.name = name
        self.argv = argv
        self.env = env
        self.cwd = cwd
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.popen = None

    def start(self) -> "Process":
        self.popen = subprocess.Popen(  # noqa: S603 - the harness's own fixed command lines
            self.argv,
            env=self.env,
            cwd=self.cwd,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signum)

    def kill(self) -> None:
        """SIGKILL the process and every process of its session: a node lost at once."""
        self.signal_group(signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self, grace: float = 10) -> None:
        if self.popen is None:
            return
        if self.popen.poll() is None:
            self.signal_group(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=grace)
        # Children that outlived their parent (RQ's work horse, gunicorn workers) go too.
        self.signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=10)

    def tail(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")[-3000:]


def wait_for_port(port: int, process: Process | None = None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and not process.alive():
            raise RuntimeError(f"{process.name} exited: {process.tail()}")
        with socket.socket() as sock:
            sock.settimeout(1)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port} after {timeout} s")


class PgBouncer:
    """PgBouncer in transaction pooling mode in front of ``server_port``."""

    def __init__(self, server_port: int, as_user: list[str]):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="tsunagari-pgbouncer-"))
        self.as_user = as_user
        ini = self.dir / "pgbouncer.ini"
        ini.write_text(
            f"""[databases]
* = host=127.0.0.1 port={server_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.port}
unix_socket_dir =
auth_type = trust
auth_file = {self.dir / "userlist.txt"}
admin_users = postgres
pool_mode = transaction
max_client_conn = 300
default_pool_size = 12
; A primary that is down must turn into an error at once, not a queue of waiting clients.
; A client already waiting for a server when the primary went away is answered only when
; query_wait_timeout ends (seen: 10 s with 10), so it stays below the test's PROMPT.
server_connect_timeout = 2
server_login_retry = 1
query_wait_timeout = 3
logfile = {self.dir / "pgbouncer.log"}
"""
        )
        (self.dir / "userlist.txt").write_text('"postgres" ""\n')
        if as_user:
            for path in (self.dir, ini, self.dir / "userlist.txt"):
                shutil.chown(path, user="postgres")
        self.process = Process("pgbouncer", [*as_user, "pgbouncer", str(ini)])

    def url(self, database: str = "tsunagari") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        self.process.start()
        wait_for_port(self.port, self.process)

    def show(self, what: str) -> list[dict]:
        """``SHOW what`` on PgBouncer's admin console."""
        with psycopg.connect(self.url("pgbouncer"), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.cursor()
            cursor.execute(f"SHOW {what}")
            columns = [column.name for column in cursor.description]
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    def close(self) -> None:
        try:
            self.process.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class Node:
    """One web node: gunicorn, sync workers, production settings, on a port of its own."""

    def __init__(self, name: str, env: dict, workers: int = 2):
        self.name = name
        self.env = env
        self.workers = workers
        self.port = free_port()
        self.process = None

    def start(self) -> None:
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.process = Process(
            f"node {self.name}",
            [
                gunicorn,
                f"--workers={self.workers}",
                f"--bind=127.0.0.1:{self.port}",
                "--timeout=60",
                "--graceful-timeout=5",
                "--log-level=warning",
                "tsunagari.wsgi:application",
            ],  # fmt: skip
            env=self.env,
        ).start()

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.process.alive():
                raise RuntimeError(f"node {self.name} exited: {self.process.tail()}")
            with contextlib.suppress(OSError):
                if Browser(self.port).request("GET", "/healthz", timeout=10).status == 200:
                    return
            time.sleep(0.3)
        raise TimeoutError(f"node {self.name} not healthy after {timeout} s")

    def kill(self) -> None:
        self.process.kill()

    def close(self) -> None:
        if self.process is not None:
            self.process.stop()


class HAProxy:
    """HAProxy in front of the nodes: round robin, ``GET /healthz`` every 500 ms, a node out
    after 2 failed checks and back after 2 good ones; a request whose connection to a node
    failed is sent to the other one."""

    def __init__(self, nodes: list[Node]):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="tsunagari-haproxy-"))
        self.socket = self.dir / "admin.sock"
        servers = "".join(f"    server {node.name} 127.0.0.1:{node.port} check\n" for node in nodes)
        # With every node out (the database restarting), HAProxy answers itself: 503 with
        # Retry-After, like the nodes' own 503, so browsers and crawlers come back later.
        unavailable = self.dir / "503.http"
        page = "<!DOCTYPE html><html lang=ja><title>ただいま混み合っています</title>" + (
            "<p>しばらくしてから、もう一度お試しください。</p></html>"
        )
        unavailable.write_bytes(
            (
                "HTTP/1.1 503 Service Unavailable\r\nCache-Control: no-store\r\n"
                "Connection: close\r\nContent-Type: text/html; charset=utf-8\r\n"
                f"Retry-After: 30\r\nContent-Length: {len(page.encode())}\r\n\r\n{page}"
            ).encode()
        )
        config = self.dir / "haproxy.cfg"
        config.write_text(
            f"""global
    maxconn 1000
    stats socket {self.socket} mode 600 level admin

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 2
    option redispatch 1
    retry-on conn-failure empty-response
    errorfile 503 {unavailable}

frontend web
    bind 127.0.0.1:{self.port}
    default_backend nodes

backend nodes
    balance roundrobin
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    default-server inter 500ms fastinter 250ms fall 2 rise 2
{servers}"""
        )
        self.process = Process("haproxy", ["haproxy", "-db", "-f", str(config)])

    def start(self) -> None:
        self.process.start()
        wait_for_port(self.port, self.process)

    def states(self) -> dict[str, str]:
        """Each node's state as HAProxy sees it ("UP", "DOWN", "UP 1/2", …)."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(5)
            sock.connect(str(self.socket))
            sock.sendall(b"show stat\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        rows = csv.DictReader(io.StringIO(data.decode().lstrip("# ")))
        return {
            row["svname"]: row["status"]
            for row in rows
            if row["pxname"] == "nodes" and row["svname"] not in ("BACKEND", "FRONTEND")
        }

    def wait_state(self, node: str, state: str, timeout: float = 30) -> float:
        """Seconds until HAProxy sees ``node`` in ``state``."""
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            if self.states().get(node) == state:
                return time.monotonic() - began
            time.sleep(0.05)
        raise TimeoutError(f"HAProxy did not see {node} {state}: {self.states()}")

    def close(self) -> None:
        try:
            self.process.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class Cluster:
    """The whole deployment; ``with Cluster() as cluster:`` stops everything at the end."""

    def __init__(self, *, workers: int = 2):
        self.worker_count = workers
        self.closers = []
        self.primary = self.replica = self.pgbouncer = None
        self.nodes: dict[str, Node] = {}
        self.workers: list[Process] = []

    def __enter__(self) -> "Cluster":
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> None:
        began = time.monotonic()
        self.timings = {}
        self.primary = PrivatePostgres()
        self.closers.append(self.primary.destroy)
        self.primary.start()
        self.primary.create_database()
        # pg_basebackup asks for a spread checkpoint, which paces the few dirty buffers of the
        # new database over minutes; written now, that checkpoint has nothing left to do.
        with psycopg.connect(self.primary.url, autocommit=True, connect_timeout=5) as conn:
            conn.execute("CHECKPOINT")
        # The standby is made while the primary is nearly empty (the base backup's checkpoint
        # is then quick); the schema and everything after reach it by streaming replication.
        self.replica = PrivatePostgres.replica_of(self.primary)
        self.closers.append(self.replica.destroy)

        self.redis = OwnRedis()
        self.redis.start()
        self.closers.append(self.redis.stop)
        self.queue_redis = OwnRedis()
        self.queue_redis.start()
        self.closers.append(self.queue_redis.stop)

        self.pgbouncer = PgBouncer(self.primary.port, self.primary.as_user)
        self.closers.append(self.pgbouncer.close)
        self.pgbouncer.start()

        self.media = Path(tempfile.mkdtemp(prefix="tsunagari-cluster-media-"))
        self.closers.append(lambda: shutil.rmtree(self.media, ignore_errors=True))
        # One environment for every node and worker: the same secrets and signing key.
        self.env = site_env(
            self.pgbouncer.url(),
            DB_POOLER="pgbouncer",
            REDIS_URL=self.redis.url,
            TASKS_BACKEND="rq",
            RQ_REDIS_URL=f"redis://127.0.0.1:{self.queue_redis.port}/0",
            RQ_MAINTENANCE_SECONDS="5",
            MEDIA_ROOT=str(self.media / "media"),
            CERTIFICATE_EXPORT_ROOT=str(self.media / "exports"),
            PENDING_IMPORT_ROOT=str(self.media / "imports"),
        )
        # Migrations take advisory locks and run DDL: they go to the primary directly.
        direct = {**self.env, "DATABASE_URL": self.primary.url, "DB_POOLER": ""}
        CACHE.mkdir(parents=True, exist_ok=True)
        self.timings["databases"] = round(time.monotonic() - began, 1)
        manage(direct, "migrate", "--noinput", "-v0")
        self.timings["migrate"] = round(time.monotonic() - began, 1)
        # A migrated copy for the test suite's concurrency tests through PgBouncer
        # (``pytest --reuse-db`` then finds its test database ready instead of migrating one).
        with psycopg.connect(
            self.primary.url.rsplit("/", 1)[0] + "/postgres", autocommit=True, connect_timeout=5
        ) as conn:
            conn.execute(f"CREATE DATABASE test_{TEST_DATABASE} TEMPLATE tsunagari")
        manage(direct, "collectstatic", "--noinput", "-v0")
        self.plan = in_cluster(self.env, "setup")
        self.timings["content"] = round(time.monotonic() - began, 1)

        self.caught_up(timeout=60)
        self.env["REPORTS_DATABASE_URL"] = self.replica.url

        for name in ("a", "b"):
            node = Node(name, self.env)
            self.nodes[name] = node
            self.closers.append(node.close)
            node.start()
        for index in range(self.worker_count):
            worker = Process(
                f"worker {index}",
                [sys.executable, str(ROOT / "manage.py"), "task_worker"],
                env=self.env,
            ).start()
            self.workers.append(worker)
            self.closers.append(worker.stop)
        for node in self.nodes.values():
            node.wait_healthy()
        self.timings["nodes"] = round(time.monotonic() - began, 1)

        self.haproxy = HAProxy(list(self.nodes.values()))
        self.closers.append(self.haproxy.close)
        self.haproxy.start()
        for name in self.nodes:
            self.haproxy.wait_state(name, "UP")
        self.start_seconds = round(time.monotonic() - began, 1)

    def close(self) -> None:
        """Stop everything that was started, newest first; every step runs even if one fails."""
        errors = []
        while self.closers:
            closer = self.closers.pop()
            try:
                closer()
            except Exception as exc:  # noqa: BLE001 - keep closing; reported below
                errors.append(exc)
        if errors:
            raise RuntimeError(f"cluster clean-up: {errors}")

    def restart_node(self, name: str) -> None:
        node = self.nodes[name]
        node.close()
        node.start()
        node.wait_healthy()

    def caught_up(self, timeout: float = 30) -> None:
        """Wait until the standby has replayed everything the primary wrote."""
        target = self.primary.sql("SELECT pg_current_wal_lsn()::text")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.replica.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"):
                return
            time.sleep(0.1)
        raise TimeoutError("the standby did not catch up")

    def counts(self) -> dict:
        return in_cluster(self.env, "counts")

    def tallies_verify(self) -> subprocess.CompletedProcess:
        """``manage.py rebuild_tallies --verify`` in the deployment's environment."""
        return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
            [sys.executable, str(ROOT / "manage.py"), "rebuild_tallies", "--verify"],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )


def in_cluster(env: dict, command: str, argument=None) -> dict:
    """Run ``command`` of this module inside the deployment's environment; its JSON answer."""
    done = subprocess.run(  # noqa: S603 - this module, fixed arguments
        [sys.executable, "-m", "tests.multinode.cluster", command, json.dumps(argument)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode:
        raise RuntimeError(f"{command}: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- clients -----------------------------------------------------------------------------------


class Response:
    def __init__(self, status: int, location: str, body: str, headers: dict, seconds: float):
        self.status, self.location, self.body = status, location, body
        self.headers, self.seconds = headers, seconds


class Browser:
    """Cookies and a CSRF token of its own, one connection per request. ``port`` may be
    changed between requests: the same browser then talks to another node."""

    CSRF = "multinodemultinodemultinodemulti"  # 32 characters: a valid unmasked CSRF secret

    def __init__(self, port: int):
        self.port = port
        self.cookies = {"csrftoken": self.CSRF}

    def request(self, method: str, path: str, data=None, timeout: float = REQUEST_TIMEOUT):
        headers = {"Accept-Language": "ja", "Connection": "close", "Host": "127.0.0.1"}
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if method == "POST":
            # Logging in rotates the CSRF secret: send the cookie's current one back.
            token = self.cookies.get("csrftoken", self.CSRF)
            body = urlencode([("csrfmiddlewaretoken", token), *(data or [])])
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = "http://127.0.0.1"
        began = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _eq, rest = value.partition("=")
                cookie = rest.split(";", 1)[0]
                if cookie and "max-age=0" not in value.lower():
                    self.cookies[name.strip()] = cookie
                else:
                    self.cookies.pop(name.strip(), None)
        location = response.getheader("Location") or ""
        if location:
            location = urlsplit(urljoin(path, location)).path
        return Response(
            response.status,
            location,
            content,
            {k.lower(): v for k, v in response.getheaders()},
            time.monotonic() - began,
        )

    def admin_login(self) -> None:
        response = self.request(
            "POST",
            "/admin/login/",
            [("username", ADMIN_USERNAME), ("password", ADMIN_PASSWORD), ("next", "/admin/")],
        )
        if (response.status, response.location) != (302, "/admin/"):
            raise AssertionError(f"admin login answered {response.status} {response.location}")


class Learner:
    """A learner who completes the course with a browser, from the course page to the quiz
    result. Every step is tried again (as a person presses again) when the site answers 5xx or
    the connection fails, until ``patience`` seconds have passed."""

    def __init__(self, port: int, plan: dict, patience: float = 60):
        self.browser = Browser(port)
        self.plan = plan
        self.patience = patience
        self.retried = 0  # requests answered 5xx or cut off, and tried again
        self.completed = False  # the site accepted passing answers

    def _send(self, method, path, data=None) -> Response:
        deadline = time.monotonic() + self.patience
        while time.monotonic() < deadline:
            try:
                response = self.browser.request(method, path, data)
            except OSError:
                response = None
            if response is not None and response.status < 500:
                return response
            self.retried += 1
            time.sleep(0.2)
        raise AssertionError(f"{method} {path}: no answer within {self.patience} s")

    def _press(self, path, data, expected=None) -> str:
        response = self._send("POST", path, data)
        if response.status != 302 or (expected and response.location != expected):
            raise AssertionError(f"POST {path} answered {response.status} {response.location}")
        return response.location

    def journey(self) -> None:
        plan = self.plan
        self._press(plan["course"], [], plan["lessons"][0])
        for index, lesson in enumerate(plan["lessons"]):
            html = self._send("GET", lesson).body
            opened = OPENED_FIELD.search(html)
            following = plan["lessons"][index + 1] if index + 1 < len(plan["lessons"]) else None
            self._press(
                lesson,
                [("action", "complete"), ("opened", unescape(opened.group(1)) if opened else "")],
                following,
            )
        quiz = plan["quiz"]
        self._press(quiz, [("action", "start")], quiz)
        html = self._send("GET", quiz).body
        attempt = ATTEMPT_FIELD.search(html)
        if attempt is None:
            raise AssertionError(f"no open attempt on {quiz}")
        labels = dict(CHOICE_LABEL.findall(html))
        answers = [("action", "submit"), ("attempt", attempt.group(1))]
        for question, token in QUESTION_INPUT.findall(html):
            if labels.get(token, "").strip() in plan["correct"][question]:
                answers.append((f"q-{question}", token))
        # A repeated submission of the same attempt changes nothing and leads to the result.
        result = self._press(quiz, answers)
        self.completed = True
        page = self._send("GET", result)
        if page.status != 200 or "result--passed" not in page.body:
            raise AssertionError(f"{result}: not passed ({page.status})")


class Journeys:
    """``count`` learners completing the course through ``port``, ``concurrency`` at a time,
    in threads; bounded by ``budget`` seconds (no learner starts after it)."""

    def __init__(self, port: int, plan: dict, count: int, concurrency: int, budget: float = 120):
        self.port, self.plan, self.count = port, plan, count
        self.concurrency, self.budget = concurrency, budget
        self.learners: list[Learner] = []
        self.failures: list[str] = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(concurrency)]

    def _run(self) -> None:
        deadline = time.monotonic() + self.budget
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.learners) >= self.count:
                    return
                learner = Learner(self.port, self.plan)
                self.learners.append(learner)
            try:
                learner.journey()
            except Exception as exc:  # noqa: BLE001 - counted and reported by the test
                with self.lock:
                    self.failures.append(f"{type(exc).__name__}: {exc}")

    def start(self) -> "Journeys":
        for thread in self.threads:
            thread.start()
        return self

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=self.budget + 90)

    @property
    def completed(self) -> int:
        return sum(learner.completed for learner in self.learners)

    @property
    def retried(self) -> int:
        return sum(learner.retried for learner in self.learners)


# --- inside the deployment's environment -------------------------------------------------------


def _setup(_argument) -> dict:
    from django.contrib.auth import get_user_model

    from courses.ruby import render_ruby
    from quizzes.labels import choice_label
    from quizzes.models import Choice
    from tests import factories

    course = factories.course(title="多機能クラスタの講座", lessons=2)
    quiz = factories.quiz(course)
    get_user_model().objects.create_superuser(ADMIN_USERNAME, password=ADMIN_PASSWORD)
    # A learner who studied recognises the right choices by their text.
    correct = {}
    for choice in Choice.objects.filter(question__quiz=quiz, is_correct=True).select_related(
        "question"
    ):
        label = str(render_ruby(choice_label(choice.question, choice.text)))
        correct.setdefault(str(choice.question_id), []).append(label)
    return {
        "course_id": course.pk,
        "course": course.url,
        "lessons": [lesson.url for lesson in course.get_lessons()],
        "quiz": quiz.url,
        "correct": correct,
    }


def _draft(argument) -> dict:
    """A new revision of the course with another title, saved as a draft (not published)."""
    from courses.models import CoursePage

    page = CoursePage.objects.get(pk=argument["page"]).get_latest_revision_as_object()
    page.title = argument["title"]
    page.save_revision()
    return {"draft": page.title}


def _counts(_argument) -> dict:
    from django.db.models import Count

    from certificates.models import Certificate
    from courses.models import Completion
    from reports import tallies

    per_enrollment = Completion.objects.values("enrollment").annotate(n=Count("pk"))
    check = tallies.verify()
    return {
        "completions": Completion.objects.count(),
        "learners_completed": Completion.objects.values("learner").distinct().count(),
        "most_per_enrollment": max((row["n"] for row in per_enrollment), default=0),
        "certificates": Certificate.objects.count(),
        "certificate_serials": Certificate.objects.values("serial").distinct().count(),
        "tallies_ok": check.ok,
        "tallies_supporters": check.supporters,
    }


def _export(argument) -> dict:
    from certificates.models import CertificateExport

    export = CertificateExport.objects.order_by("-pk").first()
    if export is None:
        return {}
    return {
        "id": export.pk,
        "status": export.status,
        "done": export.done,
        "total": export.total,
        "file": export.file.name if export.file else "",
    }


def _kpi(_argument) -> dict:
    """The national KPI report's online total, read the way the dashboard reads it (through
    the reports alias, i.e. the standby when REPORTS_DATABASE_URL is set)."""
    from base.dates import fiscal_year_of, tokyo_date
    from organizations.scopes import NATION
    from reports.figures import kpi_report

    report = kpi_report(scope=NATION, fiscal_year=fiscal_year_of(tokyo_date()))
    return {"online": report.total.online}


if __name__ == "__main__":
    import django

    django.setup()
    commands = {"setup": _setup, "draft": _draft, "counts": _counts, "export": _export, "kpi": _kpi}
    print(json.dumps(commands[sys.argv[1]](json.loads(sys.argv[2]))))
