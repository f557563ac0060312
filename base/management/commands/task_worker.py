"""``manage.py task_worker``: run the task worker of the configured queue (``TASKS_BACKEND``).

One command whatever the backend: ``database`` runs django-tasks-db's ``db_worker``; ``rq``
runs an RQ worker on the Redis queue (``base.task_queue``). With ``immediate`` (development)
tasks run inside the request and there is nothing to run.
"""

import django_rq
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from base.task_queue import TaskWorker


class Command(BaseCommand):
    help = "設定されたタスクキュー（TASKS_BACKEND）のワーカーを起動します。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--burst",
            action="store_true",
            help="キューが空になったら終了する（テスト・一括処理用）",
        )

    def handle(self, *args, **options):
        backend = settings.TASKS["default"]["BACKEND"]
        if backend == settings.TASK_BACKENDS["database"]:
            extra = ["--batch"] if options["burst"] else []
            call_command("db_worker", *extra)
        elif backend == settings.TASK_BACKENDS["rq"]:
            worker = django_rq.get_worker(
                *settings.RQ_QUEUES, job_class="django_tasks_rq.Job", worker_class=TaskWorker
            )
            worker.work(burst=options["burst"], with_scheduler=True)
        else:
            raise CommandError(
                "TASKS_BACKEND が immediate（開発用）なので、タスクはリクエストの中で実行されます。"
                "ワーカーは不要です。"
            )
