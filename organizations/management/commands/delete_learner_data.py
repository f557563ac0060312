"""``manage.py delete_learner_data <learner ID | username | certificate code or serial> [--yes]``:
delete one person's personal data (answering a request for deletion). Completions stay for
statistics without the person; their certificates stay verifiable and show 「氏名非表示」."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from organizations.lookup import find_learner
from organizations.services import learner_delete


class Command(BaseCommand):
    help = "一人の受講者の個人情報を削除します（修了の統計と修了証の真正性確認は残ります）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "identifier", help="受講者ID（UUID）、ユーザー名、修了証の確認コードまたは番号"
        )
        parser.add_argument("--yes", action="store_true", help="確認せずに削除する")

    def handle(self, *args, identifier, yes, **options):
        learner = find_learner(identifier)
        if learner is None:
            raise CommandError(f"該当する受講者が見つかりません: {identifier}")
        label = f"受講者 {learner.public_id}" + (
            f"（{learner.user.get_username()}）" if learner.user_id else ""
        )
        if not yes:
            answer = input(f"{label} の個人情報を削除します。よろしいですか？ [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                raise CommandError("中止しました。")
        with transaction.atomic():
            learner_delete(learner=learner)
        self.stdout.write(self.style.SUCCESS(f"{label} の個人情報を削除しました。"))
