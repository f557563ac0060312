"""Tasks of the database queue whose worker died are given back to the queue.

``django_tasks_db`` marks a row RUNNING when a worker claims it and nothing moves it again if
that worker is killed (``SIGKILL``, an OOM kill, a lost node): the task would stay 作成中 for
ever. Two parts close that:

- **heartbeat**: while a worker runs a task, a thread of that worker renews a
  ``TaskHeartbeat`` row every ``TASK_HEARTBEAT_SECONDS`` (connected to Django's
  ``task_started`` / ``task_finished`` signals, database backend only);
- **sweep**: ``stale_tasks_requeue()`` (``manage.py requeue_stale_tasks``, run every minute by
  cron or with ``--every 60`` beside the workers) puts back to READY every RUNNING task whose
  worker has not beaten for ``TASK_LEASE_SECONDS``; the next free worker runs it again.

A task that already used ``TASK_MAX_ATTEMPTS`` runs (it may be what kills its worker), and a
task in ``AT_MOST_ONCE_TASKS``, is recorded FAILED instead. Every task re-queued must be safe to
run again (docs/reliability.md, "Background task cut off half-way").

A worker that is alive but stuck keeps beating, so it is never re-queued under it: a hung task
is for the operator to see, not for a second worker to race.
"""

import dataclasses
import datetime
import logging
import threading

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_tasks.signals import task_finished, task_started
from django_tasks_db.backend import DatabaseBackend

from . import tasks_db_adapter as queue
from .models import TaskHeartbeat

logger = logging.getLogger(__name__)

# Tasks that must not run twice even after a crash: a password reset mail may already have
# left when the worker died, and a second reset mail is worse than none (the person can ask
# again). Everything else is idempotent or claim-guarded.
AT_MOST_ONCE_TASKS = frozenset({"organizations.password_reset.send_password_reset"})


class WorkerLost(Exception):
    """Recorded as the failure of a task whose worker died and that is not run again."""


def _lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=float(settings.TASK_LEASE_SECONDS))


@dataclasses.dataclass
class SweepResult:
    """What one sweep did: the queue row ids re-queued and those recorded FAILED."""

    requeued: list = dataclasses.field(default_factory=list)
    failed: list = dataclasses.field(default_factory=list)


def stale_tasks_requeue(*, lease_seconds: float | None = None, now=None) -> SweepResult:
    """Re-queue (or record FAILED) every RUNNING task of the database queue whose worker has
    given no sign of life for the lease (``TASK_LEASE_SECONDS`` unless ``lease_seconds``).

    One transaction; on PostgreSQL rows another sweep is handling are skipped, so two sweeps
    at once never re-queue a task twice. A task that started within the lease is never
    touched, whether or not its heartbeat was written yet.
    """
    lease = _lease() if lease_seconds is None else datetime.timedelta(seconds=lease_seconds)
    cutoff = (now or timezone.now()) - lease
    max_attempts = int(settings.TASK_MAX_ATTEMPTS)
    result = SweepResult()
    with transaction.atomic():
        rows = list(queue.running_started_before(cutoff))
        fresh = set(
            TaskHeartbeat.objects.filter(
                task_id__in=[row.id for row in rows], beat_at__gte=cutoff
            ).values_list("task_id", "worker_id")
        )
        for row in rows:
            if (row.id, queue.last_worker_id(row)) in fresh:
                continue  # its worker is alive (perhaps slow): never race it
            if row.task_path in AT_MOST_ONCE_TASKS:
                queue.fail(
                    row,
                    _path(WorkerLost),
                    "ワーカーが停止しました（二重送信を避けるため再実行しません）。",
                )
                result.failed.append(row.id)
            elif queue.attempts(row) >= max_attempts:
                queue.fail(
                    row,
                    _path(WorkerLost),
                    f"ワーカーが{queue.attempts(row)}回続けて停止しました（再実行しません）。",
                )
                result.failed.append(row.id)
            else:
                queue.requeue(row)
                result.requeued.append(row.id)
        TaskHeartbeat.objects.filter(task_id__in=result.requeued + result.failed).delete()
        failed_rows = [row for row in rows if row.id in result.failed]
        # As the worker does for a task that raised: whoever shows the task's own state (the
        # export's 作成中) hears that it ended, once the FAILED row is committed.
        transaction.on_commit(lambda: _announce_failed(failed_rows))
    for task_id in result.requeued:
        logger.warning("Re-queued task %s: its worker stopped beating", task_id)
    for task_id in result.failed:
        logger.error("Recorded task %s as failed: its worker stopped beating", task_id)
    return result


def _announce_failed(rows) -> None:
    for row in rows:
        try:
            task_result = row.task_result
        except ImportError:  # the task's code is gone: nobody to tell
            continue
        task_finished.send(sender=DatabaseBackend, task_result=task_result)


def _path(cls) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


class _Heartbeat:
    """The beating thread of one task run in this worker process."""

    def __init__(self, task_id, worker_id: str):
        self.task_id = task_id
        self.worker_id = worker_id
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"heartbeat-{task_id}", daemon=True)

    def start(self) -> None:
        # The first beat is written by the worker itself, so it is there before the task runs.
        TaskHeartbeat.objects.update_or_create(
            task_id=self.task_id,
            defaults={"worker_id": self.worker_id, "beat_at": timezone.now()},
        )
        self.thread.start()

    def _run(self) -> None:
        interval = float(settings.TASK_HEARTBEAT_SECONDS)
        try:
            while not self.stop.wait(interval):
                try:
                    TaskHeartbeat.objects.filter(task_id=self.task_id).update(
                        beat_at=timezone.now()
                    )
                except DatabaseError:
                    # The database is briefly away: the next beat tries again; only a lease
                    # without any beat lets the sweep re-queue the task.
                    logger.warning("Heartbeat of task %s not written", self.task_id)
        finally:
            connection.close()  # this thread's own connection

    def finish(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        TaskHeartbeat.objects.filter(task_id=self.task_id).delete()


_running: dict = {}


def _is_database_queue(sender) -> bool:
    # db_worker sends the backend instance when a task starts and its class when one fails.
    if isinstance(sender, type):
        return issubclass(sender, DatabaseBackend)
    return isinstance(sender, DatabaseBackend)


def _started(sender, task_result, **kwargs) -> None:
    if not _is_database_queue(sender) or not task_result.worker_ids:
        return
    beat = _Heartbeat(task_result.id, task_result.worker_ids[-1])
    beat.start()
    _running[task_result.id] = beat


def _finished(sender, task_result, **kwargs) -> None:
    beat = _running.pop(task_result.id, None)
    if beat is not None:
        beat.finish()


def heartbeat_abandon(task_id) -> None:
    """Stop beating for a task this process can no longer finish (its database went away under
    it, base/db_worker.py), writing nothing: once the last beat is older than the lease, the
    sweep re-queues the task as it would a dead worker's."""
    # Keyed as the signals give it: the task result's id is the queue row's key as a string.
    beat = _running.pop(str(task_id), None)
    if beat is not None:
        beat.stop.set()
        beat.thread.join(timeout=10)


def connect_heartbeat() -> None:
    """Beat for every task the database queue's worker runs in this process (AppConfig.ready)."""
    task_started.connect(_started, dispatch_uid="base.task_lease.started")
    task_finished.connect(_finished, dispatch_uid="base.task_lease.finished")
