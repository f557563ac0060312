"""Django's SQLite backend whose writing transactions queue on an OS lock.

With ``transaction_mode`` IMMEDIATE (or EXCLUSIVE), every ``transaction.atomic()`` block that
starts a transaction takes SQLite's write lock with its ``BEGIN``. A second worker process whose
``BEGIN`` finds that lock taken sleeps in SQLite's busy handler in growing steps (1, 2, 5,
10 … ms) instead of queueing, and comes in up to ~25 ms after the lock was free
(docs/benchmarks.md §8). This backend first takes an exclusive ``flock`` of
``<database>.writer-lock`` (``writer_lock.py``): the waiting writer sleeps in the kernel and is
woken when the holder lets go, then its ``BEGIN`` finds SQLite's lock free.

The flock only orders writers; SQLite's lock still guards the data. A writer that does not take
the flock (a statement outside ``atomic()``, the ``sqlite3`` shell, another program) is waited
for by SQLite's busy handler as before, and a flock released a moment early only lets the next
writer poll as before. So the lock is released whenever in doubt: after COMMIT and ROLLBACK
whether they succeeded or not, when ``BEGIN`` fails, and when the connection closes (closing
the file releases it; so does the end of the process).

Only the outermost ``atomic()`` starts a transaction; savepoints of nested blocks take nothing.
In-memory databases have no file to put beside them and one connection each: no lock.
"""

from django.db.backends.sqlite3 import base as sqlite3_base

from .writer_lock import WriterLock, WriterLockTimeout

# Transaction modes whose BEGIN takes SQLite's write lock (DEFERRED takes it at the first write,
# and a reading transaction would queue behind writers for nothing).
_WRITING_BEGIN = frozenset(["IMMEDIATE", "EXCLUSIVE"])
# sqlite3.connect()'s default busy timeout, in seconds.
_DEFAULT_TIMEOUT = 5.0


def writer_lock_path(name):
    """The lock file beside the database file ``name`` (a path or a ``file:`` URI), or None
    for an in-memory database."""
    name = str(name)
    if name.startswith("file:"):
        name = name.removeprefix("file:").split("?", 1)[0]
        # file://host/path: the path only ("file:///db" and "file:db" are both allowed).
        if name.startswith("//"):
            name = "/" + name[2:].partition("/")[2]
    return f"{name}.writer-lock"


class DatabaseWrapper(sqlite3_base.DatabaseWrapper):
    """SQLite whose writing transactions wait for each other in the kernel, in order."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._writer_lock = None

    def _writer_lock_for_begin(self):
        """The lock to take before this BEGIN, or None when it takes no write lock."""
        if self.transaction_mode not in _WRITING_BEGIN or self.is_in_memory_db():
            return None
        if self._writer_lock is None:
            self._writer_lock = WriterLock(writer_lock_path(self.settings_dict["NAME"]))
        return self._writer_lock

    def _start_transaction_under_autocommit(self):
        lock = self._writer_lock_for_begin()
        if lock is None:
            return super()._start_transaction_under_autocommit()
        # The same bound as SQLite's busy handler: a live holder that keeps its transaction
        # open (an import, a migration, a connection of this very thread) must not keep a
        # request waiting for ever. A dead one cannot: its lock went with its process.
        timeout = self.settings_dict["OPTIONS"].get("timeout", _DEFAULT_TIMEOUT)
        with self.wrap_database_errors:
            try:
                lock.acquire(timeout)
            except WriterLockTimeout as timed_out:
                raise self.Database.OperationalError(
                    f"database is locked ({timed_out})"
                ) from timed_out
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            lock.release()
            raise

    def _release_writer_lock(self):
        if self._writer_lock is not None:
            self._writer_lock.release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_writer_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_writer_lock()

    def _close(self):
        try:
            return super()._close()
        finally:
            if self._writer_lock is not None:
                self._writer_lock.close()
