"""Delete bulk certificate ZIPs past their retention period (run daily, e.g. from cron)."""

from django.core.management.base import BaseCommand

from certificates.exports import certificate_exports_purge


class Command(BaseCommand):
    help = (
        "Delete the ZIPs of certificate exports finished more than "
        "CERTIFICATE_EXPORT_RETENTION_DAYS ago (the export stays listed as 削除済み)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="override CERTIFICATE_EXPORT_RETENTION_DAYS")

    def handle(self, *args, **options):
        count = certificate_exports_purge(days=options["days"])
        self.stdout.write(f"deleted {count} certificate export ZIPs")
