"""Load all 47 prefectures and 1,916 local governments from the committed CC0 data files."""

from pathlib import Path

from django.core.management.base import BaseCommand

from organizations.services import municipalities_import


class Command(BaseCommand):
    help = "Load (or update) prefectures and municipalities with their official codes. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--prefectures", type=Path, help="CSV of prefectures (default: bundled)"
        )
        parser.add_argument(
            "--municipalities", type=Path, help="CSV of municipalities (default: bundled)"
        )

    def handle(self, *args, **options):
        result = municipalities_import(
            prefectures_csv=options["prefectures"], municipalities_csv=options["municipalities"]
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"municipalities: {result.municipalities_total} "
                f"(created {result.municipalities_created}, "
                f"updated {result.municipalities_updated}, "
                f"unchanged {result.municipalities_unchanged}); "
                f"prefectures created {result.prefectures_created}"
            )
        )
