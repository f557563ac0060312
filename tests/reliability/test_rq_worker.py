"""The Redis task queue (``TASKS_BACKEND=rq``, ``base/task_queue.py``) when its worker dies.

A real RQ worker (``manage.py task_worker``) on a redis-server of this test alone builds a bulk
certificate export; it is killed with SIGKILL half-way, work horse and all, as a crash or a
lost node would. Without a retry policy (what django-tasks-rq gives) the job would end as
failed; with ``RetryingQueue`` RQ's maintenance in another worker finds it abandoned (its
heartbeat stopped ``job_monitoring_interval`` + 60 s ago) and runs it again, and the export is
built whole, once.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rq.job import Job
from rq.registry import StartedJobRegistry

from certificates.models import CertificateExport
from tests.reliability.support import OwnRedis
from tests.reliability.test_task_interruption import (
    ROOT,
    _database_url,
    city_with_certificates,
    stored_zips,
    zip_names,
)

pytestmark = pytest.mark.skipif(
    subprocess.run(["which", "redis-server"], capture_output=True).returncode != 0,  # noqa: S607
    reason="needs redis-server",
)


def run_rq_worker(redis: OwnRedis, media: Path, *args: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.reliability.rq_worker_settings",
        "DATABASE_URL": _database_url(),
        "RELIABILITY_MEDIA_ROOT": str(media.parent / "media"),
        "RELIABILITY_EXPORT_ROOT": str(media),
        "RELIABILITY_RQ_URL": redis.url,
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(  # noqa: S603 - this project's worker module, fixed arguments
        [sys.executable, "-m", "tests.reliability.worker", *args],
        env=env,
        cwd=ROOT,
    )


def kill_with_children(process: subprocess.Popen) -> None:
    """SIGKILL ``process`` and every process it started. RQ's work horse (the fork that runs
    the job) leaves its parent's process group (``setsid``), so it is found by parent id."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == process.pid:  # the parent pid
            children.append(int(stat.parent.name))
    for pid in [*children, process.pid]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def own_redis():
    server = OwnRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rq_job_of_a_killed_worker_runs_again_on_another_and_finishes_once(
    postgres_only, media, own_redis
):
    user, expected = city_with_certificates(12)
    export = CertificateExport.objects.create(requested_by=user)
    worker = run_rq_worker(own_redis, media, str(export.pk), "--slow", "0.3")
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and worker.poll() is None:
            if CertificateExport.objects.get(pk=export.pk).done >= 4:
                break
            time.sleep(0.1)
        assert worker.poll() is None, "the worker finished before it could be killed"
        kill_with_children(worker)  # no clean-up: a crash, an OOM kill, a lost node
    finally:
        if worker.poll() is None:
            kill_with_children(worker)
        worker.wait(timeout=30)

    export.refresh_from_db()
    assert export.status == "running" and 4 <= export.done < 12
    assert stored_zips(media) == []
    client = own_redis.client()
    (job_id,) = StartedJobRegistry("default", connection=client).get_job_ids()
    assert Job.fetch(job_id, connection=client).retries_left == 2  # TASK_MAX_ATTEMPTS = 3

    # A second worker: its maintenance (every 2 s here) finds the job abandoned once the dead
    # worker's heartbeat has expired, queues it again, and runs it.
    second = run_rq_worker(own_redis, media)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            export.refresh_from_db()
            if export.status == "done":
                break
            time.sleep(0.5)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    assert (export.status, export.done, export.total) == ("done", 12, 12)
    assert zip_names(export) == expected
    assert stored_zips(media) == [Path(export.file.name).name]
    job = Job.fetch(job_id, connection=client)
    assert job.get_status() == "finished" and job.retries_left == 1  # run twice, not more
