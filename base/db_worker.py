"""The database queue's worker, surviving an outage of its database (``manage.py task_worker``
with ``TASKS_BACKEND=database``).

``django_tasks_db``'s ``db_worker`` lets every database error other than SQLite's "database is
locked" out of its loop: a PostgreSQL restart, a failover or a network cut ends the worker
process, and with it every background task (exports, reminders, search index) until someone
starts it again. ``OutageSurvivingWorker`` runs the same loop; when the database goes away it
logs, waits for the database with a growing pause (``TASK_WORKER_RETRY_SECONDS`` doubling up to
``TASK_WORKER_RETRY_MAX_SECONDS``), and carries on with a fresh connection.

A task cut off by the outage cannot be recorded (its result row is in the database that went
away): its heartbeat is stopped here (``task_lease.heartbeat_abandon``), so that the lease sweep
(``requeue_stale_tasks``) gives it back to the queue once its lease is over, exactly as for a
worker that died.
"""

import contextlib
import logging
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections, router
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from .task_lease import heartbeat_abandon

logger = logging.getLogger(__name__)

# What a database that went away raises: the connection refused or cut (OperationalError),
# or used after the server closed it (InterfaceError). A ProgrammingError or an IntegrityError
# is a bug, not an outage, and still ends the worker.
DATABASE_GONE = (OperationalError, InterfaceError)


class OutageSurvivingWorker(Worker):
    """``db_worker``'s worker that waits for its database to come back instead of exiting."""

    def run(self) -> None:
        """Work the queue until stopped (or, with ``batch``, until it is empty), through any
        number of database outages."""
        while self.running:
            try:
                super().run()
                return
            except DATABASE_GONE as exc:
                if not self.running:  # stopped (SIGTERM) while the database was away
                    return
                logger.warning(
                    "Task worker %s lost its database (%s); waiting for it to come back",
                    self.worker_id,
                    str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
                )
                # The startup pause is for a fleet starting at once, not for a reconnection.
                self.startup_delay = False
                self._wait_for_database()

    def run_task(self, db_task_result) -> None:
        """Run one task; when the database went away under it, stop its heartbeat (its result
        cannot be written) so that the lease sweep re-queues it."""
        try:
            super().run_task(db_task_result)
        except DATABASE_GONE:
            heartbeat_abandon(db_task_result.id)
            raise

    def _wait_for_database(self) -> None:
        pause = float(settings.TASK_WORKER_RETRY_SECONDS)
        longest = float(settings.TASK_WORKER_RETRY_MAX_SECONDS)
        began = time.monotonic()
        # The queue's database only: a report replica that is down must not stop the worker.
        queue_database = connections[router.db_for_write(DBTaskResult)]
        while self.running:
            _close_all()
            try:
                queue_database.ensure_connection()
            except DATABASE_GONE:
                # SIGTERM during this sleep ends the process (db_worker's signal handler).
                time.sleep(pause)
                pause = min(pause * 2, longest)
                continue
            logger.warning(
                "Task worker %s reconnected to its database after %.1f s",
                self.worker_id,
                time.monotonic() - began,
            )
            return


def _close_all() -> None:
    """Drop every connection of this thread. Closing one whose server is gone may raise; Django
    has let go of it by then, which is all that matters here."""
    for connection in connections.all(initialized_only=True):
        with contextlib.suppress(*DATABASE_GONE):
            connection.close()
