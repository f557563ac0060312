"""generate_demo_activity: deterministic, inside the fiscal year, May-heavy, tallies right."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from courses.models import Completion
from organizations.scopes import NATION
from reports import tallies
from reports.figures import kpi_report
from reports.models import TrainingSession
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    osaka = factories.municipality()
    factories.municipality(code="271403", name="堺市")
    factories.municipality(
        code="131041", name="新宿区", pref=factories.prefecture("13", "東京都"), kind="special_ward"
    )
    factories.municipality(
        code="474827", name="与那国町", pref=factories.prefecture("47", "沖縄県"), kind="town"
    )
    factories.course(audience="citizen", lessons=1)
    factories.course(audience="children", lessons=1)
    factories.course(audience="staff", lessons=1)
    return osaka


def generate(seed=7):
    call_command(
        "generate_demo_activity",
        "--completions", "3000", "--sessions", "40", "--fiscal-year", "2025", "--seed", str(seed),
        stdout=io.StringIO(),
    )  # fmt: skip


def snapshot():
    return sorted(
        Completion.objects.values_list(
            "completed_on", "municipality_id", "attendee_type", "course_id"
        )
    )


def test_generated_activity_is_realistic_and_counted(setting):
    generate()
    assert Completion.objects.count() == 3000
    assert TrainingSession.objects.count() == 40
    first, last = dt.date(2025, 4, 1), dt.date(2026, 3, 31)
    assert all(first <= day <= last for day, *_rest in snapshot())
    assert not Completion.objects.filter(course__audience="staff").exists()

    report = kpi_report(scope=NATION, fiscal_year=2025)
    months = {m.month: m.online for m in report.by_month}
    assert months["2025-05"] == max(months.values())  # the 強化月間 peak
    by_code = {row.code: row.online for row in report.rows}
    # Population-weighted: Tokyo's special ward far above a small town in Okinawa.
    assert by_code["13"] > 5 * by_code["47"]
    assert report.total.online == 3000
    assert report.by_attendee_type["一般"] > report.by_attendee_type["NPO・支援者"]
    assert tallies.verify().ok


def test_the_same_seed_gives_the_same_data(setting):
    generate(seed=3)
    first = snapshot()
    Completion.objects.all().delete()
    TrainingSession.objects.all().delete()
    generate(seed=3)
    assert snapshot() == first


def test_generation_builds_the_completion_indexes_again(setting):
    """The bulk load drops the plain indexes and creates them again: reports stay indexed."""
    from django.db import connection

    def indexes():
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(
                cursor, Completion._meta.db_table
            )
        return {name: c["columns"] for name, c in constraints.items() if c["index"]}

    before = indexes()
    generate()
    assert indexes() == before
    assert any(columns == ["fiscal_year", "municipality_id"] for columns in before.values())
