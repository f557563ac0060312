"""Writes of the bulk certificate exports (``certificates.exports``): recording a request, the
progress and outcome of the task that builds the ZIP, and the retention that expires it. One
transaction each; files are written to storage by the task and deleted only after the row that
pointed at them is committed."""

from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import log

from ..models import CertificateExport
from ..storage import export_storage

# Shown when the task's worker died too often (``base/task_lease.py``).
GIVEN_UP_ERROR = "作成中に処理が繰り返し停止したため中止しました。もう一度作成してください。"


@transaction.atomic
def certificate_export_record(
    *, user, requested_scope: str, course=None, department=None, date_from=None, date_to=None
) -> CertificateExport:
    """Record ``user``'s request for an export (``requested_scope``: their area, as
    ``exports.scope_key`` writes it), with the admin history entry."""
    export = CertificateExport.objects.create(
        requested_by=user,
        requested_scope=requested_scope,
        course=course,
        department=department,
        date_from=date_from,
        date_to=date_to,
    )
    log(export, "wagtail.create", user=user)
    return export


@transaction.atomic
def certificate_export_start(*, export: CertificateExport, total: int) -> None:
    """The task starts (again) building ``export``: ``total`` certificates, none done yet."""
    CertificateExport.objects.filter(pk=export.pk).update(
        status=CertificateExport.Status.RUNNING, total=total, done=0, error=""
    )


@transaction.atomic
def certificate_export_progress(*, export: CertificateExport, done: int) -> None:
    """``done`` certificates are in the ZIP so far (the progress shown while it builds)."""
    CertificateExport.objects.filter(pk=export.pk).update(done=done)


@transaction.atomic
def certificate_export_finish(*, export: CertificateExport, done: int) -> None:
    """The ZIP of ``export`` is stored (``export.file``, saved by the task without the row):
    record it, with the number of certificates, as finished."""
    export.done = done
    export.status = CertificateExport.Status.DONE
    export.finished_at = timezone.now()
    export.save(update_fields=["file", "done", "status", "finished_at"])


@transaction.atomic
def certificate_export_fail(*, export: CertificateExport, error: str) -> None:
    """The task failed building ``export``: show 失敗 with what went wrong."""
    CertificateExport.objects.filter(pk=export.pk).update(
        status=CertificateExport.Status.FAILED, error=error[:1000]
    )


@transaction.atomic
def certificate_export_give_up(*, export_id: int) -> bool:
    """Mark the export ``export_id`` 失敗 when its task was given up without being able to
    say so itself; True when it did. A finished (or already failed) export stays as it is."""
    return bool(
        CertificateExport.objects.filter(
            pk=export_id,
            status__in=[CertificateExport.Status.QUEUED, CertificateExport.Status.RUNNING],
        ).update(status=CertificateExport.Status.FAILED, error=GIVEN_UP_ERROR)
    )


@transaction.atomic
def certificate_export_expire(*, export_id: int) -> bool:
    """Mark the export ``export_id`` 削除済み and delete its ZIP once that is committed (a
    crash never leaves a row pointing at nothing). True when there was a ZIP to delete."""
    export = CertificateExport.objects.select_for_update().get(pk=export_id)
    name = export.file.name
    export.file = ""
    export.status = CertificateExport.Status.EXPIRED
    export.save(update_fields=["file", "status"])
    if name:
        transaction.on_commit(lambda: export_storage.delete(name))
    return bool(name)
