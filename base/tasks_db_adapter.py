"""The only place that touches ``django_tasks_db``'s queue rows directly (base/task_lease.py
uses it).

The package offers no way to give a task back to the queue: its worker claims a row by setting
``status`` to RUNNING and appending its id to ``worker_ids``, and nothing ever moves a RUNNING
row again if that worker dies. The functions below write the same public model fields the
package's own ``claim()``/``set_failed()`` write, so that a package upgrade that changes them
breaks here, in one small module, and nowhere else.
"""

from django.db import connection
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult


def running_started_before(cutoff):
    """Queue rows RUNNING since before ``cutoff``, locked for this transaction.

    On PostgreSQL rows another sweeper already holds are skipped (``SKIP LOCKED``), so two
    sweeps at once never handle the same row twice; SQLite locks the whole database instead.
    """
    rows = DBTaskResult.objects.running().filter(started_at__lt=cutoff).order_by("started_at")
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True)
    return rows


def last_worker_id(row: DBTaskResult) -> str:
    """The worker that claimed the current run (``claim()`` appends, so the last id)."""
    return row.worker_ids[-1] if row.worker_ids else ""


def attempts(row: DBTaskResult) -> int:
    """How many times a worker has claimed the row."""
    return len(row.worker_ids)


def requeue(row: DBTaskResult) -> None:
    """Put a RUNNING row back to READY so that the next free worker claims it; the ids of the
    workers that tried stay in ``worker_ids`` as its history."""
    row.status = TaskResultStatus.READY
    row.started_at = None
    row.save(update_fields=["status", "started_at"])


def fail(row: DBTaskResult, exception_class_path: str, message: str) -> None:
    """Record a RUNNING row as FAILED, as ``set_failed()`` would, with ``message`` as its
    traceback text (there is no traceback: the process is gone)."""
    row.status = TaskResultStatus.FAILED
    row.finished_at = timezone.now()
    row.exception_class_path = exception_class_path
    row.traceback = message
    row.return_value = None
    row.save(
        update_fields=["status", "finished_at", "exception_class_path", "traceback", "return_value"]
    )
