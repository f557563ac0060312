from django.core.management.base import BaseCommand

from events import services


class Command(BaseCommand):
    help = (
        "明日の講座に申し込んだ人（メールアドレスを残した人）に、前日のお知らせを送ります"
        "（毎日 cron で実行。送った申し込みは記録するので、同じ日に再実行しても二重に送りません）。"
    )

    def handle(self, *args, **options):
        sent = services.course_reminders_send()
        self.stdout.write(f"前日のお知らせを送信：{sent} 件")
