"""Import a municipality's staff roster from CSV or XLSX (the same rules as the admin screen).

    python manage.py import_roster --municipality 271004 (--whole-roster | --changes-only) \
        [--allow-mass-leaving] [--dry-run] roster.xlsx
    python manage.py import_roster --municipality 271004 (--whole-roster | --changes-only) \
        [--allow-mass-leaving] [--keep-days 90] --from /srv/hr/271004

``--from DIR`` (the nightly sync, ``organizations.roster_sync``): the newest roster file of
DIR is imported unless already imported, archived in DIR/archive/, its result written to
DIR/results/ and mailed to the training office; archived files and results older than
``--keep-days`` days are deleted. Exits 1 when the file was refused, 2 when another run of the
municipality is under way.

``--whole-roster``: the file is everyone; active staff missing from it are marked as leaving
(refused when that is more than ROSTER_MAX_LEAVING_SHARE of them, unless
``--allow-mass-leaving``). ``--changes-only``: only the people in the file change. One of the
two is required.

Prints the warnings, one line per invalid row (``row N, column C: message``) and exits with
status 1 without writing anything when any row is invalid.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from base.imports import ImportFileError, print_outcome, read_dataset
from organizations.models import Municipality, RosterSyncRun
from organizations.resources import RosterMode, roster_import
from organizations.roster_sync import RosterSyncBusy, purge_archive, roster_sync_folder
from organizations.scopes import NATION


class Command(BaseCommand):
    help = "Import a municipality's staff roster (CSV in UTF-8 or Shift_JIS, or XLSX)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, nargs="?")
        parser.add_argument(
            "--from",
            dest="folder",
            type=Path,
            help="Sync: import the newest roster file dropped in this folder.",
        )
        parser.add_argument(
            "--keep-days",
            type=int,
            default=90,
            help="With --from: delete archived files and results older than this (default 90).",
        )
        parser.add_argument(
            "--municipality", required=True, help="全国地方公共団体コード (e.g. 271004)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and write nothing."
        )
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument(
            "--whole-roster",
            dest="mode",
            action="store_const",
            const=RosterMode.WHOLE,
            help="The file is the whole roster: active staff missing from it leave.",
        )
        mode.add_argument(
            "--changes-only",
            dest="mode",
            action="store_const",
            const=RosterMode.CHANGES,
            help="Update only the people in the file; nobody else changes.",
        )
        parser.add_argument(
            "--allow-mass-leaving",
            action="store_true",
            help="With --whole-roster: allow more than ROSTER_MAX_LEAVING_SHARE to leave.",
        )

    def handle(self, *args, **options):
        municipality = Municipality.objects.filter(code=options["municipality"]).first()
        if municipality is None:
            raise CommandError(f"unknown municipality code {options['municipality']}")
        if (options["file"] is None) == (options["folder"] is None):
            raise CommandError("give either a roster file or --from DIR")
        if options["folder"] is not None:
            return self.sync(municipality, options)
        path = options["file"]
        try:
            with path.open("rb") as handle:
                dataset = read_dataset(handle)
        except FileNotFoundError as exc:
            raise CommandError(f"file not found: {path}") from exc
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        # The operator who runs commands on the server acts for the whole installation.
        outcome = roster_import(
            municipality=municipality,
            dataset=dataset,
            dry_run=options["dry_run"],
            scope=NATION,
            mode=options["mode"],
            allow_mass_leaving=options["allow_mass_leaving"],
        )
        print_outcome(outcome, self.stdout, self.stderr)
        if not outcome.is_valid:
            raise SystemExit(1)

    def sync(self, municipality, options):
        """``--from DIR``: one run of the folder sync (``organizations.roster_sync``)."""
        folder = options["folder"]
        if not folder.is_dir():
            raise CommandError(f"folder not found: {folder}")
        if options["keep_days"] < 1:
            raise CommandError("--keep-days must be 1 or more")
        if options["dry_run"]:
            raise CommandError("--dry-run is for a single file, not with --from")
        deleted = purge_archive(
            municipality=municipality, folder=folder, keep_days=options["keep_days"]
        )
        if deleted:
            self.stdout.write(f"deleted {deleted} archived files/results older than the limit")
        try:
            report = roster_sync_folder(
                municipality=municipality,
                folder=folder,
                mode=options["mode"],
                allow_mass_leaving=options["allow_mass_leaving"],
            )
        except RosterSyncBusy as exc:
            self.stderr.write(str(exc))
            raise SystemExit(2) from exc
        refused = report.status in (RosterSyncRun.Status.FAILED, RosterSyncRun.Status.REFUSED)
        (self.stderr if refused else self.stdout).write(report.text.rstrip("\n"))
        if refused:
            raise SystemExit(1)
