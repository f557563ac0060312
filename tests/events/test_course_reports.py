"""After a course: paper counts, paper supporter cards and the 実施報告 filed from the course,
then its approval by the municipality — the KPI figures move by exactly the attendee count,
only once approved, and back when it is returned or corrected."""

import datetime as dt
import io
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from base.dates import fiscal_year_of, tokyo_date
from certificates.models import Certificate
from courses.models import Completion
from events import services
from events.attendance import course_attendance
from events.models import CheckIn, PaperCard
from organizations.models import AttendeeType
from organizations.scopes import NATION, scope_for_user
from reports import tallies
from reports.figures import kpi_report
from reports.models import MonthlyTally, TrainingSession
from reports.services import training_session_approve, training_session_return
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser(admin_osaka, areas, make_organiser):
    return make_organiser(admin_osaka, areas["osaka"], name="organiser-a")


@pytest.fixture
def other_organiser(admin_osaka, areas, make_organiser):
    return make_organiser(admin_osaka, areas["osaka"], name="organiser-a2", organisation="別の会")


@pytest.fixture
def held(organiser, make_plan):
    """A course of ``organiser`` held yesterday, with five check-ins."""
    plan = make_plan(organiser, days=-1)
    for n, (kind, age, gender) in enumerate(
        [
            ("general", "age_20s", "gender_female"),
            ("general", "age_20s", ""),
            ("general", "", "gender_male"),
            ("school", "age_under_20", "gender_female"),
            ("government", "", ""),
        ]
    ):
        CheckIn.objects.create(
            course=plan, attendee_type=kind, age_band=age, gender=gender, browser=f"b{n}"
        )
    return plan


def in_person(plan):
    """The KPI figure of the course's municipality and fiscal year, attendees in person."""
    return kpi_report(
        scope=NATION,
        fiscal_year=fiscal_year_of(plan.held_on),
        municipality=plan.municipality.code,
    ).total.in_person


def report_values(**overrides):
    values = {
        "organiser_type": "npo",
        "organiser_name": "つながりの会",
        "instructor_name": "講師 花子",
        "delivery": "in_person",
        "venue": "市民会館",
        "attendees_general": 5,
        "attendees_school": 1,
        "attendees_government": 1,
    }
    values.update(overrides)
    return values


# --- Paper counts ------------------------------------------------------------------------------


def test_paper_counts_are_added_to_the_check_ins_in_few_queries(held, organiser):
    services.paper_attendance_save(
        course=held, counts={"general": 3, "npo": 2}, user=organiser.user
    )
    with CaptureQueriesContext(connection) as queries:
        attendance = course_attendance(held)
    assert len(queries) <= 4
    assert attendance.by_type == {"general": 6, "school": 1, "government": 1, "npo": 2}
    assert attendance.on_paper == {"general": 3, "npo": 2}
    assert attendance.total == 10
    assert attendance.checked_in == 5
    # Paper counts have no age band or gender: the breakdowns stay those who said.
    assert attendance.by_age_band == {"age_20s": 2, "age_under_20": 1}
    assert attendance.by_gender == {"gender_female": 2, "gender_male": 1}
    # Saving again replaces the count (one row per type), it does not add.
    services.paper_attendance_save(course=held, counts={"general": 1}, user=organiser.user)
    assert course_attendance(held).by_type["general"] == 4


def test_only_the_courses_organiser_or_its_area_records_paper_counts(
    held, other_organiser, admin_sakai, admin_osaka
):
    for user in (other_organiser.user, admin_sakai):
        with pytest.raises(PermissionDenied):
            services.paper_attendance_save(course=held, counts={"general": 3}, user=user)
    services.paper_attendance_save(course=held, counts={"general": 3}, user=admin_osaka)
    assert course_attendance(held).on_paper == {"general": 3}


def test_bad_paper_counts_are_refused_in_japanese(held, organiser):
    with pytest.raises(ValidationError) as refused:
        services.paper_attendance_save(course=held, counts={"general": -1}, user=organiser.user)
    assert "0 から" in str(refused.value)
    with pytest.raises(ValidationError):
        services.paper_attendance_save(course=held, counts={"martian": 1}, user=organiser.user)
    assert course_attendance(held).on_paper == {}


# --- Paper cards -------------------------------------------------------------------------------


def test_paper_cards_are_real_nameless_certificates_that_verify_and_count_nowhere(
    client, held, organiser
):
    services.paper_attendance_save(course=held, counts={"general": 3}, user=organiser.user)
    batch = uuid.uuid4()
    cards = services.paper_cards_issue(
        course=held, attendee_type="general", count=2, batch=batch, user=organiser.user
    )
    assert len(cards) == 2 and len({c.serial for c in cards}) == 2
    for certificate in cards:
        completion = certificate.completion
        assert completion.learner is None and completion.is_supporter is False
        assert completion.completed_on == held.held_on
        assert certificate.name_printed == ""
        page = client.get(reverse("certificate-verify", args=[certificate.code]))
        assert page.status_code == 200
        assert certificate.serial in page.content.decode()
    # The same form sent again (a double click): the same two cards, none added.
    again = services.paper_cards_issue(
        course=held, attendee_type="general", count=2, batch=batch, user=organiser.user
    )
    assert [c.pk for c in again] == [c.pk for c in cards]
    assert PaperCard.objects.filter(course=held).count() == 2
    # One paper attendee is left: three more cards are refused, one is fine.
    with pytest.raises(ValidationError) as refused:
        services.paper_cards_issue(
            course=held, attendee_type="general", count=3, batch=uuid.uuid4(), user=organiser.user
        )
    assert "1 から 1" in str(refused.value)
    services.paper_cards_issue(
        course=held, attendee_type="general", count=1, batch=uuid.uuid4(), user=organiser.user
    )
    with pytest.raises(ValidationError) as refused:
        services.paper_cards_issue(
            course=held, attendee_type="general", count=1, batch=uuid.uuid4(), user=organiser.user
        )
    assert "すべて印刷済み" in str(refused.value)
    # Cards printed, the count cannot fall below them.
    with pytest.raises(ValidationError) as refused:
        services.paper_attendance_save(course=held, counts={"general": 2}, user=organiser.user)
    assert "3 枚" in str(refused.value)
    # The cards count nowhere: the attendees are counted through the approved report.
    assert in_person(held) == 0
    assert tallies.verify().ok


def test_paper_cards_for_a_type_counted_on_phones_only_are_refused(held, organiser):
    with pytest.raises(ValidationError):
        services.paper_cards_issue(
            course=held, attendee_type="general", count=1, batch=uuid.uuid4(), user=organiser.user
        )
    assert not Certificate.objects.exists() and not Completion.objects.exists()


def test_the_attendance_screen_saves_paper_counts_and_prints_cards(client, held, organiser):
    client.force_login(organiser.user)
    url = reverse("plannedcourse:attendance", args=[held.pk])
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "受講者：5 人" in text and "実施報告を作成" in text
    form = dict.fromkeys(AttendeeType.values, 0) | {"general": "2"}
    response = client.post(url, form)
    assert response.status_code == 302
    assert course_attendance(held).total == 7
    batch = str(uuid.uuid4())
    cards_url = reverse("plannedcourse:paper_cards", args=[held.pk])
    pdf = client.post(cards_url, {"attendee_type": "general", "count": "2", "batch": batch})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    twice = client.post(cards_url, {"attendee_type": "general", "count": "2", "batch": batch})
    assert twice.status_code == 200
    assert Certificate.objects.count() == 2
    # Too many: a message on the screen, no card, no 500.
    refused = client.post(
        cards_url, {"attendee_type": "general", "count": "1", "batch": str(uuid.uuid4())}
    )
    assert refused.status_code == 302
    assert "すべて印刷済み" in client.get(url).content.decode()
    again = client.get(reverse("plannedcourse:paper_cards_pdf", args=[held.pk, batch]))
    assert again.status_code == 200 and again.content.startswith(b"%PDF")
    bad = client.post(url, {**form, "general": "abc"})
    assert bad.status_code == 200 and "数字で入力" in bad.content.decode()


def test_another_organisers_course_screens_are_refused(client, held, other_organiser):
    client.force_login(other_organiser.user)
    for name in ("attendance", "report"):
        response = client.get(reverse(f"plannedcourse:{name}", args=[held.pk]))
        assert response.status_code in (302, 403)  # the admin sends them away
        assert "講師 花子" not in response.content.decode()
    response = client.post(
        reverse("plannedcourse:paper_cards", args=[held.pk]),
        {"attendee_type": "general", "count": "1", "batch": str(uuid.uuid4())},
    )
    assert response.status_code in (302, 403)
    assert not Certificate.objects.exists()


# --- 実施報告 ---------------------------------------------------------------------------------


def test_the_report_form_is_prefilled_and_submitted_as_pending(client, held, organiser):
    services.paper_attendance_save(course=held, counts={"general": 2}, user=organiser.user)
    client.force_login(organiser.user)
    url = reverse("plannedcourse:report", args=[held.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["attendees_general"] == 5  # 3 phones + 2 on paper
    assert form.initial["attendees_school"] == 1
    assert form.initial["age_20s"] == 2 and form.initial["gender_female"] == 2
    assert form.initial["organiser_name"] == "つながりの会"
    assert form.initial["venue"].startswith("市民会館")
    data = {name: value for name, value in form.initial.items() if value is not None}
    data["attendees_general"] = 4  # the organiser corrects a count
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    held.refresh_from_db()
    report = held.report
    assert report.status == TrainingSession.Status.SUBMITTED
    assert report.total_attendees == 6
    assert (report.held_on, report.municipality_id, report.course_id) == (
        held.held_on,
        held.municipality_id,
        held.course_id,
    )
    assert in_person(held) == 0  # 申請中: not in the figures
    listing = client.get(reverse("plannedcourse:index")).content.decode()
    assert "申請中" in listing


def test_a_report_is_refused_before_the_course_ends(client, organiser, make_plan):
    plan = make_plan(organiser, days=3)
    with pytest.raises(ValidationError) as refused:
        services.course_report_submit(course=plan, values=report_values(), user=organiser.user)
    assert "終了後" in str(refused.value)
    client.force_login(organiser.user)
    response = client.get(reverse("plannedcourse:report", args=[plan.pk]))
    assert response.status_code == 302
    assert not TrainingSession.objects.exists()


def test_bad_counts_come_back_on_the_form_and_save_nothing(client, held, organiser):
    client.force_login(organiser.user)
    url = reverse("plannedcourse:report", args=[held.pk])
    data = report_values(attendees_general=0, attendees_school=0, attendees_government=0)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "1人以上" in response.content.decode()
    data = report_values(age_20s=50)
    response = client.post(url, data)
    assert response.status_code == 200 and "超えています" in response.content.decode()
    assert not TrainingSession.objects.exists()
    held.refresh_from_db()
    assert held.report_id is None


def test_approval_moves_the_figures_by_the_attendee_count_and_return_moves_them_back(
    client, held, organiser, admin_osaka
):
    report = services.course_report_submit(course=held, values=report_values(), user=organiser.user)
    assert report.status == TrainingSession.Status.SUBMITTED
    before = in_person(held)
    client.force_login(admin_osaka)
    dashboard = client.get(
        reverse("kpi_dashboard"), {"fiscal_year": fiscal_year_of(held.held_on)}
    ).content.decode()
    assert "申請中（未承認）の開催報告が 1 件、受講者 7 人あります" in dashboard
    review = reverse("trainingsession:review", args=[report.pk])
    assert "つながりの会" in client.get(review).content.decode()
    assert client.post(review, {"decision": "approve"}).status_code == 302
    assert in_person(held) == before + 7
    assert tallies.verify().ok

    response = client.post(
        review, {"decision": "return", "comment": "学生の人数を確かめてください"}
    )
    assert response.status_code == 302
    assert in_person(held) == before
    assert tallies.verify().ok

    # The organiser reads the reason, corrects and resubmits: 申請中 again, still not counted.
    client.force_login(organiser.user)
    screen = client.get(reverse("plannedcourse:attendance", args=[held.pk])).content.decode()
    assert "学生の人数を確かめてください" in screen and "再提出" in screen
    form = client.get(reverse("plannedcourse:report", args=[held.pk]))
    assert "学生の人数を確かめてください" in form.content.decode()
    assert "受付の人数（スマートフォンと紙）" in form.content.decode()
    assert form.context["form"].initial["attendees_general"] == 5  # what was submitted
    response = client.post(
        reverse("plannedcourse:report", args=[held.pk]), report_values(attendees_school=2)
    )
    assert response.status_code == 302, response.context["form"].errors
    report.refresh_from_db()
    assert report.status == TrainingSession.Status.SUBMITTED
    assert TrainingSession.objects.count() == 1
    assert in_person(held) == before

    training_session_approve(session=report, scope=scope_for_user(admin_osaka), user=admin_osaka)
    assert in_person(held) == before + 8
    # An approved report is the administrators' to correct now, not the organiser's.
    with pytest.raises(ValidationError):
        services.course_report_submit(course=held, values=report_values(), user=organiser.user)
    assert tallies.verify().ok


def test_an_administrators_correction_of_an_approved_course_report_moves_the_figures(
    client, held, organiser, admin_osaka
):
    report = services.course_report_submit(course=held, values=report_values(), user=organiser.user)
    training_session_approve(session=report, scope=scope_for_user(admin_osaka), user=admin_osaka)
    assert in_person(held) == 7
    client.force_login(admin_osaka)
    edit = client.get(reverse("trainingsession:edit", args=[report.pk]))
    data = {
        name: ("" if value is None else value)
        for name, value in edit.context["form"].initial.items()
        if name in edit.context["form"].fields
    }
    data["attendees_general"] = 2
    data["municipality"] = held.municipality_id
    data["course"] = held.course_id
    data["held_on"] = held.held_on.isoformat()
    edit_url = reverse("trainingsession:edit", args=[report.pk])
    shown = client.post(edit_url, data)  # first the effect on the figures is shown
    assert shown.status_code == 200 and shown.context["kpi_effect"]
    response = client.post(edit_url, data | {"kpi_effect_key": shown.context["kpi_effect"]["key"]})
    assert response.status_code == 302, response.context["form"].errors
    assert in_person(held) == 4
    assert tallies.verify().ok


def test_the_same_course_reported_by_an_import_and_by_the_organiser_is_caught(
    held, organiser, admin_osaka
):
    # The municipality's spreadsheet already has the course (another spelling of the name).
    imported = factories.training_session(
        held.course,
        municipality=held.municipality,
        held_on=held.held_on,
        organiser="つながりの会（NPO法人）",
        attendees_general=7,
    )
    assert imported.status == TrainingSession.Status.APPROVED
    counted = in_person(held)
    report = services.course_report_submit(course=held, values=report_values(), user=organiser.user)
    scope = scope_for_user(admin_osaka)
    with pytest.raises(ValidationError) as refused:
        training_session_approve(session=report, scope=scope, user=admin_osaka)
    assert "重複でないこと" in str(refused.value)
    assert in_person(held) == counted
    training_session_return(session=report, scope=scope, user=admin_osaka, comment="取り込み済み")
    assert in_person(held) == counted
    assert tallies.verify().ok


def test_an_admin_entry_after_the_organisers_report_waits_for_a_look(held, organiser):
    services.course_report_submit(course=held, values=report_values(), user=organiser.user)
    entry = factories.training_session(
        held.course, municipality=held.municipality, held_on=held.held_on, organiser="市の記録"
    )
    # Entered by the office (an approver) it would be approved at once; a possible duplicate
    # waits as 申請中 instead.
    assert entry.status == TrainingSession.Status.SUBMITTED
    assert in_person(held) == 0


def test_rebuild_tallies_verify_covers_approved_course_reports(held, organiser, admin_osaka):
    report = services.course_report_submit(course=held, values=report_values(), user=organiser.user)
    training_session_approve(session=report, scope=scope_for_user(admin_osaka), user=admin_osaka)
    call_command("rebuild_tallies", "--verify", stdout=io.StringIO())
    MonthlyTally.objects.filter(municipality_id=held.municipality_id).update(supporters=1)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("rebuild_tallies", "--verify", stdout=out)
    assert "元データ 5 / 集計 1" in out.getvalue()
    call_command("rebuild_tallies", stdout=io.StringIO())
    call_command("rebuild_tallies", "--verify", stdout=io.StringIO())
    assert in_person(held) == 7


def test_a_suspended_organiser_files_no_report(
    client, held, organiser, admin_osaka, django_user_model
):
    services.organiser_suspend(organiser=organiser, user=admin_osaka)
    account = django_user_model.objects.get(pk=organiser.user_id)  # as a new request loads it
    with pytest.raises(PermissionDenied):
        services.course_report_submit(course=held, values=report_values(), user=account)
    assert not TrainingSession.objects.exists()


def test_the_plan_listing_shows_each_organiser_only_their_own_reports(
    client, held, organiser, other_organiser, make_plan
):
    services.course_report_submit(course=held, values=report_values(), user=organiser.user)
    theirs = make_plan(other_organiser, days=-2, venue_name="ほかの会場")
    client.force_login(other_organiser.user)
    listing = client.get(reverse("plannedcourse:index")).content.decode()
    assert "申請中" not in listing and "未提出" in listing
    assert reverse("plannedcourse:edit", args=[theirs.pk]) in listing
    assert reverse("plannedcourse:edit", args=[held.pk]) not in listing


def test_reports_filed_the_day_after_count_in_the_courses_fiscal_year(held, organiser):
    report = services.course_report_submit(course=held, values=report_values(), user=organiser.user)
    assert report.fiscal_year == fiscal_year_of(held.held_on)
    assert held.held_on == tokyo_date() - dt.timedelta(days=1)
