"""Helpers of the reliability tests: a private PostgreSQL cluster that may be stopped and
started without disturbing anyone else's database, the site under gunicorn with production
settings, and a minimal browser (cookies, CSRF) over http.client.

``python -m tests.reliability.support setup|counts`` runs inside the site's environment
(production settings, the private database) to build a course or read what was recorded.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import redis

from tests.reliability.load import CACHE, ROOT, manage, production_env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres_bin() -> Path | None:
    override = os.environ.get("PG_BIN")
    if override:
        return Path(override)
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return versions[-1].parent if versions else None


class PrivatePostgres:
    """A throw-away PostgreSQL cluster on 127.0.0.1:<free port>, owned by this test.

    Stopping the shared server at 5432 would break the test database of the running suite and
    every other process using it; this one is stopped and started at will.
    """

    def __init__(self):
        self.bin = _postgres_bin()
        if self.bin is None:
            raise FileNotFoundError("PostgreSQL server binaries (initdb, pg_ctl) not found")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="tsunagari-pg-"))
        self.data = self.dir / "data"
        # initdb refuses to run as root: run the server as the postgres system user then.
        self.as_user = []
        try:
            if os.geteuid() == 0:
                shutil.chown(self.dir, user="postgres")
                self.as_user = ["runuser", "-u", "postgres", "--"]
            self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                      "-E", "UTF8", "--locale=C", "--no-sync")  # fmt: skip
        except BaseException:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/tsunagari"

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(  # noqa: S603 - PostgreSQL's own tools with fixed arguments
            [*self.as_user, str(self.bin / program), *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=120,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-o", options,
                  "-w", "-t", "60", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: "fast" ends every session (what a restart does to the site)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    @classmethod
    def replica_of(cls, primary: "PrivatePostgres") -> "PrivatePostgres":
        """A hot standby of ``primary`` (streaming replication, ``pg_basebackup -R``): a real
        read replica on a port of its own, started. ``primary`` must be running."""
        replica = cls.__new__(cls)
        replica.bin = primary.bin
        replica.port = free_port()
        replica.dir = Path(tempfile.mkdtemp(prefix="tsunagari-pg-replica-"))
        replica.data = replica.dir / "data"
        replica.as_user = primary.as_user
        try:
            if replica.as_user:
                shutil.chown(replica.dir, user="postgres")
            replica._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port),
                         "-U", "postgres", "-D", str(replica.data), "-R", "-X", "stream",
                         "--no-sync")  # fmt: skip
            replica.start()
        except BaseException:
            shutil.rmtree(replica.dir, ignore_errors=True)
            raise
        replica.url = f"postgres://postgres@127.0.0.1:{replica.port}/tsunagari"
        return replica

    def sql(self, statement: str, database: str = "postgres"):
        """The first column of the first row of ``statement``, run on this server."""
        import psycopg

        url = f"postgres://postgres@127.0.0.1:{self.port}/{database}"
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
            row = conn.execute(statement).fetchone()
            return row[0] if row else None

    def create_database(self) -> None:
        import psycopg

        url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
            conn.execute("CREATE DATABASE tsunagari")

    def destroy(self) -> None:
        try:
            if self.running():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class OwnRedis:
    """A redis-server process of this test alone (no persistence)."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process = None
        self.frozen = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = self.client()
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        """Gone: connections are refused."""
        self.resume()
        self.process.terminate()
        self.process.wait(timeout=10)

    def freeze(self) -> None:
        """Still listening but answering nothing, keeping its data (like a cut network)."""
        self.process.send_signal(signal.SIGSTOP)
        self.frozen = True

    def resume(self) -> None:
        if self.frozen:
            self.process.send_signal(signal.SIGCONT)
            self.frozen = False

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=2)

    def keys(self, pattern: str) -> list[bytes]:
        return self.client().keys(pattern)


class Site:
    """The site under gunicorn (sync workers, production settings) on 127.0.0.1."""

    def __init__(self, env: dict, workers: int = 2):
        self.env = env
        self.port = free_port()
        # A file, not a pipe: nobody reads while it runs, and a full pipe would block gunicorn.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self.process = subprocess.Popen(  # noqa: S603 - gunicorn from this virtualenv
            [
                str(Path(sys.executable).parent / "gunicorn"),
                f"--workers={workers}",
                f"--bind=127.0.0.1:{self.port}",
                "--timeout=60",
                "--log-level=warning",
                "tsunagari.wsgi:application",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )

    def log_tail(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")[-3000:]

    def wait_until(self, expected: int = 200, timeout: float = 60) -> float:
        """Poll /healthz until it answers ``expected``; the seconds it took."""
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited: " + self.log_tail())
            try:
                if Browser(self.port).request("GET", "/healthz", timeout=10)[0] == expected:
                    return time.monotonic() - began
            except OSError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"/healthz did not answer {expected} within {timeout} s")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class Browser:
    """Cookies and a CSRF token of its own, one connection per request (like the load test)."""

    CSRF = "reliabilityreliabilityreliabilit"  # 32 characters: a valid unmasked CSRF secret

    def __init__(self, port: int):
        self.port = port
        self.cookies = {"csrftoken": self.CSRF}

    def request(self, method: str, path: str, data=None, timeout: float = 30):
        """(status, location, seconds) of one request."""
        headers = {"Accept-Language": "ja", "Connection": "close"}
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if method == "POST":
            body = urlencode([("csrfmiddlewaretoken", self.CSRF), *(data or [])])
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://127.0.0.1:{self.port}"
        began = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
        finally:
            conn.close()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _eq, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        location = response.getheader("Location") or ""
        if location:
            location = urlsplit(urljoin(path, location)).path
        return response.status, location, time.monotonic() - began


# --- inside the site's environment ---------------------------------------------------------------


def site_env(database_url: str, **extra) -> dict:
    return production_env(database_url, **extra)


def prepare_site(env: dict) -> dict:
    """Migrate the (empty) database, collect static files and build a two-lesson course."""
    CACHE.mkdir(parents=True, exist_ok=True)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    return in_site(env, "setup")


def in_site(env: dict, command: str, *, module: str = "tests.reliability.support") -> dict:
    """Run ``command`` of ``module`` (a module of these tests with a ``__main__`` part) in a
    process of the site configured by ``env``, and return the JSON its last line prints."""
    done = subprocess.run(  # noqa: S603 - a module of these tests, fixed arguments
        [sys.executable, "-m", module, command],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _setup() -> dict:
    from tests import factories

    course = factories.course(lessons=2)
    return {"course": course.url, "lessons": [lesson.url for lesson in course.get_lessons()]}


def _counts() -> dict:
    from django.db.models import Count

    from certificates.models import Certificate
    from courses.models import Completion
    from reports import tallies

    per_enrollment = Completion.objects.values("enrollment").annotate(n=Count("pk"))
    return {
        "completions": Completion.objects.count(),
        "learners_completed": Completion.objects.values("learner").distinct().count(),
        "most_per_enrollment": max((row["n"] for row in per_enrollment), default=0),
        "certificates": Certificate.objects.count(),
        "tallies_ok": tallies.verify().ok,
        "tallies_supporters": tallies.verify().supporters,
    }


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps({"setup": _setup, "counts": _counts}[sys.argv[1]]()))
