"""``manage.py task_worker``: run the task worker of the configured queue (``TASKS_BACKEND``).

One command whatever the backend: ``database`` runs django-tasks-db's ``db_worker`` loop in a
worker that waits for its database through an outage instead of exiting
(``base.db_worker``); ``rq`` runs an RQ worker on the Redis queue (``base.task_queue``). With ``immediate`` (development)
tasks run inside the request and there is nothing to run.
"""

import django_rq
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.crypto import get_random_string
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from base.db_worker import OutageSurvivingWorker
from base.task_queue import TaskWorker


class Command(BaseCommand):
    help = "設定されたタスクキュー（TASKS_BACKEND）のワーカーを起動します。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--burst",
            action="store_true",
            help="キューが空になったら終了する（テスト・一括処理用）",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="データベースのキュー: 空のときに次を確認するまでの秒数（既定 1）",
        )

    def handle(self, *args, **options):
        backend = settings.TASKS["default"]["BACKEND"]
        if backend == settings.TASK_BACKENDS["database"]:
            # db_worker's loggers at the verbosity asked (base.db_worker logs through root).
            DbWorkerCommand(stdout=self.stdout).configure_logging(options["verbosity"])
            worker = OutageSurvivingWorker(
                queue_names=[DEFAULT_TASK_QUEUE_NAME],
                interval=options["interval"],
                batch=options["burst"],
                backend_name=DEFAULT_TASK_BACKEND_ALIAS,
                startup_delay=not options["burst"],
                max_tasks=None,
                worker_id=get_random_string(32),
                excluded_queue_names=[],
            )
            worker.configure_signals()
            worker.run()
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
