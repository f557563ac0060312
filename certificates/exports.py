"""Bulk export of certificates as one ZIP: which certificates, the task that builds it, and
the retention that deletes it again. Its writes are ``certificates.services.exports``."""

import dataclasses
import datetime
import tempfile
import zipfile

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from organizations.scopes import scope_for_user

from .models import Certificate, CertificateExport
from .rendering import certificate_pdf, wording_read_once
from .services.exports import (
    certificate_export_expire,
    certificate_export_fail,
    certificate_export_finish,
    certificate_export_give_up,
    certificate_export_progress,
    certificate_export_record,
    certificate_export_start,
)
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


def certificate_export_request(
    *, user, course=None, department=None, date_from=None, date_to=None
) -> CertificateExport:
    """Record an export (``services.exports.certificate_export_record``) and queue the task
    that builds it once the record is committed (``transaction.on_commit``)."""
    export = certificate_export_record(
        user=user,
        requested_scope=scope_key(scope_for_user(user)),
        course=course,
        department=department,
        date_from=date_from,
        date_to=date_to,
    )
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
    certificate_export_start(export=export, total=total)
    done = 0
    try:
        with tempfile.TemporaryFile() as buffer, wording_read_once():
            with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
                for certificate in certificates.iterator(chunk_size=200):
                    # PDFs are already compressed; storing them keeps the task fast.
                    archive.writestr(f"{certificate.serial}.pdf", certificate_pdf(certificate))
                    done += 1
                    if done % PROGRESS_EVERY == 0:
                        certificate_export_progress(export=export, done=done)
            buffer.seek(0)
            export.refresh_from_db()
            # The storage is private and the name random (certificates/storage.py).
            export.file.save("certificates.zip", File(buffer), save=False)
        certificate_export_finish(export=export, done=done)
    except Exception as exc:
        certificate_export_fail(export=export, error=str(exc))
        raise
    return done


def given_up_export_id(task_result) -> int | None:
    """The export of a FAILED ``build_certificate_export`` run, which may not have been able
    to mark it failed itself (its worker died); None for any other task result."""
    if task_result.status != "FAILED" or task_result.task.func is not build_certificate_export.func:
        return None
    if not task_result.args:
        return None
    return task_result.args[0]


def export_task_given_up(task_result) -> bool:
    """Mark the export of a FAILED ``build_certificate_export`` run 失敗 if the task could not
    do so itself (its worker died); True when it did. A task that raised has already marked it,
    and a finished export stays as it is."""
    export_id = given_up_export_id(task_result)
    if export_id is None:
        return False
    return certificate_export_give_up(export_id=export_id)


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
        count += certificate_export_expire(export_id=pk)
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
