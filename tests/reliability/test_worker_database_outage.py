"""The database queue's worker while its PostgreSQL restarts (docs/reliability.md, "Faults").

``django_tasks_db``'s own ``db_worker`` exits at the first database error after a restart, and
nothing is run until someone starts it again. ``manage.py task_worker`` (base/db_worker.py)
waits for the database and carries on. The PostgreSQL is a private cluster of the test, so the
restart disturbs nobody else; it is removed at the end, on failure too.
"""

import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import time

import pytest
from django.utils import timezone
from django_tasks.signals import task_started
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from base.models import TaskHeartbeat
from base.task_lease import heartbeat_abandon, stale_tasks_requeue
from tests.reliability.load import ROOT


@pytest.fixture
def worker_env(private_postgres, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.reliability.worker_settings",
        "DATABASE_URL": private_postgres.url,
        "RELIABILITY_MEDIA_ROOT": str(tmp_path / "media"),
        "RELIABILITY_EXPORT_ROOT": str(tmp_path / "exports"),
        # Short pauses, so that the test does not wait for the production backoff.
        "TASK_WORKER_RETRY_SECONDS": "0.2",
        "TASK_WORKER_RETRY_MAX_SECONDS": "1",
        "PYTHONPATH": str(ROOT),
    }
    run(env, "manage.py", "migrate", "--noinput", "-v0")
    return env


def run(env: dict, *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - this project's own scripts, fixed arguments
        [sys.executable, *args], env=env, cwd=ROOT, check=True, capture_output=True, text=True,
        timeout=180,
    )  # fmt: skip
    return done.stdout.strip()


def enqueue(env: dict) -> str:
    return run(env, "-m", "tests.reliability.queue_probe", "enqueue").splitlines()[-1]


def wait_for_status(env: dict, task_id: str, expected: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        status = run(env, "-m", "tests.reliability.queue_probe", "status", task_id)
        if status == expected:
            return
        time.sleep(0.3)
    raise AssertionError(f"task {task_id} is {status}, not {expected}, after {timeout} s")


def test_worker_keeps_running_through_a_postgres_restart(private_postgres, worker_env):
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
    worker = subprocess.Popen(  # noqa: S603 - manage.py task_worker, fixed arguments
        [sys.executable, "manage.py", "task_worker", "--interval", "0.1"],
        env=worker_env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    def output() -> str:
        log.seek(0)
        return log.read().decode("utf-8", "replace")

    try:
        wait_for_status(worker_env, enqueue(worker_env), "SUCCESSFUL")

        private_postgres.stop("fast")  # every session ended, as a restart or failover does
        time.sleep(2)  # the worker polls every 0.1 s: it meets the outage many times
        assert worker.poll() is None, output()
        private_postgres.start()

        wait_for_status(worker_env, enqueue(worker_env), "SUCCESSFUL")
        assert worker.poll() is None, output()
        assert "lost its database" in output()
        assert "reconnected to its database" in output()
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        log.close()
    # SIGTERM still stops it at once and cleanly.
    assert worker.returncode == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_task_cut_off_by_an_outage_stops_beating_and_is_requeued_after_its_lease(settings):
    """What ``OutageSurvivingWorker.run_task`` does when the database went away under a task:
    the worker lives on, but its task must not look alive to the sweep."""
    settings.TASK_HEARTBEAT_SECONDS = 0.05
    row = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="courses.tasks.send_training_reminders",
        backend_name="default",
        run_after=get_date_max(),
    )
    row.claim("worker-a")
    task_started.send(sender=DatabaseBackend, task_result=row.task_result)

    def last_beat():
        return TaskHeartbeat.objects.get(task_id=row.pk).beat_at

    first = last_beat()
    deadline = time.monotonic() + 10
    while last_beat() == first and time.monotonic() < deadline:
        time.sleep(0.05)
    assert last_beat() > first  # beating while the task runs

    heartbeat_abandon(row.pk)
    abandoned = last_beat()
    time.sleep(0.3)
    assert last_beat() == abandoned  # no more beats, and the row is left for the sweep

    later = timezone.now() + dt.timedelta(seconds=10)
    assert stale_tasks_requeue(lease_seconds=5, now=later).requeued == [row.pk]
    assert DBTaskResult.objects.get(pk=row.pk).status == "READY"
