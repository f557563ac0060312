"""A writer process driven by ``test_sqlite_writer_queue.py``: transactions on command.

    python tests/base/sqlite_writer_process.py DATABASE ENGINE TIMEOUT NAME

Django is set up with one SQLite database (the production options: IMMEDIATE, WAL) and no
apps; the table ``writes`` exists. One command a line on stdin, one answer a line on stdout
(times are ``time.monotonic()``, one clock for every process of the machine):

- ``begin``: enter ``transaction.atomic()`` and insert a row: ``in <time>``, or
  ``error <message>`` when the transaction could not start. Inside the block, commands until
  one ends it:

  - ``nested``: a nested block that fails (rolled back to its savepoint) and one that is
    kept: ``nested``;
  - ``commit``: leave the block: ``out <time before leaving> <time after>``;
  - ``raise``: an exception leaves the block: ``out …``;
  - ``rollback``: ``set_rollback(True)``, then leave the block: ``out …``;
  - ``error``: a statement that fails (a constraint), the error leaves the block: ``out …``;

- ``threads <hold seconds>``: another thread of this process holds a transaction for that
  long while this thread begins one: ``threads <this thread's start - the other's commit>``;
- ``count``: the rows by note, as JSON.
"""

import json
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import django  # noqa: E402
from django.conf import settings  # noqa: E402


class Raised(Exception):
    """The exception raised inside a block on ``raise``."""


def say(*words):
    """One answer line to the driver."""
    print(*words, flush=True)


def insert(note):
    """One row written by this process."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO writes (writer, note) VALUES (%s, %s)", [NAME, note])


def nested():
    """A nested block that fails and one that is kept, inside the outer one."""
    from django.db import transaction

    try:
        with transaction.atomic():
            insert("inner-failed")
            raise Raised
    except Raised:
        pass
    with transaction.atomic():
        insert("inner-kept")


def transaction_on_command():
    """``begin``: one outer block, ended by the command that ends it."""
    from django.db import DatabaseError, transaction

    before = None
    try:
        with transaction.atomic():
            say("in", time.monotonic())
            insert("outer")
            while True:
                command = sys.stdin.readline().strip()
                if command == "nested":
                    nested()
                    say("nested")
                    continue
                before = time.monotonic()
                if command == "raise":
                    raise Raised
                if command == "rollback":
                    transaction.set_rollback(True)
                elif command == "error":
                    from django.db import connection

                    with connection.cursor() as cursor:
                        cursor.execute("INSERT INTO writes (id, writer, note) VALUES (1, 'x', 'x')")
                        cursor.execute("INSERT INTO writes (id, writer, note) VALUES (1, 'x', 'x')")
                break
    except DatabaseError as error:
        if before is None:
            say("error", str(error).replace("\n", " "))
            return
    except Raised:
        pass
    say("out", before, time.monotonic())


def threads(hold):
    """Another thread holds a transaction ``hold`` seconds while this one begins one."""
    from django.db import connection, transaction

    holding = threading.Event()
    committing = {}

    def holder():
        with transaction.atomic():
            insert("thread")
            holding.set()
            time.sleep(hold)
            committing["at"] = time.monotonic()
        connection.close()

    other = threading.Thread(target=holder)
    other.start()
    holding.wait()
    with transaction.atomic():
        started = time.monotonic()
        insert("main-thread")
    other.join()
    say("threads", started - committing["at"])


def count():
    """The rows by note."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT note, COUNT(*) FROM writes GROUP BY note")
        say(json.dumps(dict(cursor.fetchall())))


if __name__ == "__main__":
    DATABASE, ENGINE, TIMEOUT, NAME = sys.argv[1:5]
    settings.configure(
        INSTALLED_APPS=[],
        DATABASES={
            "default": {
                "ENGINE": ENGINE,
                "NAME": DATABASE,
                "OPTIONS": {
                    "transaction_mode": "IMMEDIATE",
                    "timeout": float(TIMEOUT),
                    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                },
            }
        },
    )
    django.setup()
    say("ready")
    for line in sys.stdin:
        command, *arguments = line.split()
        if command == "begin":
            transaction_on_command()
        elif command == "threads":
            threads(float(arguments[0]))
        elif command == "count":
            count()
