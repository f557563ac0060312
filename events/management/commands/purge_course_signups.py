from django.core.management.base import BaseCommand

from events import services


class Command(BaseCommand):
    help = (
        "講座の申し込みのメールアドレスを講座の終了後に削除し、申し込みそのものを"
        "終了から --days 日後に削除します。同じ日数の後、受付（チェックイン）のブラウザの記録"
        "（クッキーのハッシュ）と、講座のアンケートの感想（自由記述）も消します（毎日 cron で実行）。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=services.SIGNUP_RETENTION_DAYS,
            help="申し込み（ニックネーム）を講座の終了後に残す日数",
        )

    def handle(self, *args, days, **options):
        emails, signups = services.course_signups_purge(retention_days=days)
        browsers = services.check_in_browsers_purge(retention_days=days)
        comments = services.questionnaire_comments_purge(retention_days=days)
        self.stdout.write(
            f"メールアドレスを削除：{emails} 件、申し込みを削除：{signups} 件、"
            f"受付のブラウザの記録を削除：{browsers} 件、アンケートの感想を削除：{comments} 件"
        )
