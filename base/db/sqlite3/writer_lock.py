"""An exclusive ``flock`` on a file beside a SQLite database, so that writers queue.

SQLite does not queue a writer that finds the database's write lock taken: its busy handler
sleeps 1, 2, 5, 10, 15, 20, 25 … ms between tries, so a writer waits 8 ms for a lock held 5 ms
and 33 ms for one held 20 ms, and may lose the lock again to a writer that came later. The
kernel does queue a blocked ``flock``: it wakes the waiter when the holder lets go.

The lock belongs to an *open file description*: every ``WriterLock`` opens the file itself, so
two connections of one process (two threads) exclude each other as two processes do. It dies
with its file: closing the file, or the end of the process (even by SIGKILL), releases it, so
a holder that is gone cannot keep anyone waiting. A live holder can (a transaction kept open
for a minute); the wait is therefore bounded like SQLite's own (``timeout``).
"""

import fcntl
import os
import threading


class WriterLockTimeout(Exception):
    """The writer lock was not had within the timeout (another writer kept it)."""


class WriterLock:
    """The exclusive lock on ``path`` for one database connection; not shared between threads."""

    def __init__(self, path):
        self.path = str(path)
        self.held = False
        self._file = None
        self._pid = None

    def _open(self):
        if self._file is not None and self._pid != os.getpid():
            # Inherited over fork: the file description (and its lock) is the parent's. Drop
            # our copy without unlocking, which would release the parent's lock.
            self._file.close()
            self._file = None
            self.held = False
        if self._file is None:
            self._file = open(self.path, "ab", buffering=0)  # noqa: SIM115 - kept open
            self._pid = os.getpid()
        return self._file

    def acquire(self, timeout):
        """Wait until this connection is the only writer, at most ``timeout`` seconds.

        Raise ``WriterLockTimeout`` when another connection kept the lock all that time.
        """
        file = self._open()
        try:
            # Uncontended: one system call, no thread.
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._wait(file, timeout)
        self.held = True

    def _wait(self, file, timeout):
        # A blocking flock has no timeout, and a signal cannot interrupt one in a thread that is
        # not the main thread: a helper thread blocks in flock (the kernel wakes it when the
        # holder lets go) while this one waits for it with the timeout. Nothing polls.
        waiter = _Waiter(file)
        thread = threading.Thread(target=waiter.run, name="sqlite-writer-lock", daemon=True)
        thread.start()
        waiter.done.wait(timeout)
        with waiter.mutex:
            if waiter.error is not None:
                raise waiter.error
            if waiter.acquired:
                return
            # Given up: the helper keeps the file and closes it when its flock returns, which
            # lets go of a lock it got too late. This connection opens a new file next time
            # (the abandoned one may still be waiting on the old description).
            waiter.abandoned = True
            self._file = None
        raise WriterLockTimeout(f"waited {timeout} s for {self.path}")

    def release(self):
        """Let the next writer in (nothing happens when the lock is not held)."""
        if not self.held:
            return
        self.held = False
        if self._file is not None and self._pid == os.getpid():
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)

    def close(self):
        """Close the file, which also releases the lock."""
        self.held = False
        file, self._file = self._file, None
        if file is not None:
            file.close()


class _Waiter:
    """A blocking flock in a helper thread, which a waiter that gave up can abandon."""

    def __init__(self, file):
        self.file = file
        self.done = threading.Event()
        self.mutex = threading.Lock()
        self.acquired = False
        self.abandoned = False
        self.error = None

    def run(self):
        try:
            fcntl.flock(self.file.fileno(), fcntl.LOCK_EX)
        except OSError as error:
            with self.mutex:
                self.error = error
                if self.abandoned:
                    self.file.close()
        else:
            with self.mutex:
                if self.abandoned:
                    self.file.close()  # releases the lock nobody waits for any more
                else:
                    self.acquired = True
        self.done.set()
