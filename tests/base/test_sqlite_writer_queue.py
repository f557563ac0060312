"""SQLite writers queue on the OS lock of ``base.db.sqlite3`` instead of polling.

Two real processes (``sqlite_writer_process.py``) write to a file database through
``transaction.atomic()``; this test drives them line by line and reads their clocks
(``time.monotonic()`` is one clock for the whole machine).
"""

import json
import os
import select
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the writer lock is SQLite's backend"
)

PROCESS = Path(__file__).with_name("sqlite_writer_process.py")
QUEUED = "base.db.sqlite3"
PLAIN = "django.db.backends.sqlite3"
# How long the first writer holds its transaction while the second waits.
HOLD = 0.02


class Writer:
    """One writer process, its answers read line by line with a timeout."""

    def __init__(self, database, name, engine=QUEUED, timeout=20):
        self.name = name
        self.process = subprocess.Popen(  # noqa: S603 - this test's own helper
            [sys.executable, str(PROCESS), str(database), engine, str(timeout), name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self._buffer = b""
        assert self.answer(timeout=30) == ["ready"]

    def send(self, command):
        self.process.stdin.write(command.encode() + b"\n")
        self.process.stdin.flush()

    def answered(self):
        """Whether an answer is waiting (without waiting for one)."""
        return b"\n" in self._buffer or bool(select.select([self.process.stdout], [], [], 0)[0])

    def answer(self, timeout=10):
        """The next answer line's words."""
        return self.answer_line(timeout).split()

    def answer_line(self, timeout=10):
        """The next answer line; fails after ``timeout`` seconds without one."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            ready = select.select([self.process.stdout], [], [], max(left, 0))[0]
            assert ready, f"{self.name} did not answer within {timeout} s"
            chunk = os.read(self.process.stdout.fileno(), 4096)
            assert chunk, f"{self.name} exited (status {self.process.wait()})"
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode()

    def begin(self):
        """Start a transaction and wait until it started: its start time."""
        self.send("begin")
        word, started = self.answer()
        assert word == "in"
        return float(started)

    def end(self, command="commit"):
        """End the transaction: the times before and after leaving the block."""
        self.send(command)
        word, before, after = self.answer()
        assert word == "out"
        return float(before), float(after)

    def rows(self):
        self.send("count")
        return json.loads(self.answer_line())

    def stop(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(timeout=10)


@pytest.fixture
def database(tmp_path):
    """A file database with the table ``writes``, in WAL mode like the site's."""
    path = tmp_path / "writers.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE writes (id INTEGER PRIMARY KEY, writer TEXT, note TEXT)")
    return path


@pytest.fixture
def writers(database):
    """Start writers on the database; all are stopped after the test."""
    started = []

    def start(name, **options):
        writer = Writer(database, name, **options)
        started.append(writer)
        return writer

    yield start
    for writer in started:
        if writer.process.poll() is None:
            writer.process.kill()
            writer.process.wait()


def second_waits_for_first(first, second, end="commit"):
    """``first`` holds a transaction; ``second`` begins one, which must wait until ``first``
    ends its own with ``end``. The second's start after the first's end began, in seconds."""
    first.begin()
    second.send("begin")
    time.sleep(HOLD)
    assert not second.answered(), "the second writer started while the first held its lock"
    ending, _ = first.end(end)
    word, started = second.answer()
    assert word == "in"
    assert float(started) > ending
    second.end()
    return float(started) - ending


def handoff_gaps(writers, engine, handoffs=20):
    """The gaps between a writer's commit and the start of the one waiting for it."""
    first, second = (
        writers(f"first-{engine}", engine=engine),
        writers(f"second-{engine}", engine=engine),
    )
    return [second_waits_for_first(first, second) for _ in range(handoffs)]


def test_the_waiting_writer_starts_as_soon_as_the_first_commits(writers):
    queued = handoff_gaps(writers, QUEUED)
    # SQLite's busy handler alone: the waiting writer sleeps 1, 2, 5, 10, 15 … ms between tries
    # and comes in at its next try after the commit (~10-15 ms after it, for a 20 ms hold).
    polling = handoff_gaps(writers, PLAIN)
    median_queued, median_polling = statistics.median(queued), statistics.median(polling)
    figures = (
        f"median gap {median_queued * 1000:.2f} ms queued, {median_polling * 1000:.2f} ms polling"
    )
    print(figures)  # shown with pytest -s (docs/benchmarks.md §8 quotes it)
    assert median_queued < 0.005, figures
    assert median_queued < median_polling, figures


@pytest.mark.parametrize("end", ["rollback", "raise", "error"])
def test_a_transaction_that_fails_lets_the_next_writer_in(writers, end):
    first, second = writers("first"), writers("second")
    assert second_waits_for_first(first, second, end=end) < 1
    assert first.rows() == {"outer": 1}  # the second's; the first's was rolled back
    # The first can write again: its lock was let go, not lost.
    assert second_waits_for_first(first, second) < 1
    assert first.rows() == {"outer": 3}


def test_a_killed_writer_lets_the_next_one_in(writers):
    first, second = writers("first"), writers("second")
    first.begin()
    second.send("begin")
    time.sleep(HOLD)
    assert not second.answered()
    killed_at = time.monotonic()
    first.process.kill()
    word, started = second.answer(timeout=5)
    assert word == "in"
    assert float(started) - killed_at < 1
    second.end()
    assert second.rows() == {"outer": 1}


def test_savepoints_keep_the_lock_until_the_outer_block_commits(writers):
    first, second = writers("first"), writers("second")
    first.begin()
    second.send("begin")
    first.send("nested")
    assert first.answer() == ["nested"]
    time.sleep(HOLD)
    assert not second.answered(), "a savepoint's end let the other writer in"
    ending, _ = first.end()
    word, started = second.answer()
    assert word == "in" and float(started) > ending
    second.end()
    assert second.rows() == {"outer": 2, "inner-kept": 1}


def test_threads_of_one_process_queue_too(writers):
    writer = writers("threads")
    writer.send(f"threads {HOLD * 2}")
    word, gap = writer.answer()
    assert word == "threads"
    assert 0 < float(gap) < 0.005 * 4  # it waited for the commit, and not long after it
    assert writer.rows() == {"thread": 1, "main-thread": 1}


def test_a_writer_waits_no_longer_than_the_timeout(writers):
    first, second = writers("first"), writers("second", timeout=0.5)
    first.begin()
    asked_at = time.monotonic()
    second.send("begin")
    word, *message = second.answer(timeout=10)
    waited = time.monotonic() - asked_at
    assert word == "error" and "database is locked" in " ".join(message)
    assert 0.4 < waited < 5
    first.end()
    # The connection that gave up still works, and the lock it waited for is not kept.
    second.begin()
    second.end()
    first.begin()
    first.end()
    assert first.rows() == {"outer": 3}


@pytest.mark.django_db
def test_an_in_memory_database_takes_no_lock_file():
    from django.db import transaction

    from base.db.sqlite3.base import writer_lock_path

    if not connection.is_in_memory_db():
        pytest.skip("the test database is a file")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert connection.vendor == "sqlite"
    assert not Path(writer_lock_path(connection.settings_dict["NAME"])).exists()


def test_the_lock_file_is_beside_the_database_file():
    from base.db.sqlite3.base import writer_lock_path

    assert writer_lock_path("/srv/db.sqlite3") == "/srv/db.sqlite3.writer-lock"
    assert writer_lock_path("file:/srv/db.sqlite3?mode=rw") == "/srv/db.sqlite3.writer-lock"
    assert writer_lock_path("file:///srv/db.sqlite3") == "/srv/db.sqlite3.writer-lock"
