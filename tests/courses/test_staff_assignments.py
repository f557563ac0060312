"""Assigning staff courses: to everyone, departments or people; late joiners; completion."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from courses.models import StaffAssignee
from courses.queries import assignments_for_learner, department_figures, not_completed
from organizations.models import Department
from organizations.scopes import NATION, scope_for_user
from tests import factories

from .staff_helpers import assign, complete, roster, scoped_user, staff_course

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def osaka(db):
    return factories.municipality("271004", "大阪市")


@pytest.fixture
def staff(osaka):
    return roster(
        osaka,
        [
            ("1001", "福祉 一郎", "福祉局"),
            ("1002", "福祉 二郎", "福祉局"),
            ("2001", "市民 花子", "市民局"),
        ],
    )


def test_assignment_to_everyone_assigns_each_active_staff_member(osaka, staff):
    assignment = assign(osaka, staff_course())
    assert set(assignment.assignees.values_list("staff_member__staff_number", flat=True)) == {
        "1001",
        "1002",
        "2001",
    }


def test_assignment_to_a_department_expands_to_its_staff_and_later_joiners(osaka, staff):
    welfare = Department.objects.get(name="福祉局")
    course = staff_course()
    assignment = assign(
        osaka, course, target="departments", departments=[welfare], due_on=dt.date(2099, 3, 31)
    )
    assert set(assignment.assignees.values_list("staff_member__staff_number", flat=True)) == {
        "1001",
        "1002",
    }
    roster(
        osaka,
        [
            ("1001", "福祉 一郎", "福祉局"),
            ("1002", "福祉 二郎", "福祉局"),
            ("1003", "福祉 新人", "福祉局"),
            ("2001", "市民 花子", "市民局"),
            ("2002", "市民 新人", "市民局"),
        ],
    )
    assert set(assignment.assignees.values_list("staff_member__staff_number", flat=True)) == {
        "1001",
        "1002",
        "1003",
    }


def test_assignment_to_named_people(osaka, staff):
    assignment = assign(osaka, staff_course(), target="people", people=[staff["2001"]])
    assert list(assignment.assignees.values_list("staff_member__staff_number", flat=True)) == [
        "2001"
    ]


def test_completion_in_the_same_fiscal_year_counts_and_is_not_asked_again(osaka, staff):
    course = staff_course()
    complete(staff["1001"], course, at=dt.datetime(2025, 4, 10, 10, tzinfo=TOKYO))
    assignment = assign(osaka, course)
    row = assignment.assignees.get(staff_member=staff["1001"])
    assert row.completed_at is not None
    items = assignments_for_learner(staff["1001"].learner, today=dt.date(2025, 6, 10))
    assert items[0].is_completed


def test_retraining_does_not_count_earlier_completions_and_reopens_the_course(osaka, staff):
    course = staff_course()
    complete(staff["1001"], course, at=dt.datetime(2025, 4, 10, 10, tzinfo=TOKYO))
    assignment = assign(osaka, course, retrain=True)
    row = assignment.assignees.get(staff_member=staff["1001"])
    assert row.completed_at is None
    complete(staff["1001"], course, at=dt.datetime(2025, 6, 5, 10, tzinfo=TOKYO))
    row.refresh_from_db()
    assert row.completed_at is not None


def test_completion_from_last_fiscal_year_does_not_count(osaka, staff):
    course = staff_course()
    complete(staff["1001"], course, at=dt.datetime(2025, 3, 31, 23, 0, tzinfo=TOKYO))
    assignment = assign(osaka, course)
    assert assignment.assignees.get(staff_member=staff["1001"]).completed_at is None


def test_completion_rate_equals_an_independent_count(osaka, staff):
    course = staff_course()
    assignment = assign(osaka, course)
    complete(staff["1001"], course, at=dt.datetime(2025, 6, 10, 10, tzinfo=TOKYO))
    complete(staff["2001"], course, at=dt.datetime(2025, 6, 11, 10, tzinfo=TOKYO))
    departments, total = department_figures(assignment, NATION, today=dt.date(2025, 6, 20))
    by_name = {row.label: row for row in departments}
    assert (by_name["福祉局"].assigned, by_name["福祉局"].completed) == (2, 1)
    assert by_name["福祉局"].completion_rate == 50.0
    assert by_name["市民局"].completion_rate == 100.0
    independent = (
        StaffAssignee.objects.filter(assignment=assignment, completed_at__isnull=False).count()
        / StaffAssignee.objects.filter(assignment=assignment).count()
    )
    assert total.completion_rate == round(100 * independent, 1)
    assert (total.assigned, total.completed, total.not_started, total.overdue) == (3, 2, 1, 0)


def test_overdue_is_computed_in_tokyo(osaka, staff):
    assignment = assign(osaka, staff_course(), due_on=dt.date(2025, 6, 30))
    # 30 June 23:59 in Tokyo is still on time; 1 July 00:00 in Tokyo (15:00 UTC) is overdue.
    before = dt.datetime(2025, 6, 30, 14, 59, tzinfo=dt.UTC)
    after = dt.datetime(2025, 6, 30, 15, 0, tzinfo=dt.UTC)
    from base.dates import tokyo_date

    _d, total = department_figures(assignment, NATION, today=tokyo_date(before))
    assert total.overdue == 0
    _d, total = department_figures(assignment, NATION, today=tokyo_date(after))
    assert total.overdue == 3


def test_leavers_are_not_counted(osaka, staff):
    assignment = assign(osaka, staff_course())
    roster(osaka, [("1001", "福祉 一郎", "福祉局"), ("2001", "市民 花子", "市民局")])
    _d, total = department_figures(assignment, NATION, today=dt.date(2025, 6, 10))
    assert total.assigned == 2


def test_department_manager_sees_only_their_department(osaka, staff):
    welfare = Department.objects.get(name="福祉局")
    manager = scoped_user("department", municipality=osaka, department=welfare)
    assignment = assign(osaka, staff_course())
    scope = scope_for_user(manager)
    departments, total = department_figures(assignment, scope, today=dt.date(2025, 6, 10))
    assert [row.label for row in departments] == ["福祉局"]
    assert total.assigned == 2
    people = not_completed(assignment, scope, today=dt.date(2025, 6, 10))
    assert {p.staff_number for p in people} == {"1001", "1002"}


def test_staff_member_sees_overdue_assignment_first(osaka, staff):
    later = assign(osaka, staff_course(), due_on=dt.date(2025, 9, 30))
    overdue = assign(osaka, staff_course(), due_on=dt.date(2025, 6, 30))
    items = assignments_for_learner(staff["1001"].learner, today=dt.date(2025, 7, 2))
    assert [item.course for item in items] == [overdue.course, later.course]
    assert items[0].overdue and not items[1].overdue
