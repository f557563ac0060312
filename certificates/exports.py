"""Bulk export of certificates as one ZIP: which certificates, the task that builds it, and
the retention that deletes it again."""

import dataclasses
import datetime
import tempfile
import zipfile

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django_tasks import task
from wagtail.log_actions import log

from organizations.scopes import scope_for_user

from .models import Certificate, CertificateExport
from .rendering import certificate_pdf, wording_read_once
from .storage import export_storage

PROGRESS_EVERY = 10


def scope_key(scope) -> str:
    """An area scope as a short string, to remember which area an export was made for."""
    if scope is None:
        return ""
    return "|".join(str(value or "") for value in dataclasses.astuple(scope))


def export_queryset(export: CertificateExport):
    """The certificates an export covers, never beyond its requester's area."""
    scope = scope_for_user(export.requested_by)
    if scope is None:
        return Certificate.objects.none()
    certificates = scope.filter(
        Certificate.objects.select_related("completion__course"),
        field="completion__municipality",
    ).filter(revoked_at__isnull=True)
    # A department manager (管理監督者) exports only their own department's staff.
    certificates = scope.filter_departments(certificates, field="completion__learner__department")
    if export.course_id:
        certificates = certificates.filter(completion__course_id=export.course_id)
    if export.department_id:
        certificates = certificates.filter(completion__learner__department_id=export.department_id)
    if export.date_from:
        certificates = certificates.filter(completion__completed_on__gte=export.date_from)
    if export.date_to:
        certificates = certificates.filter(completion__completed_on__lte=export.date_to)
    return certificates.order_by("serial")


@transaction.atomic
def certificate_export_request(
    *, user, course=None, department=None, date_from=None, date_to=None
) -> CertificateExport:
    """Record an export and queue the task that builds it (after the transaction commits)."""
    scope = scope_for_user(user)
    export = CertificateExport.objects.create(
        requested_by=user,
        requested_scope=scope_key(scope),
        course=course,
        department=department,
        date_from=date_from,
        date_to=date_to,
    )
    log(export, "wagtail.create", user=user)
    transaction.on_commit(lambda: build_certificate_export.enqueue(export.pk))
    return export


@task()
def build_certificate_export(export_id: int) -> int:
    """Render every certificate of the export into a ZIP, updating progress as it goes.

    Safe to run again after a crash: the ZIP is built afresh, so nothing is duplicated, and a
    finished export is left as it is. Returns the number of certificates in the ZIP.
    """
    export = CertificateExport.objects.get(pk=export_id)
    if export.status == CertificateExport.Status.DONE:
        return export.done
    certificates = export_queryset(export)
    total = certificates.count()
    CertificateExport.objects.filter(pk=export.pk).update(
        status=CertificateExport.Status.RUNNING, total=total, done=0, error=""
    )
    done = 0
    try:
        with tempfile.TemporaryFile() as buffer, wording_read_once():
            with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
                for certificate in certificates.iterator(chunk_size=200):
                    # PDFs are already compressed; storing them keeps the task fast.
                    archive.writestr(f"{certificate.serial}.pdf", certificate_pdf(certificate))
                    done += 1
                    if done % PROGRESS_EVERY == 0:
                        CertificateExport.objects.filter(pk=export.pk).update(done=done)
            buffer.seek(0)
            export.refresh_from_db()
            # The storage is private and the name random (certificates/storage.py).
            export.file.save("certificates.zip", File(buffer), save=False)
        export.done = done
        export.status = CertificateExport.Status.DONE
        export.finished_at = timezone.now()
        export.save(update_fields=["file", "done", "status", "finished_at"])
    except Exception as exc:
        CertificateExport.objects.filter(pk=export.pk).update(
            status=CertificateExport.Status.FAILED, error=str(exc)[:1000]
        )
        raise
    return done


def export_task_given_up(task_result) -> bool:
    """Mark the export of a FAILED ``build_certificate_export`` run 失敗 if the task could not
    do so itself (its worker died); True when it did. A task that raised has already marked it,
    and a finished export stays as it is."""
    if task_result.status != "FAILED" or task_result.task.func is not build_certificate_export.func:
        return False
    if not task_result.args:
        return False
    return bool(
        CertificateExport.objects.filter(
            pk=task_result.args[0],
            status__in=[CertificateExport.Status.QUEUED, CertificateExport.Status.RUNNING],
        ).update(
            status=CertificateExport.Status.FAILED,
            error="作成中に処理が繰り返し停止したため中止しました。もう一度作成してください。",
        )
    )


def certificate_exports_purge(*, days: int | None = None, now=None) -> int:
    """Delete the ZIPs of exports finished more than ``days`` ago (default
    ``CERTIFICATE_EXPORT_RETENTION_DAYS``), and ZIPs of that age no export points at; returns
    how many ZIPs were deleted.

    The export row stays, marked 削除済み, as the record of who exported what and when; its
    download answers 404 from then on. Each export is its own transaction, and its file is
    deleted only after the row says so, so a crash never leaves a row pointing at nothing.
    """
    days = settings.CERTIFICATE_EXPORT_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    # Failed and queued exports older than the cutoff may still hold a partial file.
    stale = CertificateExport.objects.exclude(status=CertificateExport.Status.EXPIRED).filter(
        created_at__lt=cutoff
    )
    stale = stale.exclude(status=CertificateExport.Status.DONE) | stale.filter(
        status=CertificateExport.Status.DONE, finished_at__lt=cutoff
    )
    count = 0
    for pk in stale.values_list("pk", flat=True):
        with transaction.atomic():
            export = CertificateExport.objects.select_for_update().get(pk=pk)
            name = export.file.name
            export.file = ""
            export.status = CertificateExport.Status.EXPIRED
            export.save(update_fields=["file", "status"])
            if name:
                transaction.on_commit(lambda name=name: export_storage.delete(name))
                count += 1
    return count + _purge_orphans(cutoff)


def _purge_orphans(cutoff) -> int:
    """ZIPs no export points at (a crash between writing the file and recording it), once they
    are older than the retention period too."""
    try:
        _directories, files = export_storage.listdir("")
    except FileNotFoundError:  # nothing exported yet
        return 0
    referenced = set(CertificateExport.objects.exclude(file="").values_list("file", flat=True))
    count = 0
    for name in files:
        if name not in referenced and export_storage.get_modified_time(name) < cutoff:
            export_storage.delete(name)
            count += 1
    return count
