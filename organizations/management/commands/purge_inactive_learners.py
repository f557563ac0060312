"""Delete anonymous learners past the retention period (run daily, e.g. from cron)."""

from django.core.management.base import BaseCommand

from organizations.services import learners_purge_inactive


class Command(BaseCommand):
    help = "Delete anonymous learners inactive for longer than LEARNER_RETENTION_DAYS."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="override LEARNER_RETENTION_DAYS")
        parser.add_argument("--dry-run", action="store_true", help="only count")

    def handle(self, *args, **options):
        count = learners_purge_inactive(days=options["days"], dry_run=options["dry_run"])
        verb = "would delete" if options["dry_run"] else "deleted"
        self.stdout.write(f"{verb} {count} inactive anonymous learners")
