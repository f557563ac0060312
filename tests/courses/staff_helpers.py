"""Builders for staff-training tests: rosters, staff courses, assignments."""

import datetime as dt

from base.imports import read_dataset
from courses.models import StaffAssignment
from courses.services.assignments import assignment_save
from organizations.models import AdminScope, StaffMember
from organizations.resources import roster_import
from organizations.scopes import NATION
from tests import factories

HEADER = "職員番号,氏名,所属,メールアドレス\n"


def roster(municipality, rows: list[tuple[str, str, str]], *, emails=True):
    """Import a roster of (staff number, name, department) through the real import."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = HEADER + "".join(
        f"{number},{name},{dept},{f'{number}@example.jp' if emails else ''}\n"
        for number, name, dept in rows
    )
    dataset = read_dataset(SimpleUploadedFile("r.csv", text.encode()), max_bytes=10_000_000)
    # The whole roster each time: tests re-import it to move people out.
    outcome = roster_import(
        municipality=municipality,
        dataset=dataset,
        dry_run=False,
        scope=NATION,
        mode="whole",
        allow_mass_leaving=True,
    )
    assert outcome.errors == [], outcome.errors
    return {s.staff_number: s for s in StaffMember.objects.filter(municipality=municipality)}


def staff_course(lessons=2):
    course = factories.course(audience="staff", lessons=lessons)
    course.quiz_required = False
    course.save()
    return course


def assign(
    municipality,
    course,
    *,
    target="all",
    departments=(),
    people=(),
    starts_on=None,
    due_on=None,
    retrain=False,
    today=None,
):
    starts_on = starts_on or dt.date(2025, 6, 1)
    due_on = due_on or dt.date(2025, 6, 30)
    assignment = StaffAssignment(
        municipality=municipality,
        course=course,
        target=target,
        starts_on=starts_on,
        due_on=due_on,
        retrain=retrain,
    )
    return assignment_save(
        assignment=assignment,
        departments=departments,
        staff_members=people,
        today=today or starts_on,
    )


def complete(staff_member, course, *, at):
    """Complete ``course`` as ``staff_member`` at ``at`` through the real services."""
    from unittest import mock

    from courses import services

    with mock.patch.object(services.timezone, "now", return_value=at):
        for lesson in factories.lessons_of(course):
            services.enrollment_complete_lesson(learner=staff_member.learner, lesson=lesson)


def scoped_user(level, **area):
    user = factories.user(email=f"{level}@example.jp")
    AdminScope.objects.create(user=user, level=level, **area)
    return user
