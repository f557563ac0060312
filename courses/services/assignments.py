"""Writes of mandatory staff training: saving an assignment, expanding it to people (also to
people who join later), and recording completions against it. One transaction each.

Rules (README, "Mandatory staff training"):

- An assignment targets the active staff of its municipality: all of them, some units (with
  the units below them, unless ``include_subunits`` is off), or named people; narrowed, when
  given, to some positions (役職) and employment types (雇用形態). Each person gets one
  ``StaffAssignee`` row.
- Until its due date, an assignment keeps expanding: people who join a targeted department
  (a roster import) are assigned on the day they appear.
- A completion counts for an assignment when it falls inside the assignment's window: from the
  start of the assignment's fiscal year (or from its start date, for retraining) to the end of
  that fiscal year (or the due date, if later). Someone who already completed the course in
  the window is assigned as completed and asked nothing more; for a retraining assignment,
  earlier completions do not count and the person's finished course is opened again.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from base.dates import fiscal_year_of, tokyo_date
from organizations.models import EmploymentType, Municipality, StaffMember

from ..audiences import Audience
from ..records import Completion, Enrollment, StaffAssignee, StaffAssignment


class AssignmentError(ValueError):
    """An assignment that cannot be saved as given (a message for people)."""


def _targeted_staff(assignment: StaffAssignment):
    staff = StaffMember.objects.filter(
        municipality_id=assignment.municipality_id, status=StaffMember.Status.ACTIVE
    )
    if assignment.target == StaffAssignment.Target.DEPARTMENTS:
        if assignment.include_subunits:
            # The units chosen and every unit below them, as the tree is today: someone
            # moved (異動) into a 係 under a chosen 課 is assigned on the next roster.
            condition = Q()
            for path in assignment.departments.values_list("path", flat=True):
                condition |= Q(department__path__startswith=path)
            staff = staff.filter(condition) if condition else staff.none()
        else:
            staff = staff.filter(department__in=assignment.departments.all())
    elif assignment.target == StaffAssignment.Target.PEOPLE:
        staff = staff.filter(pk__in=assignment.staff_members.all())
    # Positions and employment types narrow the target (empty: everyone of it).
    if assignment.positions:
        staff = staff.filter(position__in=assignment.positions)
    if assignment.employment_types:
        staff = staff.filter(employment_type__in=assignment.employment_types)
    return staff


def _expand(assignment: StaffAssignment, *, today: dt.date) -> int:
    """Add the targeted people not yet assigned; returns how many were added. A fixed number
    of statements whatever the number of people (no lists of ids sent to the database)."""
    new_staff = _targeted_staff(assignment).exclude(assignments__assignment=assignment)
    new_people = list(new_staff.values_list("pk", "learner_id"))
    if not new_people:
        return 0
    # The earliest completion inside the window, per learner.
    done = {}
    for learner_id, completed_at in (
        Completion.objects.filter(
            course_id=assignment.course_id,
            learner__staff_member__in=new_staff,
            completed_on__gte=assignment.window_start,
            completed_on__lte=assignment.window_end,
        )
        .order_by("completed_at")
        .values_list("learner_id", "completed_at")
    ):
        done.setdefault(learner_id, completed_at)
    StaffAssignee.objects.bulk_create(
        [
            StaffAssignee(
                assignment=assignment,
                staff_member_id=pk,
                assigned_on=today,
                completed_at=done.get(learner_id),
            )
            for pk, learner_id in new_people
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
    # People who finished the course outside the window take it again: open their enrollment.
    to_reopen = Enrollment.objects.filter(
        course_id=assignment.course_id,
        completed_at__isnull=False,
        learner__staff_member__assignments__assignment=assignment,
        learner__staff_member__assignments__completed_at__isnull=True,
    )
    for enrollment in to_reopen:
        _reopen(enrollment)
    return len(new_people)


def _reopen(enrollment: Enrollment) -> None:
    """Start a finished course afresh: the old completion stays (statistics, certificates) but
    no longer belongs to the enrollment, and lesson progress starts from zero."""
    Completion.objects.filter(enrollment=enrollment).update(enrollment=None)
    enrollment.lesson_progress.all().delete()
    enrollment.completed_at = None
    enrollment.last_lesson = None
    enrollment.save(update_fields=["completed_at", "last_lesson", "last_activity_at"])


@transaction.atomic
def assignment_save(
    *,
    assignment: StaffAssignment,
    departments=(),
    staff_members=(),
    user=None,
    today: dt.date | None = None,
) -> StaffAssignment:
    """Create or change an assignment and assign it to the people it targets now.

    People already assigned stay assigned (narrowing the target does not unassign anyone who
    may already have started); their completions keep counting.
    """
    today = today or tokyo_date()
    if assignment.due_on < assignment.starts_on:
        raise AssignmentError(_("期限は開始日より後にしてください。"))
    if assignment.course.audience != Audience.STAFF:
        raise AssignmentError(_("職員向けのコースを選んでください。"))
    departments = list(departments)
    staff_members = list(staff_members)
    if any(d.municipality_id != assignment.municipality_id for d in departments):
        raise AssignmentError(_("別の市区町村の所属は選べません。"))
    if any(s.municipality_id != assignment.municipality_id for s in staff_members):
        raise AssignmentError(_("別の市区町村の職員は選べません。"))
    if assignment.target == StaffAssignment.Target.DEPARTMENTS and not departments:
        raise AssignmentError(_("対象の所属を選んでください。"))
    if assignment.target == StaffAssignment.Target.PEOPLE and not staff_members:
        raise AssignmentError(_("対象の職員を指定してください。"))
    unknown = set(assignment.employment_types or []) - set(EmploymentType.values)
    if unknown:
        raise AssignmentError(_("雇用形態の指定が正しくありません。"))
    assignment.positions = sorted({p.strip() for p in assignment.positions or [] if p.strip()})
    assignment.fiscal_year = fiscal_year_of(assignment.starts_on)
    if assignment.pk is None and user is not None:
        assignment.created_by = user
    assignment.save()
    assignment.departments.set(
        departments if assignment.target == StaffAssignment.Target.DEPARTMENTS else []
    )
    assignment.staff_members.set(
        staff_members if assignment.target == StaffAssignment.Target.PEOPLE else []
    )
    _expand(assignment, today=today)
    return assignment


@transaction.atomic
def assignments_expand(*, municipality: Municipality, today: dt.date | None = None) -> int:
    """Assign the open assignments (due date not passed) of ``municipality`` to the people
    who joined since; returns how many people were assigned."""
    today = today or tokyo_date()
    added = 0
    open_assignments = StaffAssignment.objects.filter(
        municipality=municipality, due_on__gte=today
    ).select_related("course")
    for assignment in open_assignments:
        added += _expand(assignment, today=today)
    return added


def assignees_record_completion(*, completion: Completion) -> int:
    """Mark this completion on the learner's assignments of the course whose window holds it
    (inside the completing transaction). Returns how many assignments it completed.

    One UPDATE: the window test of ``StaffAssignment.window_start``/``window_end`` written
    for the completion's day ``d`` of fiscal year ``fy``: from the start date (retraining) or
    the assignment's fiscal year (``fiscal_year <= fy``), up to the end of that fiscal year
    (``fiscal_year >= fy``) or the due date, whichever is later.
    """
    if completion.learner_id is None:
        return 0
    day = completion.completed_on
    year = fiscal_year_of(day)
    return (
        StaffAssignee.objects.filter(
            staff_member__learner_id=completion.learner_id,
            assignment__course_id=completion.course_id,
            completed_at__isnull=True,
        )
        .filter(
            Q(assignment__retrain=True, assignment__starts_on__lte=day)
            | Q(assignment__retrain=False, assignment__fiscal_year__lte=year),
            Q(assignment__fiscal_year__gte=year) | Q(assignment__due_on__gte=day),
        )
        .update(completed_at=completion.completed_at)
    )


@transaction.atomic
def assignment_delete(*, assignment: StaffAssignment) -> None:
    """Withdraw an assignment (its people's learning records stay)."""
    assignment.delete()
