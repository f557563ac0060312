"""Validity and recertification of staff training (有効期限・更新): the rule on an assignment,
``valid_until`` per completion, the daily ``recertify_staff`` run, 期限切れ in the reports,
the list of people expiring soon and the 受講履歴 — as the training office, a manager and a
staff member see them. Every date is explicit: "today" is passed in (or patched), never waited for.
"""

import datetime as dt
import io
import threading
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from certificates.models import Certificate
from courses import queries, validity_reports, viewsets
from courses.models import Completion, Enrollment, StaffAssignee, StaffAssignment
from courses.queries import department_figures, not_completed
from courses.services.assignments import AssignmentError, assignment_save
from courses.services.recertification import recertify
from courses.tasks import send_training_reminders
from courses.validity import ValidityRule, add_months, validity_status
from courses.validity_reports import expiring_within, history_for_learner
from organizations.models import Department
from organizations.scopes import NATION, scope_for_user
from organizations.services import department_save
from tests import factories

from .staff_helpers import complete, roster, scoped_user, staff_course
from .test_staff_training_admin import administrator, manager_of

TOKYO = ZoneInfo("Asia/Tokyo")


def at(year, month, day):
    return dt.datetime(year, month, day, 10, tzinfo=TOKYO)


def on_day(day):
    """Act as if today (Asia/Tokyo) were ``day`` in the screens and their queries."""
    patches = [
        mock.patch.object(module, "tokyo_date", return_value=day)
        for module in (queries, validity_reports, viewsets)
    ]

    class _Both:
        def __enter__(self):
            for patch in patches:
                patch.start()

        def __exit__(self, *exc):
            for patch in patches:
                patch.stop()

    return _Both()


@pytest.fixture
def world(db, settings):
    settings.TRAINING_REMINDER_DAYS_BEFORE = 7
    factories.home_page()
    osaka = factories.municipality("271004", "大阪市")
    sakai = factories.municipality("271403", "堺市")
    staff = roster(
        osaka,
        [
            ("1001", "福祉 一郎", "福祉局"),
            ("1002", "福祉 二郎", "福祉局"),
            ("2001", "市民 花子", "市民局"),
        ],
    )
    sakai_staff = roster(sakai, [("9001", "堺 秘密", "健康福祉局")])
    course = staff_course()
    course.title = "情報セキュリティ研修"
    course.save()
    assignment = StaffAssignment(
        municipality=osaka,
        course=course,
        starts_on=dt.date(2025, 6, 1),
        due_on=dt.date(2025, 6, 30),
        validity="period",
        validity_months=12,
        renewal_window_months=2,
    )
    assignment = assignment_save(assignment=assignment, today=dt.date(2025, 6, 1))
    sakai_assignment = StaffAssignment(
        municipality=sakai,
        course=course,
        starts_on=dt.date(2025, 6, 1),
        due_on=dt.date(2025, 6, 30),
        validity="period",
        validity_months=12,
        renewal_window_months=2,
    )
    assignment_save(assignment=sakai_assignment, today=dt.date(2025, 6, 1))
    complete(staff["1001"], course, at=at(2025, 6, 10))
    complete(staff["1002"], course, at=at(2025, 6, 20))
    complete(sakai_staff["9001"], course, at=at(2025, 6, 10))
    return {
        "osaka": osaka,
        "sakai": sakai,
        "staff": staff,
        "sakai_staff": sakai_staff,
        "course": course,
        "assignment": assignment,
    }


def row_of(world, number, assignment=None):
    return world["staff"][number].assignments.get(assignment=assignment or world["assignment"])


# --- The rule --------------------------------------------------------------------------------


def test_a_period_counts_calendar_months_and_ends_the_day_before():
    rule = ValidityRule(kind="period", months=12, window_months=2)
    assert rule.valid_until(dt.date(2026, 5, 10)) == dt.date(2027, 5, 9)
    assert rule.renewal_opens_on(dt.date(2027, 5, 9)) == dt.date(2027, 3, 10)
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert ValidityRule().valid_until(dt.date(2026, 5, 10)) is None


def test_an_annual_date_expires_earlier_completions_and_counts_the_window_for_next_year():
    every_april = ValidityRule(kind="annual", annual_month=4, annual_day=1, window_months=2)
    assert every_april.valid_until(dt.date(2025, 6, 10)) == dt.date(2026, 3, 31)
    # Completed in the window before 1 April 2027: counts for the year after.
    assert every_april.valid_until(dt.date(2027, 2, 15)) == dt.date(2028, 3, 31)
    no_window = ValidityRule(kind="annual", annual_month=4, annual_day=1)
    assert no_window.valid_until(dt.date(2027, 3, 31)) == dt.date(2027, 3, 31)
    assert no_window.valid_until(dt.date(2027, 4, 1)) == dt.date(2028, 3, 31)
    leap = ValidityRule(kind="annual", annual_month=2, annual_day=29)
    assert leap.valid_until(dt.date(2026, 3, 1)) == dt.date(2027, 2, 27)


def test_status_is_valid_then_renewal_due_then_expired():
    until, opens = dt.date(2026, 6, 9), dt.date(2026, 4, 10)
    assert validity_status(dt.date(2026, 4, 9), until, opens, renewed=False) == "valid"
    assert validity_status(dt.date(2026, 4, 10), until, opens, renewed=False) == "renewal_due"
    assert validity_status(dt.date(2026, 4, 10), until, opens, renewed=True) == "valid"
    assert validity_status(dt.date(2026, 6, 10), until, opens, renewed=True) == "expired"
    assert validity_status(dt.date(2040, 1, 1), None, None, renewed=False) == "valid"


def test_an_incomplete_rule_is_refused_with_a_japanese_message(world):
    assignment = StaffAssignment(
        municipality=world["osaka"],
        course=world["course"],
        starts_on=dt.date(2025, 6, 1),
        due_on=dt.date(2025, 6, 30),
        validity="period",
    )
    with pytest.raises(AssignmentError, match="有効期間を 1〜120 か月"):
        assignment_save(assignment=assignment, today=dt.date(2025, 6, 1))
    assignment.validity, assignment.annual_month, assignment.annual_day = "annual", 4, 31
    with pytest.raises(AssignmentError, match="その月にない日付"):
        assignment_save(assignment=assignment, today=dt.date(2025, 6, 1))
    assert not StaffAssignment.objects.filter(pk=assignment.pk or 0).exists()


# --- valid_until per person --------------------------------------------------------------------


def test_completing_keeps_valid_until_and_a_rule_change_recomputes_it(world):
    assert row_of(world, "1001").valid_until == dt.date(2026, 6, 9)
    assert row_of(world, "1002").valid_until == dt.date(2026, 6, 19)
    assert row_of(world, "1001").completion.certificate.serial
    assignment = world["assignment"]
    assignment.validity, assignment.annual_month, assignment.annual_day = "annual", 4, 1
    assignment_save(assignment=assignment, today=dt.date(2025, 7, 1))
    assert row_of(world, "1001").valid_until == dt.date(2026, 3, 31)
    assert StaffAssignment.objects.get(pk=assignment.pk).validity_months is None
    assignment.validity = "none"
    assignment_save(assignment=assignment, today=dt.date(2025, 7, 1))
    assert row_of(world, "1001").valid_until is None


# --- Recertification ---------------------------------------------------------------------------


def test_people_are_assigned_again_when_their_window_opens_once_only(world):
    osaka = world["osaka"]
    assert recertify(municipality=osaka, today=dt.date(2026, 4, 9)) == 0
    assert recertify(municipality=osaka, today=dt.date(2026, 4, 10)) == 1
    assert recertify(municipality=osaka, today=dt.date(2026, 4, 10)) == 0  # run again
    assert recertify(today=dt.date(2026, 4, 10)) == 1  # 堺市's own person, on its own
    old = row_of(world, "1001")
    renewal = old.renewal.assignment
    assert renewal.renewal_of == world["assignment"]
    assert (renewal.starts_on, renewal.due_on) == (dt.date(2026, 4, 10), dt.date(2026, 6, 9))
    assert renewal.retrain and renewal.validity == "period" and renewal.validity_months == 12
    assert old.renewal.completed_at is None
    # The finished course opens again; the old completion and its certificate stay.
    learner = world["staff"]["1001"].learner
    assert Enrollment.objects.get(learner=learner, course=world["course"]).completed_at is None
    assert Completion.objects.filter(learner=learner).count() == 1
    assert Certificate.objects.filter(completion__learner=learner).count() == 1
    # 福祉 二郎's window opens ten days later: a renewal of its own due date.
    out = io.StringIO()
    call_command("recertify_staff", "--date", "2026-04-20", stdout=out)
    assert "renewals assigned: 1" in out.getvalue()
    assert row_of(world, "1002").renewal.assignment.due_on == dt.date(2026, 6, 19)
    assert StaffAssignment.objects.filter(renewal_of=world["assignment"]).count() == 2
    with pytest.raises(CommandError):
        call_command("recertify_staff", "--date", "2026-13-01", stdout=io.StringIO())


def test_the_renewal_is_reminded_and_completing_it_renews_the_validity(world):
    recertify(today=dt.date(2026, 4, 10))
    send_training_reminders.enqueue("2026-06-02")  # 7 days before 9 June
    to_1001 = [m for m in mail.outbox if m.to == ["1001@example.jp"]]
    assert len(to_1001) == 1 and "2026年6月9日" in to_1001[0].body
    assert "1002@example.jp" not in [m.to[0] for m in mail.outbox]  # not renewed yet
    complete(world["staff"]["1001"], world["course"], at=at(2026, 5, 1))
    renewed = row_of(world, "1001").renewal
    renewed.refresh_from_db()
    assert renewed.valid_until == dt.date(2027, 4, 30)
    # Across the years: both completions, the newest first, each with its certificate.
    history = history_for_learner(world["staff"]["1001"].learner_id, today=dt.date(2026, 6, 15))
    assert [(h.completed_on, h.valid_until, h.status) for h in history] == [
        (dt.date(2026, 5, 1), dt.date(2027, 4, 30), "valid"),
        (dt.date(2025, 6, 10), dt.date(2026, 6, 9), "expired"),
    ]
    assert all(h.certificate_serial for h in history)
    assert history[0].certificate_serial != history[1].certificate_serial


def test_expired_completions_are_not_counted_as_completed(world):
    scope = NATION
    departments, total = department_figures(world["assignment"], scope, today=dt.date(2026, 6, 9))
    assert (total.completed, total.expired, total.completion_rate) == (2, 0, 66.7)
    departments, total = department_figures(world["assignment"], scope, today=dt.date(2026, 6, 10))
    assert (total.completed, total.expired, total.not_started) == (1, 1, 1)
    assert total.completion_rate == 33.3
    pending = not_completed(world["assignment"], scope, today=dt.date(2026, 6, 10))
    assert {(p.name, p.status) for p in pending} == {
        ("福祉 一郎", "期限切れ"),
        ("市民 花子", "未受講"),
    }
    # Renewed in time: counted as completed for the assignment renewed, and not expired.
    recertify(today=dt.date(2026, 4, 10))
    complete(world["staff"]["1001"], world["course"], at=at(2026, 5, 1))
    departments, total = department_figures(world["assignment"], scope, today=dt.date(2026, 6, 10))
    assert (total.completed, total.expired, total.completion_rate) == (2, 0, 66.7)


def test_the_expiring_list_names_who_expires_soon_and_whether_renewed(world):
    recertify(municipality=world["osaka"], today=dt.date(2026, 4, 10))  # 大阪市 only
    rows = expiring_within(NATION, days=60, today=dt.date(2026, 4, 15))
    assert {(r.staff_number, r.valid_until, r.days_left, r.renewal_label) for r in rows} == {
        ("1001", dt.date(2026, 6, 9), 55, "割り当て済み（期限 2026-06-09）"),
        ("9001", dt.date(2026, 6, 9), 55, "未割り当て"),
    }
    assert len(expiring_within(NATION, days=70, today=dt.date(2026, 4, 15))) == 3
    # Renewed: 福祉 一郎 no longer expires.
    complete(world["staff"]["1001"], world["course"], at=at(2026, 5, 1))
    rows = expiring_within(NATION, days=70, today=dt.date(2026, 5, 2))
    assert [r.staff_number for r in rows] == ["9001", "1002"]


def test_the_expiring_list_and_the_history_name_a_nested_unit_by_its_path(client, world):
    # As the roster and the other staff reports do: 「健康局/福祉局」, not a bare 「福祉局」
    # that another branch of the tree may also have.
    osaka = world["osaka"]
    health = department_save(department=Department(municipality=osaka, name="健康局"))
    welfare = Department.objects.get(municipality=osaka, name="福祉局")
    welfare.parent = health
    department_save(department=welfare)
    rows = expiring_within(NATION, days=70, today=dt.date(2026, 4, 15))
    units = {r.staff_number: r.department for r in rows}
    assert units["1001"] == "健康局/福祉局"
    assert units["9001"] == "健康福祉局"
    client.force_login(administrator("municipality", municipality=osaka))
    url = reverse("staff_training_history", args=[world["staff"]["1001"].pk])
    assert "<dd>健康局/福祉局</dd>" in client.get(url).content.decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_runs_at_the_same_time_renew_each_person_once(world, postgres_only):
    """Four daily runs at once (cron and an operator): one renewal per person (PostgreSQL:
    the old rows are locked and re-checked, ``renewal`` is set once)."""
    barrier = threading.Barrier(4)
    counts, errors = [], []

    def run():
        try:
            barrier.wait()
            counts.append(recertify(today=dt.date(2026, 4, 20)))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(counts) == 3  # 福祉 一郎, 福祉 二郎 and 堺's one
    assert StaffAssignee.objects.filter(assignment__renewal_of__isnull=False).count() == 3


# --- Screens: the training office, a manager, a staff member -----------------------------------


def test_the_training_office_sets_the_rule_in_the_admin(client, world):
    client.force_login(administrator("municipality", municipality=world["osaka"]))
    data = {
        "municipality": world["osaka"].pk,
        "course": world["course"].pk,
        "target": "all",
        "starts_on": "2026-04-01",
        "due_on": "2026-06-30",
        "validity": "period",
        "validity_months": "",
        "renewal_window_months": "2",
    }
    form = client.get(reverse("staff_assignments:add")).content.decode()
    assert "有効期限と更新" in form and "毎年決まった日" in form
    response = client.post(reverse("staff_assignments:add"), data)
    assert response.status_code == 200
    assert "有効期間を 1〜120 か月で入れてください。" in response.content.decode()
    before = StaffAssignment.objects.count()
    data.update(validity="annual", annual_month="4", annual_day="1")
    assert client.post(reverse("staff_assignments:add"), data).status_code == 302
    assert StaffAssignment.objects.count() == before + 1
    saved = StaffAssignment.objects.latest("pk")
    assert (saved.validity, saved.annual_month, saved.annual_day) == ("annual", 4, 1)
    # Changing the rule of an assignment already completed recomputes everyone's 有効期限.
    edit = {**data, "starts_on": "2025-06-01", "due_on": "2025-06-30", "renewal_window_months": 0}
    url = reverse("staff_assignments:edit", args=[world["assignment"].pk])
    assert client.post(url, edit).status_code == 302
    assert row_of(world, "1001").valid_until == dt.date(2026, 3, 31)
    assert row_of(world, "1002").valid_until == dt.date(2026, 3, 31)


def test_the_training_office_sees_the_expiring_list_and_exports_it(client, world):
    client.force_login(administrator("municipality", municipality=world["osaka"]))
    url = reverse("staff_training_expiring")
    with on_day(dt.date(2026, 4, 15)):
        page = client.get(url).content.decode()
        assert "福祉 一郎" in page and "堺 秘密" not in page and "福祉 二郎" not in page
        page = client.get(url + "?days=90").content.decode()
        assert "福祉 二郎" in page
        bad = client.get(url + "?days=abc")
        assert bad.status_code == 200  # a bad number falls back to 60 days
        csv = b"".join(client.get(url + "?days=90&export=csv").streaming_content).decode()
        xlsx = client.get(url + "?days=90&export=xlsx")
    lines = csv.lstrip("\ufeff").splitlines()
    assert lines[0] == "所属,職員番号,氏名,コース,修了日,有効期限,残り日数,更新の研修"
    assert lines[1].startswith(
        "福祉局,1001,福祉 一郎,情報セキュリティ研修,2025-06-10,2026-06-09,55,"
    )
    assert len(lines) == 3 and "堺" not in csv
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    assert "福祉 二郎" in values and "堺 秘密" not in values


def test_a_manager_sees_their_staff_expiring_and_renewing_only(client, world):
    welfare = Department.objects.get(municipality=world["osaka"], name="福祉局")
    citizens = Department.objects.get(municipality=world["osaka"], name="市民局")
    recertify(today=dt.date(2026, 4, 10))
    client.force_login(manager_of(welfare))
    with on_day(dt.date(2026, 4, 15)):
        page = client.get(reverse("staff_training_expiring") + "?days=90").content.decode()
        assert "福祉 一郎" in page and "割り当て済み" in page
        # The renewal is an assignment of their staff, in their overview and pending list.
        renewal = row_of(world, "1001").renewal.assignment
        overview = client.get(reverse("staff_training_report")).content.decode()
        assert reverse("staff_training_assignment", args=[renewal.pk]) in overview
        pending = client.get(reverse("staff_training_pending", args=[renewal.pk]))
        assert "福祉 一郎" in pending.content.decode()
        history = client.get(reverse("staff_training_history", args=[world["staff"]["1001"].pk]))
        assert history.status_code == 200
        other = client.get(reverse("staff_training_history", args=[world["staff"]["2001"].pk]))
        assert other.status_code == 404
    client.force_login(manager_of(citizens))
    with on_day(dt.date(2026, 4, 15)):
        page = client.get(reverse("staff_training_expiring") + "?days=90").content.decode()
        assert "福祉 一郎" not in page


def test_the_training_office_reads_a_persons_history_with_certificates(client, world):
    recertify(today=dt.date(2026, 4, 10))
    complete(world["staff"]["1001"], world["course"], at=at(2026, 5, 1))
    serials = list(
        Certificate.objects.filter(completion__learner=world["staff"]["1001"].learner)
        .order_by("issued_at")
        .values_list("serial", "code")
    )
    client.force_login(administrator("municipality", municipality=world["osaka"]))
    url = reverse("staff_training_history", args=[world["staff"]["1001"].pk])
    with on_day(dt.date(2026, 6, 15)):
        page = client.get(url).content.decode()
        csv = b"".join(client.get(url + "?export=csv").streaming_content).decode()
    assert "福祉 一郎（1001）" in page
    for serial, code in serials:
        assert serial in page
        assert reverse("certificate-verify", args=[code]) in page
    assert "有効" in page and "期限切れ" in page
    lines = csv.lstrip("\ufeff").splitlines()
    assert lines[0] == "コース,修了日,年度,修了証番号,有効期限,状況"
    assert lines[1].endswith("2027-04-30,有効") and lines[2].endswith("2026-06-09,期限切れ")
    # Another municipality's administrator: not found, screen and export alike.
    client.force_login(administrator("municipality", municipality=world["sakai"]))
    assert client.get(url).status_code == 404
    assert client.get(url + "?export=csv").status_code == 404


def test_a_staff_member_sees_their_own_history_on_my_page(client, world):
    member = world["staff"]["1001"]
    recertify(today=dt.date(2026, 4, 10))
    client.force_login(member.learner.user)
    with on_day(dt.date(2026, 4, 15)):
        page = client.get("/my/").content.decode()
    assert "職員研修の受講履歴" in page
    assert "2026年6月9日まで" in page and "更新待ち" in page
    assert Certificate.objects.get(completion__learner=member.learner).serial in page
    # The renewal is among the training they must take, due on the last valid day, and
    # says it is the renewal (the same course again).
    assert "更新・期限：2026年6月9日" in page
    with on_day(dt.date(2026, 6, 10)):
        page = client.get("/my/").content.decode()
    # Renewed: the renewal stands for the course (now overdue); the old one is history.
    assert "期限切れ" in page and "期限を過ぎています" in page
    assert "が切れています" not in page
    # 福祉 二郎 was not renewed (the run did not come yet): their completion shows expired.
    client.force_login(world["staff"]["1002"].learner.user)
    with on_day(dt.date(2026, 6, 25)):
        page = client.get("/my/").content.decode()
    assert "修了の有効期限（2026年6月19日）が切れています" in page
    assert "更新・" not in page  # their card is the first assignment, not a renewal
    # Someone else sees none of it.
    client.force_login(world["staff"]["2001"].learner.user)
    with on_day(dt.date(2026, 4, 15)):
        assert "職員研修の受講履歴" not in client.get("/my/").content.decode()


def test_scoped_user_helper_scope_has_the_department(world):
    # The manager's scope used above is the department scope the reports apply.
    welfare = Department.objects.get(municipality=world["osaka"], name="福祉局")
    scope = scope_for_user(
        scoped_user("department", municipality=world["osaka"], department=welfare)
    )
    rows = expiring_within(scope, days=90, today=dt.date(2026, 4, 15))
    assert {r.staff_number for r in rows} == {"1001", "1002"}


def test_the_training_office_finds_anyone_of_its_area_to_open_their_history(client, world):
    url = reverse("staff_training_history_index")
    history = reverse("staff_training_history", args=[world["staff"]["1001"].pk])
    client.force_login(administrator("municipality", municipality=world["osaka"]))
    page = client.get(url + "?q=福祉 一").content.decode()
    assert history in page and "福祉 二郎" not in page
    page = client.get(url + "?q=１００１").content.decode()  # full-width digits, as typed
    assert history in page
    assert "堺 秘密" not in client.get(url + "?q=秘密").content.decode()
    client.force_login(administrator("municipality", municipality=world["sakai"]))
    assert history not in client.get(url + "?q=1001").content.decode()
    citizens = Department.objects.get(municipality=world["osaka"], name="市民局")
    client.force_login(manager_of(citizens))
    page = client.get(url).content.decode()
    assert "市民 花子" in page and "福祉 一郎" not in page


def test_the_department_report_shows_expired_people_apart(client, world):
    client.force_login(administrator("municipality", municipality=world["osaka"]))
    url = reverse("staff_training_assignment", args=[world["assignment"].pk])
    with on_day(dt.date(2026, 6, 10)):
        page = client.get(url).content.decode()
        csv = b"".join(client.get(url + "?export=csv").streaming_content).decode()
    assert "修了から一定期間（12 か月）" in page and "期限切れ 1 人" in page
    assert "33.3%" in page  # 福祉 二郎 only: 福祉 一郎's completion expired on 9 June
    assert "福祉局,2,1,0,0,0,1,50.0" in csv
