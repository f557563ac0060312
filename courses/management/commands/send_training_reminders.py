"""Queue today's staff training reminders and the weekly summaries (run daily, e.g. by cron).

    python manage.py send_training_reminders [--date 2025-07-01]

Safe to run more than once a day or again after a crash: nothing is sent twice.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from courses.tasks import send_manager_weekly_summaries, send_training_reminders


class Command(BaseCommand):
    help = "Queue the staff training reminder emails due today (never sends duplicates)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Act as if today (Asia/Tokyo) were this ISO date.")

    def handle(self, *args, **options):
        today = options["date"]
        if today:
            try:
                dt.date.fromisoformat(today)
            except ValueError as exc:
                raise CommandError(f"not an ISO date: {today}") from exc
        reminders = send_training_reminders.enqueue(today)
        summaries = send_manager_weekly_summaries.enqueue(today)
        self.stdout.write(f"queued: reminders {reminders.id}, weekly summaries {summaries.id}")
