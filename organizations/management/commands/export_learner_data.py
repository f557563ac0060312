"""``manage.py export_learner_data <learner ID | username | certificate code or serial>``:
everything kept about one person, as JSON (answering a request for disclosure, 開示請求)."""

import json

from django.core.management.base import BaseCommand, CommandError

from organizations.lookup import find_learner
from organizations.services import learner_export


class Command(BaseCommand):
    help = "一人の受講者について保存しているすべての情報を JSON で出力します。"

    def add_arguments(self, parser):
        parser.add_argument(
            "identifier", help="受講者ID（UUID）、ユーザー名、修了証の確認コードまたは番号"
        )

    def handle(self, *args, identifier, **options):
        learner = find_learner(identifier)
        if learner is None:
            raise CommandError(f"該当する受講者が見つかりません: {identifier}")
        self.stdout.write(json.dumps(learner_export(learner=learner), ensure_ascii=False, indent=2))
