"""Assign the renewal (更新) of staff training completions about to expire (run daily, e.g.
by cron, before ``send_training_reminders`` so that the new assignments are reminded).

    python manage.py recertify_staff [--date 2027-02-01] [--municipality 271004]

Safe to run more than once a day or again after a crash: nobody is assigned twice.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from courses.services.recertification import recertify
from organizations.models import Municipality


class Command(BaseCommand):
    help = "Assign staff courses again to people whose completion enters its renewal window."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Act as if today (Asia/Tokyo) were this ISO date.")
        parser.add_argument("--municipality", help="Only this municipality (its code).")

    def handle(self, *args, **options):
        today = None
        if options["date"]:
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"not an ISO date: {options['date']}") from exc
        municipality = None
        if options["municipality"]:
            municipality = Municipality.objects.filter(code=options["municipality"]).first()
            if municipality is None:
                raise CommandError(f"no municipality with code {options['municipality']}")
        renewed = recertify(municipality=municipality, today=today)
        self.stdout.write(f"renewals assigned: {renewed}")
