"""Tallies follow every change to completions and sessions, and always equal a raw recount."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certificates.models import Certificate
from certificates.services import certificate_revoke
from courses.services import completion_set_area
from organizations.scopes import NATION
from reports import tallies
from reports.figures import kpi_report
from reports.models import MonthlyTally, PrefectureMonthlyTally
from reports.services import training_session_delete, training_session_save
from tests import factories

TOKYO = ZoneInfo("Asia/Tokyo")
pytestmark = pytest.mark.django_db


@pytest.fixture
def areas():
    osaka = factories.municipality()
    sakai = factories.municipality(code="271403", name="堺市")
    kita = factories.municipality(code="271276", name="大阪市 北区", parent=osaka, kind="ward")
    tokyo = factories.prefecture(code="13", name="東京都")
    shinjuku = factories.municipality(code="131041", name="新宿区", pref=tokyo, kind="special_ward")
    return {"osaka": osaka, "sakai": sakai, "kita": kita, "shinjuku": shinjuku}


@pytest.fixture
def citizen_course():
    return factories.course(audience="citizen", lessons=1)


def test_completion_at_the_last_minute_of_march_counts_in_the_old_fiscal_year(
    areas, citizen_course
):
    late = dt.datetime(2026, 3, 31, 23, 59, tzinfo=TOKYO)
    early = dt.datetime(2026, 4, 1, 0, 0, tzinfo=TOKYO)
    factories.completion(citizen_course, municipality=areas["osaka"], at=late)
    factories.completion(citizen_course, municipality=areas["osaka"], at=early)

    fy2025 = kpi_report(scope=NATION, fiscal_year=2025, today=dt.date(2026, 11, 1))
    fy2026 = kpi_report(scope=NATION, fiscal_year=2026, today=dt.date(2026, 11, 1))

    assert fy2025.total.actual == 1
    assert [m.actual for m in fy2025.by_month if m.actual] == [1]
    assert fy2025.by_month[-1].month == "2026-03" and fy2025.by_month[-1].actual == 1
    assert fy2026.total.actual == 1 and fy2026.by_month[0].month == "2026-04"
    assert fy2026.by_month[0].actual == 1


def test_staff_course_completions_are_not_supporters(areas):
    staff_course = factories.course(audience="staff", lessons=1)
    factories.completion(staff_course, municipality=areas["osaka"])
    assert not MonthlyTally.objects.exclude(supporters=0).exists()
    assert tallies.verify().ok


def test_online_and_in_person_add_up_in_every_view(areas, citizen_course):
    day = dt.datetime(2025, 5, 10, 12, tzinfo=TOKYO)
    factories.completion(citizen_course, municipality=areas["kita"], at=day)
    factories.completion(citizen_course, municipality=areas["sakai"], at=day, attendee_type="npo")
    factories.training_session(
        citizen_course,
        municipality=areas["osaka"],
        held_on=dt.date(2025, 5, 20),
        attendees_general=12,
        attendees_child=3,
    )
    nation = kpi_report(scope=NATION, fiscal_year=2025)
    osaka_pref = kpi_report(scope=NATION, fiscal_year=2025, prefecture="27")
    osaka_city = kpi_report(scope=NATION, fiscal_year=2025, municipality="271004")

    assert (nation.total.online, nation.total.in_person, nation.total.actual) == (2, 15, 17)
    assert osaka_pref.total.actual == 17
    rows = {row.code: row.actual for row in osaka_pref.rows}
    # The ward's completion counts for its designated city in the prefecture's rows.
    assert rows == {"271004": 16, "271403": 1}
    assert osaka_city.total.actual == 16
    assert {row.name: row.actual for row in osaka_city.rows} == {
        "大阪市（区の指定なし）": 15,
        "大阪市 北区": 1,
    }
    assert nation.by_attendee_type["一般"] == 13
    assert nation.by_attendee_type["NPO・支援者"] == 1
    assert nation.by_attendee_type["こども"] == 3
    for report in (nation, osaka_pref, osaka_city):
        assert sum(row.actual for row in report.rows) == report.total.actual
        assert sum(m.actual for m in report.by_month) == report.total.actual
    assert nation.by_month[1].month == "2025-05" and nation.by_month[1].is_campaign_month


def test_a_changed_area_moves_the_completion(areas, citizen_course):
    completion = factories.completion(citizen_course, municipality=None)
    assert (
        kpi_report(scope=NATION, fiscal_year=completion.fiscal_year).rows[-1].name == "地域未設定"
    )

    completion_set_area(
        completion=completion, municipality=areas["shinjuku"], attendee_type="school"
    )

    report = kpi_report(scope=NATION, fiscal_year=completion.fiscal_year)
    assert {row.code: row.actual for row in report.rows if row.actual} == {"13": 1}
    assert report.by_attendee_type["学校・学生"] == 1
    assert tallies.verify().ok


def test_a_revoked_certificate_no_longer_counts(areas, citizen_course, django_user_model):
    completion = factories.completion(citizen_course, municipality=areas["osaka"])
    admin = django_user_model.objects.create_superuser("root", password="x")
    certificate_revoke(
        certificate=Certificate.objects.get(completion=completion), reason="重複", user=admin
    )
    assert kpi_report(scope=NATION, fiscal_year=completion.fiscal_year).total.actual == 0
    assert tallies.verify().ok


def test_corrected_and_deleted_sessions_leave_the_tallies_right(areas, citizen_course):
    session = factories.training_session(
        citizen_course, municipality=areas["osaka"], held_on=dt.date(2025, 6, 1)
    )
    session.municipality = areas["shinjuku"]
    session.attendees_general = 4
    session.attendees_workplace = 6
    training_session_save(session=session, scope=NATION)
    report = kpi_report(scope=NATION, fiscal_year=2025)
    assert {row.code: row.actual for row in report.rows if row.actual} == {"13": 10}

    training_session_delete(session=session, scope=NATION)
    assert kpi_report(scope=NATION, fiscal_year=2025).total.actual == 0
    assert tallies.verify().ok


def test_rebuild_repairs_a_damaged_tally_and_reports_what_was_wrong(areas, citizen_course):
    factories.completion(citizen_course, municipality=areas["osaka"])
    PrefectureMonthlyTally.objects.update(supporters=99)
    before = tallies.rebuild()
    assert not before.ok and before.prefectural
    assert tallies.verify().ok


operations = st.lists(
    st.tuples(
        st.sampled_from(["complete", "move", "revoke", "session", "correct", "delete"]),
        st.integers(min_value=0, max_value=50),
    ),
    max_size=12,
)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=operations)
def test_tallies_equal_raw_counts_after_any_sequence_of_changes(ops):
    """Whatever happens, in whatever order, the tallies equal a recount from raw records."""
    from django.contrib.auth import get_user_model

    from reports.models import TrainingSession

    # Each example runs in its own transaction, rolled back, so examples start from nothing.
    with transaction.atomic():
        course = factories.course(audience="citizen", lessons=1)
        places = [
            factories.municipality(),
            factories.municipality(code="271403", name="堺市"),
            factories.municipality(
                code="131041", name="新宿区", pref=factories.prefecture("13", "東京都")
            ),
            None,
        ]
        admin = get_user_model().objects.filter(is_superuser=True).first() or (
            get_user_model().objects.create_superuser(f"root{len(ops)}", password="x")
        )
        completions, sessions = [], []
        for op, n in ops:
            place = places[n % len(places)]
            day = dt.date(2025, 4, 1) + dt.timedelta(days=n * 7)
            if op == "complete" or not completions and op in ("move", "revoke"):
                at = dt.datetime.combine(day, dt.time(9), tzinfo=TOKYO)
                completions.append(factories.completion(course, municipality=place, at=at))
            elif op == "move":
                completion_set_area(
                    completion=completions[n % len(completions)],
                    municipality=place,
                    attendee_type=["general", "npo", ""][n % 3],
                )
            elif op == "revoke":
                certificate = Certificate.objects.get(completion=completions[n % len(completions)])
                certificate_revoke(certificate=certificate, reason="誤登録", user=admin)
            elif op == "session" or not sessions:
                if place is None:
                    continue
                sessions.append(
                    factories.training_session(
                        course,
                        municipality=place,
                        held_on=day,
                        organiser=f"主催{len(sessions)}",
                        attendees_general=n + 1,
                        attendees_child=n % 4,
                    )
                )
            elif op == "correct":
                session = sessions[n % len(sessions)]
                if not TrainingSession.objects.filter(pk=session.pk).exists():
                    continue
                session.attendees_general = n + 2
                if place is not None:
                    session.municipality = place
                training_session_save(session=session, scope=NATION)
            elif op == "delete":
                session = sessions[n % len(sessions)]
                if TrainingSession.objects.filter(pk=session.pk).exists():
                    training_session_delete(session=session, scope=NATION)
        result = tallies.verify()
        transaction.set_rollback(True)
    assert result.ok, (result.daily, result.monthly, result.prefectural)


def test_rebuild_tallies_command_verifies_and_repairs(areas, citizen_course):
    import io

    from django.core.management import CommandError, call_command

    factories.completion(citizen_course, municipality=areas["osaka"])
    out = io.StringIO()
    call_command("rebuild_tallies", "--verify", stdout=out)
    assert "一致しています" in out.getvalue()

    MonthlyTally.objects.update(supporters=5)
    with pytest.raises(CommandError):
        call_command("rebuild_tallies", "--verify", stdout=io.StringIO())
    out = io.StringIO()
    call_command("rebuild_tallies", stdout=out)
    assert "作り直しました" in out.getvalue()
    call_command("rebuild_tallies", "--verify", stdout=io.StringIO())
