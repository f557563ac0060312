"""The sweep that gives back to the database queue the tasks whose worker died
(base/task_lease.py); the real worker killed with SIGKILL is in test_task_interruption.py."""

import datetime as dt
import threading

import pytest
from django.core import checks
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from base.models import TaskHeartbeat
from base.task_lease import stale_tasks_requeue
from certificates.models import CertificateExport
from tests import factories

EXPORT = "certificates.exports.build_certificate_export"
RESET = "organizations.password_reset.send_password_reset"


def running(task_path=EXPORT, *, started_seconds_ago=600, workers=("worker-a",), args=(1,)):
    """A queue row claimed by ``workers`` (the last one runs it), started that long ago."""
    row = DBTaskResult.objects.create(
        args_kwargs={"args": list(args), "kwargs": {}},
        task_path=task_path,
        backend_name="default",
        run_after=get_date_max(),
    )
    for worker in workers:
        row.claim(worker)
    DBTaskResult.objects.filter(pk=row.pk).update(
        started_at=timezone.now() - dt.timedelta(seconds=started_seconds_ago)
    )
    return row


def beat(row, worker="worker-a", seconds_ago=0):
    TaskHeartbeat.objects.create(
        task_id=row.pk,
        worker_id=worker,
        beat_at=timezone.now() - dt.timedelta(seconds=seconds_ago),
    )


def status(row) -> str:
    return DBTaskResult.objects.get(pk=row.pk).status


@pytest.fixture(autouse=True)
def lease(settings):
    settings.TASK_LEASE_SECONDS = 300
    settings.TASK_MAX_ATTEMPTS = 3


@pytest.mark.django_db
def test_task_whose_worker_stopped_beating_goes_back_to_the_queue_once():
    dead = running()
    beat(dead, seconds_ago=400)
    never_beat = running()

    result = stale_tasks_requeue()

    assert sorted(result.requeued) == sorted([dead.pk, never_beat.pk])
    assert status(dead) == status(never_beat) == "READY"
    assert DBTaskResult.objects.ready().count() == 2  # a worker takes them as any new task
    assert DBTaskResult.objects.get(pk=dead.pk).worker_ids == ["worker-a"]  # history kept
    assert not TaskHeartbeat.objects.exists()
    assert stale_tasks_requeue().requeued == []  # a second sweep finds nothing


@pytest.mark.django_db
def test_task_of_a_live_worker_or_within_its_lease_is_left_running():
    slow_but_alive = running(started_seconds_ago=3600)
    beat(slow_but_alive, seconds_ago=10)
    just_started = running(started_seconds_ago=5)  # no beat yet: still within the lease
    finished = running()
    finished.set_successful(7)

    assert stale_tasks_requeue().requeued == []
    assert status(slow_but_alive) == status(just_started) == "RUNNING"
    assert status(finished) == "SUCCESSFUL"


@pytest.mark.django_db
def test_heartbeat_of_an_earlier_worker_does_not_keep_a_rerun_alive():
    row = running(workers=("worker-a", "worker-b"))
    beat(row, worker="worker-a")  # left behind by the first, dead run

    assert stale_tasks_requeue().requeued == [row.pk]


@pytest.mark.django_db
def test_task_that_keeps_killing_its_worker_is_failed_after_max_attempts():
    row = running(workers=("w1", "w2", "w3"))

    result = stale_tasks_requeue()

    assert (result.requeued, result.failed) == ([], [row.pk])
    row.refresh_from_db()
    assert row.status == "FAILED" and row.finished_at is not None
    assert row.exception_class_path == "base.task_lease.WorkerLost"
    assert "3回" in row.traceback


@pytest.mark.django_db
def test_export_given_up_shows_failed_to_its_administrator(django_capture_on_commit_callbacks):
    export = CertificateExport.objects.create(
        requested_by=factories.user(), status=CertificateExport.Status.RUNNING, done=470
    )
    done = CertificateExport.objects.create(
        requested_by=factories.user(), status=CertificateExport.Status.DONE
    )
    running(args=[export.pk], workers=("w1", "w2", "w3"))
    running(args=[done.pk], workers=("w1", "w2", "w3"))

    with django_capture_on_commit_callbacks(execute=True):
        assert len(stale_tasks_requeue().failed) == 2

    export.refresh_from_db()
    assert export.status == "failed" and "もう一度作成してください" in export.error
    done.refresh_from_db()
    assert done.status == "done"  # a finished export is never marked failed


@pytest.mark.django_db
def test_password_reset_cut_off_is_failed_not_sent_again():
    row = running(RESET)

    assert stale_tasks_requeue().failed == [row.pk]
    assert status(row) == "FAILED"


@pytest.mark.django_db
def test_command_reports_what_it_did_and_refuses_a_bad_lease(capsys):
    running(started_seconds_ago=120)

    call_command("requeue_stale_tasks")
    assert "再投入 0 件" in capsys.readouterr().out
    call_command("requeue_stale_tasks", "--lease", "60")
    assert "再投入 1 件、失敗として記録 0 件" in capsys.readouterr().out
    with pytest.raises(CommandError, match="0 より大きい"):
        call_command("requeue_stale_tasks", "--lease", "0")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_never_take_the_same_task(postgres_only):
    row = running()
    locked, release = threading.Event(), threading.Event()

    def other_sweep_holding_the_row():
        try:
            with transaction.atomic():
                DBTaskResult.objects.select_for_update().get(pk=row.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    other = threading.Thread(target=other_sweep_holding_the_row)
    other.start()
    try:
        assert locked.wait(timeout=30)
        # The row another sweep holds is skipped, not waited for and not re-queued twice.
        assert stale_tasks_requeue().requeued == []
    finally:
        release.set()
        other.join(timeout=30)
    assert stale_tasks_requeue().requeued == [row.pk]


def test_lease_shorter_than_two_heartbeats_is_refused(settings):
    settings.TASK_HEARTBEAT_SECONDS = 30
    settings.TASK_LEASE_SECONDS = 45
    errors = checks.run_checks()
    assert "elearning.E002" in [error.id for error in errors]
    settings.TASK_LEASE_SECONDS = 300
    assert "elearning.E002" not in [error.id for error in checks.run_checks()]
