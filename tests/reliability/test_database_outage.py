"""The site while its database goes away and comes back (docs/reliability.md, "Faults").

The site runs under gunicorn with the production settings (persistent connections with health
checks, as deployed). The PostgreSQL it uses is a private cluster started for the test, so
stopping it cannot disturb the suite's own test database or anyone else's; it is removed at the
end, on failure too.
"""

import socket
import threading
import time

import pytest

from tests.reliability.support import (
    Browser,
    Site,
    in_site,
    prepare_site,
    site_env,
)

# Connection refused must turn into an answer at once; a few seconds allow for a loaded machine.
PROMPT = 5.0


@pytest.fixture
def site_on_private_postgres(postgres_only, private_postgres):
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


class ArrivingLearners(threading.Thread):
    """Learners who keep starting and finishing the course, one after the other, through the
    outage: each press is repeated (as a person would) until the site accepts it."""

    def __init__(self, site: Site, plan: dict, count: int):
        super().__init__(daemon=True)
        self.site, self.plan, self.count = site, plan, count
        self.finished = 0
        self.refused = 0  # presses answered 5xx (or cut off) and pressed again
        self.error = None

    def press(self, learner: Browser, path: str, data, expected: str) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                status, location, _seconds = learner.request("POST", path, data, timeout=20)
            except OSError:
                status, location = 0, ""
            if status == 302 and location == expected:
                return
            self.refused += 1
            time.sleep(0.2)
        raise AssertionError(f"POST {path} never accepted")

    def run(self):
        course, (first, last) = self.plan["course"], self.plan["lessons"]
        try:
            for _ in range(self.count):
                learner = Browser(self.site.port)
                self.press(learner, course, [], first)
                self.press(learner, first, [("action", "complete")], last)
                self.press(learner, last, [("action", "complete")], course)
                self.finished += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc


@pytest.mark.postgres
def test_database_restart_answers_503_then_recovers_and_counts_each_completion_once(
    site_on_private_postgres, record_property
):
    site, postgres, plan = site_on_private_postgres
    finished_before = start_and_finish_first_lesson(site, plan)
    assert complete_last_lesson(finished_before, plan)[:2] == (302, plan["course"])
    waiting = [start_and_finish_first_lesson(site, plan) for _ in range(3)]
    master = site.process.pid
    arriving = ArrivingLearners(site, plan, count=30)
    arriving.start()
    deadline = time.monotonic() + 60
    while arriving.finished < 5 and arriving.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)

    # Sessions are ended while the arriving learners' requests are under way.
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
    time.sleep(3)  # a restart takes a few seconds; the arriving learners keep pressing

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
    arriving.join(timeout=180)
    assert arriving.error is None
    assert arriving.finished == 30
    assert arriving.refused > 0  # the outage did hit them
    record_property("presses_refused_during_outage", arriving.refused)

    recorded = in_site(site.env, "counts")
    assert recorded == {
        "completions": 34,
        "learners_completed": 34,
        "most_per_enrollment": 1,
        "certificates": 34,
        "tallies_ok": True,
        "tallies_supporters": 34,
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
