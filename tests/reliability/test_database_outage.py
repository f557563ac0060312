"""The site while its database goes away and comes back (docs/reliability.md, "Faults").

The site runs under gunicorn with the production settings (persistent connections with health
checks, as deployed). The PostgreSQL it uses is a private cluster started for the test, so
stopping it cannot disturb the suite's own test database or anyone else's; it is removed at the
end, on failure too.
"""

import socket
import subprocess
import threading
import time

import pytest

from tests.reliability.support import (
    Browser,
    PrivatePostgres,
    Site,
    in_site,
    prepare_site,
    site_env,
)

# Connection refused must turn into an answer at once; a few seconds allow for a loaded machine.
PROMPT = 5.0


@pytest.fixture
def private_postgres(postgres_only):
    try:
        cluster = PrivatePostgres()
    except (LookupError, OSError, subprocess.CalledProcessError) as exc:
        detail = (getattr(exc, "stderr", b"") or b"").decode()[-300:]
        pytest.skip(f"cannot run a private PostgreSQL cluster here: {exc} {detail}")
    try:
        cluster.start()
        cluster.create_database()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def site_on_private_postgres(private_postgres):
    env = site_env(private_postgres.url)
    plan = prepare_site(env)
    site = Site(env)
    try:
        site.wait_until(200)
        yield site, private_postgres, plan
    finally:
        site.close()


def start_and_finish_first_lesson(site: Site, plan: dict) -> Browser:
    learner = Browser(site.port)
    status, location, _ = learner.request("POST", plan["course"])
    assert (status, location) == (302, plan["lessons"][0])
    status, location, _ = learner.request("POST", plan["lessons"][0], [("action", "complete")])
    assert (status, location) == (302, plan["lessons"][1])
    return learner


def complete_last_lesson(learner: Browser, plan: dict):
    return learner.request("POST", plan["lessons"][1], [("action", "complete")])


@pytest.mark.postgres
def test_database_restart_answers_503_then_recovers_and_counts_each_completion_once(
    site_on_private_postgres,
):
    site, postgres, plan = site_on_private_postgres
    finished_before = start_and_finish_first_lesson(site, plan)
    assert complete_last_lesson(finished_before, plan)[:2] == (302, plan["course"])
    waiting = [start_and_finish_first_lesson(site, plan) for _ in range(3)]
    master = site.process.pid

    postgres.stop("fast")
    # Several probes, so that both workers (each holding a persistent connection) answer.
    for _ in range(6):
        status, _location, seconds = Browser(site.port).request("GET", "/healthz")
        assert status == 503
        assert seconds < PROMPT
    # Learners pressing 完了 during the outage get an error page at once, not a hang.
    for learner in waiting:
        status, _location, seconds = complete_last_lesson(learner, plan)
        assert status >= 500
        assert seconds < PROMPT

    postgres.start()
    recovered_after = site.wait_until(200, timeout=30)
    assert site.process.poll() is None and site.process.pid == master  # not restarted
    assert recovered_after < 30

    for learner in waiting:
        # The retry completes the course; a second press (double submit) changes nothing.
        assert complete_last_lesson(learner, plan)[:2] == (302, plan["course"])
        assert complete_last_lesson(learner, plan)[0] == 302
    assert complete_last_lesson(finished_before, plan)[0] == 302
    status, _location, _seconds = finished_before.request("GET", plan["course"])
    assert status == 200

    recorded = in_site(site.env, "counts")
    assert recorded == {
        "completions": 4,
        "learners_completed": 4,
        "most_per_enrollment": 1,
        "certificates": 4,
        "tallies_ok": True,
        "tallies_supporters": 4,
    }


class SilentServer:
    """Accepts TCP connections and never says a word: a database host behind a dead link."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                self.accepted.append(self.sock.accept()[0])
            except OSError:
                return

    def close(self):
        for conn in self.accepted:
            conn.close()
        self.sock.close()


def test_healthz_answers_503_within_the_connect_timeout_when_the_database_host_is_silent():
    silent = SilentServer()
    env = site_env(f"postgres://postgres@127.0.0.1:{silent.port}/tsunagari", DB_CONNECT_TIMEOUT="2")
    site = Site(env, workers=1)
    try:
        began = time.monotonic()
        deadline = began + 30
        status = None
        while time.monotonic() < deadline:  # gunicorn needs a moment to listen
            try:
                status, _location, seconds = Browser(site.port).request(
                    "GET", "/healthz", timeout=20
                )
                break
            except ConnectionRefusedError:
                time.sleep(0.2)
        assert status == 503
        # The first answer includes the worker's start; the next ones are the connect timeout.
        for _ in range(2):
            status, _location, seconds = Browser(site.port).request("GET", "/healthz", timeout=20)
            assert status == 503
            assert seconds < 2 + PROMPT
    finally:
        site.close()
        silent.close()
