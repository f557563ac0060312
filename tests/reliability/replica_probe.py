"""Run inside the site's environment by tests/reliability/test_report_replica.py.

``python -m tests.reliability.replica_probe setup|add|figures`` prints one JSON line.
"""

import io
import json
import sys
from datetime import date


def _fiscal_year() -> int:
    return 2025


def _setup() -> dict:
    from tests import factories

    course = factories.course(lessons=1)
    municipality = factories.municipality()
    factories.training_session(
        course, municipality=municipality, held_on=date(2025, 6, 1), attendees_general=20
    )
    return {"course": course.pk, "municipality": municipality.pk}


def _add() -> dict:
    from courses.models import CoursePage
    from organizations.models import Municipality
    from tests import factories

    factories.training_session(
        CoursePage.objects.get(),
        municipality=Municipality.objects.get(),
        held_on=date(2025, 7, 1),
        organiser="追加の講座",
        attendees_general=5,
    )
    return {}


def _kpi(*args: str) -> dict:
    from django.core.management import call_command

    out = io.StringIO()
    call_command(
        "kpi_report", "--fiscal-year", str(_fiscal_year()), "--format", "json", *args, stdout=out
    )
    return json.loads(out.getvalue())


def _figures() -> dict:
    from reports.models import TrainingSession

    return {
        # What the reports (read on the replica when it answers) say: the nation's figures come
        # from ORM queries, a municipality's from one raw SQL query...
        "report_in_person": _kpi()["total"]["in_person"],
        "city_in_person": _kpi("--municipality", "271004")["total"]["in_person"],
        # ...and what the primary holds now.
        "primary_sessions": TrainingSession.objects.count(),
    }


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps({"setup": _setup, "add": _add, "figures": _figures}[sys.argv[1]]()))
