"""``python manage.py requeue_stale_tasks [--lease SECONDS] [--every SECONDS]``: give back to
the database queue the tasks whose worker died (base/task_lease.py)."""

import time

from django.core.management.base import BaseCommand, CommandError

from base.task_lease import stale_tasks_requeue


class Command(BaseCommand):
    help = "ワーカーが停止した実行中タスクをキューに戻します（データベースキュー）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--lease",
            type=float,
            default=None,
            help="この秒数、応答のないタスクを戻す（既定: TASK_LEASE_SECONDS）",
        )
        parser.add_argument(
            "--every",
            type=float,
            default=None,
            help="cron の代わりに、この秒数ごとに繰り返す",
        )

    def handle(self, *args, lease, every, **options):
        if lease is not None and lease <= 0:
            raise CommandError("--lease は 0 より大きい秒数で指定してください。")
        if every is not None and every <= 0:
            raise CommandError("--every は 0 より大きい秒数で指定してください。")
        while True:
            result = stale_tasks_requeue(lease_seconds=lease)
            self.stdout.write(
                f"再投入 {len(result.requeued)} 件、失敗として記録 {len(result.failed)} 件"
            )
            if every is None:
                return
            time.sleep(every)
