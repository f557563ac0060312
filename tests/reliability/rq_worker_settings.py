"""Settings of a real RQ task worker (``manage.py task_worker``) started by the Redis-queue
interruption test: the interruption tests' worker settings, with the Redis queue of the
test's own redis-server (``RELIABILITY_RQ_URL``)."""

import os

from tests.reliability.worker_settings import *  # noqa: F403

TASKS = {"default": {"BACKEND": TASK_BACKENDS["rq"]}}  # noqa: F405
INSTALLED_APPS = [*INSTALLED_APPS, "django_rq"]  # noqa: F405
RQ_QUEUES = {"default": {**RQ_QUEUES["default"], "URL": os.environ["RELIABILITY_RQ_URL"]}}  # noqa: F405
RQ_MAINTENANCE_SECONDS = 2
