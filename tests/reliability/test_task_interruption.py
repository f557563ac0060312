"""Background work cut off half-way, then run again: nothing is done twice
(docs/reliability.md, "Faults")."""

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from unittest import mock
from urllib.parse import quote

import pytest
from django.core import mail
from django.db import connection
from django_tasks_db.models import DBTaskResult

from base.models import TaskHeartbeat
from base.task_lease import stale_tasks_requeue
from certificates import exports
from certificates.models import Certificate, CertificateExport
from courses import services as course_services
from courses.models import TrainingReminder
from courses.tasks import send_training_reminders
from organizations.models import AdminScope, Learner
from tests import factories
from tests.courses.staff_helpers import assign, roster, staff_course

ROOT = Path(__file__).resolve().parents[2]


def city_with_certificates(count: int):
    """``count`` certificates of 大阪市 and the municipal administrator who may export them."""
    osaka = factories.municipality("271004", "大阪市")
    lesson = factories.lessons_of(factories.course(lessons=1))[0]
    for i in range(count):
        learner = Learner.objects.create(municipality=osaka, display_name=f"受講者{i}")
        course_services.enrollment_complete_lesson(learner=learner, lesson=lesson)
    user = factories.user()
    AdminScope.objects.create(user=user, level="municipality", municipality=osaka)
    expected = sorted(
        f"{serial}.pdf" for serial in Certificate.objects.values_list("serial", flat=True)
    )
    return user, expected


def zip_names(export) -> list[str]:
    with export.file.open("rb") as handle:
        return sorted(zipfile.ZipFile(io.BytesIO(handle.read())).namelist())


def stored_zips(media: Path) -> list[str]:
    return sorted(path.name for path in media.rglob("*.zip"))


@pytest.mark.django_db
def test_export_that_fails_half_way_is_rebuilt_whole_by_the_next_run(media):
    user, expected = city_with_certificates(12)
    export = CertificateExport.objects.create(requested_by=user)
    render = exports.certificate_pdf
    rendered = []

    def failing_render(certificate):
        rendered.append(certificate.serial)
        if len(rendered) == 11:
            raise OSError("disk full")
        return render(certificate)

    with mock.patch.object(exports, "certificate_pdf", failing_render), pytest.raises(OSError):
        exports.build_certificate_export.call(export.pk)
    export.refresh_from_db()
    assert (export.status, export.done, export.total) == ("failed", 10, 12)
    assert "disk full" in export.error
    assert stored_zips(media) == []  # no half ZIP offered for download

    assert exports.build_certificate_export.call(export.pk) == 12
    export.refresh_from_db()
    assert (export.status, export.done, export.total) == ("done", 12, 12)
    assert zip_names(export) == expected
    assert stored_zips(media) == [Path(export.file.name).name]
    assert stored_zips(media.parent / "media") == []  # nothing public


def run_worker(export_id: int | None, media: Path, *, slow: float = 0) -> subprocess.Popen:
    """A real worker process; it queues the export first unless ``export_id`` is None."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.reliability.worker_settings",
        "DATABASE_URL": _database_url(),
        "RELIABILITY_MEDIA_ROOT": str(media.parent / "media"),
        "RELIABILITY_EXPORT_ROOT": str(media),
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "tests.reliability.worker", "--burst"]
    if export_id is not None:
        command.append(str(export_id))
    if slow:
        command += ["--slow", str(slow)]
    return subprocess.Popen(command, env=env, cwd=ROOT)  # noqa: S603 - fixed arguments


def _database_url() -> str:
    """The URL of the test database this test runs on (the worker must see the same rows)."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        user += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{user}@{host}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_export_worker_killed_half_way_is_requeued_and_finished_once_by_another_worker(
    postgres_only, media
):
    user, expected = city_with_certificates(25)
    export = CertificateExport.objects.create(requested_by=user)
    lease = 2.0  # seconds; the worker beats every 0.5 s (worker_settings.py)
    worker = run_worker(export.pk, media, slow=0.3)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and worker.poll() is None:
            if CertificateExport.objects.get(pk=export.pk).done >= 10:
                break
            time.sleep(0.1)
        assert worker.poll() is None, "the worker finished before it could be killed"
        # Running for ≥ 3 s, longer than the lease, but beating: a sweep leaves it alone.
        assert stale_tasks_requeue(lease_seconds=lease).requeued == []
        assert list(DBTaskResult.objects.values_list("status", flat=True)) == ["RUNNING"]
        worker.send_signal(signal.SIGKILL)  # no clean-up: a crash, an OOM kill, a lost node
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait(timeout=30)

    export.refresh_from_db()
    assert export.status == "running" and 10 <= export.done < 25
    assert stored_zips(media) == []
    (task,) = DBTaskResult.objects.all()
    assert task.status == "RUNNING"  # the package alone leaves it so for ever

    # The sweep (cron: manage.py requeue_stale_tasks) gives it back once the lease has passed
    # without a heartbeat; two sweeps re-queue it once.
    deadline = time.monotonic() + 30
    requeued = []
    while time.monotonic() < deadline and not requeued:
        time.sleep(0.5)
        requeued = stale_tasks_requeue(lease_seconds=lease).requeued
    assert requeued == [task.pk]
    assert stale_tasks_requeue(lease_seconds=lease).requeued == []
    task.refresh_from_db()
    assert task.status == "READY"

    # Another worker, which queues nothing itself, takes it and builds the export whole, once.
    second = run_worker(None, media)
    assert second.wait(timeout=120) == 0
    # (Saving the export also queues Wagtail's reference index update: not counted here.)
    (task,) = DBTaskResult.objects.filter(task_path=task.task_path)
    assert task.status == "SUCCESSFUL" and task.return_value == 25
    assert len(task.worker_ids) == 2 and task.worker_ids[0] != task.worker_ids[1]
    assert not TaskHeartbeat.objects.exists()
    export.refresh_from_db()
    assert (export.status, export.done, export.total) == ("done", 25, 25)
    assert zip_names(export) == expected
    assert stored_zips(media) == [Path(export.file.name).name]
    assert stored_zips(media.parent / "media") == []  # nothing public


@pytest.fixture
def overdue_staff(db, settings):
    settings.TRAINING_MANAGER_ESCALATION_DAYS = 7
    osaka = factories.municipality("271004", "大阪市")
    roster(osaka, [(f"{1000 + i}", f"職員 {i}", "福祉局") for i in range(6)])
    assign(osaka, staff_course(), starts_on=dt.date(2025, 6, 1), due_on=dt.date(2025, 6, 30))


def test_reminders_cut_off_by_a_mail_failure_are_sent_by_the_next_run_once(overdue_staff):
    real_send = mail.EmailMessage.send
    attempts = []

    def send_then_fail(message, *args, **kwargs):
        attempts.append(message.to[0])
        if len(attempts) == 3:
            raise ConnectionError("SMTP server went away")
        return real_send(message, *args, **kwargs)

    with (
        mock.patch.object(mail.EmailMessage, "send", send_then_fail),
        pytest.raises(ConnectionError),
    ):
        send_training_reminders.call("2025-07-01")
    assert len(mail.outbox) == 2
    # The run stopped at the failure: the one it was sending gave its claim back, the three
    # after it were never claimed.
    reminders = TrainingReminder.objects.filter(kind=TrainingReminder.Kind.OVERDUE)
    assert reminders.filter(sent_at__isnull=False).count() == 2
    assert reminders.count() == 3

    # The next run (the queue's retry, the next day's cron or the operator) sends the other
    # four, and nobody gets a second email, however often it runs again.
    send_training_reminders.call("2025-07-01")
    send_training_reminders.call("2025-07-02")
    recipients = [message.to[0] for message in mail.outbox]
    assert len(recipients) == len(set(recipients)) == 6
    assert reminders.count() == reminders.filter(sent_at__isnull=False).count() == 6
    assert reminders.get(assignee__staff_member__email=attempts[2]).attempts == 2
