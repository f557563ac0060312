"""The one model of the shared base: liveness of database-queue workers."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskHeartbeat(models.Model):
    """Proof of life of a worker running a task of the database queue (base/task_lease.py):
    written when the run starts, renewed every ``TASK_HEARTBEAT_SECONDS``, deleted when it ends.

    Keyed by the queue row's id without a foreign key: the row belongs to ``django_tasks_db``,
    whose ``prune_db_task_results`` deletes rows on its own schedule.
    """

    task_id = models.UUIDField(_("タスクID"), primary_key=True)
    worker_id = models.CharField(_("ワーカーID"), max_length=64)
    beat_at = models.DateTimeField(_("最終応答"))

    class Meta:
        verbose_name = _("タスクの生存確認")
        verbose_name_plural = _("タスクの生存確認")

    def __str__(self):
        return f"{self.task_id} ({self.worker_id})"
