"""Assignments to a unit and its subtree, to positions and employment types, and what a move
between units (異動) does: history kept, the new unit's assignments apply."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from base.dates import fiscal_year_bounds, fiscal_year_of, tokyo_date
from base.imports import read_dataset
from courses.models import StaffAssignment
from courses.queries import department_figures, not_completed
from courses.records import Completion
from courses.services.assignments import AssignmentError, assignment_save
from organizations.models import Department, StaffMember, StaffTransfer
from organizations.resources import roster_import
from organizations.scopes import NATION, scope_for_user
from tests import factories

from .staff_helpers import complete, staff_course
from .test_staff_training_admin import administrator, manager_of

TOKYO = ZoneInfo("Asia/Tokyo")
HEADER = "職員番号,氏名,所属,役職,雇用形態,メールアドレス\n"
ROWS = {
    "1001": "研修 一郎,総務局/人事部/人事課/研修係,主事,常勤",
    "1002": "人事 花子,総務局/人事部/人事課,課長,常勤",
    "1003": "総務 次郎,総務局,局長,再任用",
    "1004": "会計 五郎,総務局/人事部/人事課/研修係,主事,会計年度任用職員",
    "2001": "市民 三郎,市民局/区政課,係長,常勤",
}


def import_roster(municipality, rows):
    text = HEADER + "".join(f"{n},{rows[n]},{n}@example.jp\n" for n in sorted(rows))
    outcome = roster_import(
        municipality=municipality,
        dataset=read_dataset(SimpleUploadedFile("r.csv", text.encode()), max_bytes=1_000_000),
        dry_run=False,
        scope=NATION,
        mode="whole",
        allow_mass_leaving=True,
    )
    assert outcome.errors == [], outcome.errors
    return {s.staff_number: s for s in StaffMember.objects.filter(municipality=municipality)}


def unit(municipality, path):
    parent = None
    for name in path.split("/"):
        parent = Department.objects.get(municipality=municipality, parent=parent, name=name)
    return parent


def assign(municipality, course, *, departments=(), today=dt.date(2025, 6, 1), **fields):
    """An assignment of ``course`` (by default from 1 to 30 June 2025), saved through the
    real service."""
    fields.setdefault("target", "departments" if departments else "all")
    fields.setdefault("starts_on", dt.date(2025, 6, 1))
    fields.setdefault("due_on", dt.date(2025, 6, 30))
    assignment = StaffAssignment(municipality=municipality, course=course, **fields)
    return assignment_save(assignment=assignment, departments=departments, today=today)


def assigned(assignment):
    return set(assignment.assignees.values_list("staff_member__staff_number", flat=True))


@pytest.fixture
def world(db):
    osaka = factories.municipality("271004", "大阪市")
    staff = import_roster(osaka, ROWS)
    return {"osaka": osaka, "staff": staff, "course": staff_course()}


def test_a_unit_and_its_subtree(world):
    osaka = world["osaka"]
    bureau = assign(osaka, world["course"], departments=[unit(osaka, "総務局/人事部")])
    assert assigned(bureau) == {"1001", "1002", "1004"}


def test_only_the_unit_itself_when_subunits_are_left_out(world):
    osaka = world["osaka"]
    section = assign(
        osaka,
        world["course"],
        departments=[unit(osaka, "総務局/人事部/人事課")],
        include_subunits=False,
    )
    assert assigned(section) == {"1002"}


def test_positions_and_employment_types_narrow_the_target(world):
    osaka, course = world["osaka"], world["course"]
    managers = assign(osaka, course, positions=["課長", "係長", "局長"])
    assert assigned(managers) == {"1002", "1003", "2001"}
    part_timers = assign(
        osaka,
        course,
        departments=[unit(osaka, "総務局")],
        employment_types=["fiscal_year", "reappointed"],
    )
    assert assigned(part_timers) == {"1003", "1004"}
    with pytest.raises(AssignmentError):
        assign(osaka, course, employment_types=["part_time"])


def test_a_move_keeps_the_history_and_the_new_units_assignment_applies(world):
    osaka, course = world["osaka"], world["course"]
    today = tokyo_date()
    # Open today (the roster's recomputation assigns open assignments only).
    citizens = assign(
        osaka,
        course,
        departments=[unit(osaka, "市民局")],
        starts_on=today,
        due_on=today + dt.timedelta(days=30),
        today=today,
    )
    assert assigned(citizens) == {"2001"}
    moving = world["staff"]["1001"]
    # Completed earlier this fiscal year, while still in 研修係.
    done_on = max(fiscal_year_bounds(fiscal_year_of(today))[0], today - dt.timedelta(days=1))
    complete(moving, course, at=dt.datetime.combine(done_on, dt.time(10), tzinfo=TOKYO))
    completion = Completion.objects.get(learner=moving.learner)
    learner_before = moving.learner_id

    # 異動: the next roster has 研修 一郎 in 市民局/区政課.
    moved_rows = dict(ROWS, **{"1001": "研修 一郎,市民局/区政課,主事,常勤"})
    staff = import_roster(osaka, moved_rows)
    moved = staff["1001"]
    assert moved.department == unit(osaka, "市民局/区政課")
    # Their completion stays theirs (same learner, same record), and the move is recorded.
    assert moved.learner_id == learner_before
    assert Completion.objects.get(pk=completion.pk).learner_id == learner_before
    transfer = StaffTransfer.objects.get(staff_member=moved)
    assert transfer.from_name == "総務局/人事部/人事課/研修係"
    assert transfer.to_name == "市民局/区政課"
    # The new unit's assignment applies (recomputed when the roster is imported); the earlier
    # completion lies in the fiscal year's window, so it counts as done.
    assert assigned(citizens) == {"1001", "2001"}
    assert citizens.assignees.get(staff_member=moved).completed_at == completion.completed_at


def test_a_manager_sees_figures_and_pending_people_of_the_subtree(client, world):
    osaka, course = world["osaka"], world["course"]
    everyone = assign(osaka, course)
    personnel = unit(osaka, "総務局/人事部")
    manager = manager_of(personnel)
    scope = scope_for_user(manager)
    figures, total = department_figures(everyone, scope, today=dt.date(2025, 6, 2))
    assert [row.label for row in figures] == [
        "総務局/人事部/人事課",
        "総務局/人事部/人事課/研修係",
    ]
    assert total.assigned == 3
    pending = not_completed(everyone, scope, today=dt.date(2025, 6, 2))
    assert {p.name for p in pending} == {"研修 一郎", "人事 花子", "会計 五郎"}
    client.force_login(manager)
    page = client.get(reverse("staff_training_pending", args=[everyone.pk])).content.decode()
    assert "会計 五郎" in page and "総務 次郎" not in page and "市民 三郎" not in page
    # The office's filter by a unit lists the whole subtree of it.
    office_scope = scope_for_user(administrator("municipality", municipality=osaka))
    below = not_completed(
        everyone, office_scope, today=dt.date(2025, 6, 2), department_id=personnel.pk
    )
    assert {p.department for p in below} == {"総務局/人事部/人事課", "総務局/人事部/人事課/研修係"}


def test_the_office_assigns_a_subtree_and_positions_in_the_admin(client, world):
    osaka = world["osaka"]
    client.force_login(administrator("municipality", municipality=osaka))
    form = client.get(reverse("staff_assignments:add")).content.decode()
    assert "総務局 / 人事部 / 人事課 / 研修係" in form and "会計年度任用職員" in form
    response = client.post(
        reverse("staff_assignments:add"),
        {
            "municipality": osaka.pk,
            "course": world["course"].pk,
            "target": "departments",
            "departments": [unit(osaka, "総務局").pk],
            "include_subunits": "on",
            "positions": "主事、課長",
            "employment_types": ["full_time"],
            "staff_numbers": "",
            "starts_on": "2099-04-01",
            "due_on": "2099-06-30",
            "note": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assignment = StaffAssignment.objects.latest("pk")
    assert assignment.positions == ["主事", "課長"]
    assert assignment.employment_types == ["full_time"]
    assert assigned(assignment) == {"1001", "1002"}
