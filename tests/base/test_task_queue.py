"""The retry policy of the Redis task queue (``base/task_queue.py``), on a real redis-server
of this test alone (the interruption itself: tests/reliability/test_rq_worker.py)."""

import shutil

import pytest
from rq.job import Job

from base.task_queue import RetryingQueue
from tests.reliability.support import OwnRedis

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")


@pytest.fixture
def queue():
    server = OwnRedis()
    server.start()
    try:
        yield RetryingQueue("default", connection=server.client())
    finally:
        server.stop()


def test_jobs_get_the_attempts_of_task_max_attempts(queue, settings):
    settings.TASK_MAX_ATTEMPTS = 3
    job = queue.enqueue_call("certificates.exports.build_certificate_export", args=(1,))
    assert Job.fetch(job.id, connection=queue.connection).retries_left == 2


def test_password_reset_mail_is_never_run_twice(queue, settings):
    settings.TASK_MAX_ATTEMPTS = 3
    job = queue.enqueue_call("organizations.password_reset.send_password_reset", args=("a@b.jp",))
    assert not Job.fetch(job.id, connection=queue.connection).retries_left


def test_one_attempt_means_no_retry(queue, settings):
    settings.TASK_MAX_ATTEMPTS = 1
    job = queue.enqueue_call("certificates.exports.build_certificate_export", args=(1,))
    assert not Job.fetch(job.id, connection=queue.connection).retries_left
