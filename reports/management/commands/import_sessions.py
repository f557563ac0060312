"""Import in-person session reports (開催報告) from CSV or XLSX, as the admin screen does.

    python manage.py import_sessions FILE [--dry-run] [--confirm-large]

A session of more than ``reports.effects.PLAUSIBLE_SESSION_ATTENDEES`` attendees is refused
unless ``--confirm-large`` says its counts were checked. Prints the effect on each
municipality's KPI figures and one line per invalid row (``row N, column C: message``); exits with status 1 and writes
nothing when any row is invalid.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from base.imports import ImportFileError, print_outcome, read_dataset, run_import
from organizations.scopes import NATION
from reports.resources import TrainingSessionResource


class Command(BaseCommand):
    help = "開催報告を CSV（UTF-8・Shift_JIS）または XLSX から取り込みます。"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="確認だけして書き込まない")
        parser.add_argument(
            "--confirm-large",
            action="store_true",
            help="受講者が 500 人を超える報告の人数を確認済み（ないと取り込まない）",
        )

    def handle(self, *args, file, dry_run, confirm_large, **options):
        try:
            with file.open("rb") as handle:
                dataset = read_dataset(handle)
        except FileNotFoundError as error:
            raise CommandError(f"ファイルがありません: {file}") from error
        except ImportFileError as error:
            raise CommandError(str(error)) from error
        # An operator on the server acts for the whole installation.
        resource = TrainingSessionResource(
            scope=NATION, confirmed={"large_sessions"} if confirm_large else ()
        )
        outcome = run_import(resource, dataset, dry_run=dry_run)
        print_outcome(outcome, self.stdout, self.stderr)
        if not outcome.is_valid:
            raise SystemExit(1)
