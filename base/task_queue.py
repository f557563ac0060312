"""The Redis task queue (``TASKS_BACKEND=rq``): RQ through ``django-tasks-rq``, with retries.

``django-tasks-rq`` enqueues jobs without a retry policy, so a job whose worker died (SIGKILL,
an OOM kill, a lost node) ends in RQ's failed registry and nothing runs it again. Its queue is
the one ``RQ_QUEUES`` names (``QUEUE_CLASS``): ``RetryingQueue`` gives every job
``TASK_MAX_ATTEMPTS`` runs. RQ's own maintenance then finds an abandoned job — its worker's
heartbeat stopped, ``job_monitoring_interval`` + 60 s ago — and queues it again. Every task of
the project may run again after a crash without doing anything twice (docs/reliability.md).

``TaskWorker`` runs that maintenance every ``RQ_MAINTENANCE_SECONDS`` (RQ's default is ten
minutes), so an abandoned task is back within a couple of minutes.
"""

from django.conf import settings
from django_rq.queues import DjangoRQ
from rq import Retry, Worker

from .task_lease import AT_MOST_ONCE_TASKS


class RetryingQueue(DjangoRQ):
    """An RQ queue whose jobs are run again (at once) when their run failed or was lost, but
    for ``AT_MOST_ONCE_TASKS`` (a password reset mail may already have left: as with the
    database queue, a second one is worse than none)."""

    def create_job(self, func, *args, retry: Retry | None = None, **kwargs):
        if retry is None and settings.TASK_MAX_ATTEMPTS > 1 and func not in AT_MOST_ONCE_TASKS:
            retry = Retry(max=settings.TASK_MAX_ATTEMPTS - 1)
        return super().create_job(func, *args, retry=retry, **kwargs)


class TaskWorker(Worker):
    """RQ's worker, looking for abandoned jobs every ``RQ_MAINTENANCE_SECONDS``."""

    def __init__(self, *args, **kwargs):
        maintenance = settings.RQ_MAINTENANCE_SECONDS
        kwargs.setdefault("maintenance_interval", maintenance)
        # An idle worker waits for a job for ``worker_ttl`` - 15 s before it looks at its
        # maintenance again: keep that wait within the maintenance interval.
        kwargs.setdefault("worker_ttl", max(maintenance + 15, 30))
        super().__init__(*args, **kwargs)
