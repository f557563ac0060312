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
- An assignment may carry a validity rule (``courses.validity``): each completion that counts
  for it gets ``StaffAssignee.valid_until``, kept when the completion is recorded and
  recomputed here when the rule changes.
"""

import datetime as dt

from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from base.dates import fiscal_year_of, tokyo_date
from base.db.sql import column
from organizations.models import EmploymentType, Municipality, StaffMember

from ..audiences import Audience
from ..records import Completion, Enrollment, StaffAssignee, StaffAssignment
from ..validity import ValidityRule


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
    # The latest completion inside the window, per learner (the one whose validity counts).
    done = {}
    for learner_id, completion_id, completed_at, completed_on in (
        Completion.objects.filter(
            course_id=assignment.course_id,
            learner__staff_member__in=new_staff,
            completed_on__gte=assignment.window_start,
            completed_on__lte=assignment.window_end,
        )
        .order_by("-completed_at")
        .values_list("learner_id", "pk", "completed_at", "completed_on")
    ):
        done.setdefault(learner_id, (completion_id, completed_at, completed_on))
    rule = ValidityRule.of(assignment)
    none = (None, None, None)
    StaffAssignee.objects.bulk_create(
        [
            StaffAssignee(
                assignment=assignment,
                staff_member_id=pk,
                assigned_on=today,
                completion_id=done.get(learner_id, none)[0],
                completed_at=done.get(learner_id, none)[1],
                valid_until=rule.valid_until(done[learner_id][2]) if learner_id in done else None,
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


def validity_errors(assignment: StaffAssignment) -> dict[str, str]:
    """What is wrong with the assignment's validity rule, by field (empty when it is fine)."""
    errors = {}
    kind = assignment.validity
    if kind not in StaffAssignment.Validity.values:
        return {"validity": _("修了の有効期限の種類を選んでください。")}
    if kind == StaffAssignment.Validity.PERIOD:
        if not assignment.validity_months or not 1 <= assignment.validity_months <= 120:
            errors["validity_months"] = _("有効期間を 1〜120 か月で入れてください。")
    elif kind == StaffAssignment.Validity.ANNUAL:
        month, day = assignment.annual_month, assignment.annual_day
        if not month or not 1 <= month <= 12:
            errors["annual_month"] = _("毎年の期限日の月を 1〜12 で入れてください。")
        elif not day:
            errors["annual_day"] = _("毎年の期限日の日を入れてください。")
        elif not 1 <= day <= (29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31):
            errors["annual_day"] = _("毎年の期限日の日が、その月にない日付です。")
    window = assignment.renewal_window_months or 0
    if kind != StaffAssignment.Validity.NONE:
        # The window must end before the completion's validity begins to run out entirely.
        longest = (
            (assignment.validity_months or 0) if kind == StaffAssignment.Validity.PERIOD else 12
        )
        if window >= max(longest, 1) or window > 11:
            errors["renewal_window_months"] = _(
                "更新の受講期間は、有効期間より短く（11 か月まで）してください。"
            )
    return errors


def _clear_unused_rule_fields(assignment: StaffAssignment) -> None:
    if assignment.validity != StaffAssignment.Validity.PERIOD:
        assignment.validity_months = None
    if assignment.validity != StaffAssignment.Validity.ANNUAL:
        assignment.annual_month = assignment.annual_day = None
    if assignment.validity == StaffAssignment.Validity.NONE:
        assignment.renewal_window_months = 0


def _recompute_validity(assignment: StaffAssignment) -> int:
    """Recompute ``valid_until`` of the assignment's completed people from their completion
    day under the current rule; returns how many rows changed."""
    rule = ValidityRule.of(assignment)
    changed = []
    rows = StaffAssignee.objects.filter(assignment=assignment, completed_at__isnull=False)
    for row in rows.select_related("completion"):
        day = row.completion.completed_on if row.completion else tokyo_date(row.completed_at)
        valid_until = rule.valid_until(day)
        if valid_until != row.valid_until:
            row.valid_until = valid_until
            changed.append(row)
    StaffAssignee.objects.bulk_update(changed, ["valid_until"], batch_size=1000)
    return len(changed)


@transaction.atomic
def assignment_recompute_validity(*, assignment: StaffAssignment) -> int:
    """Recompute the validity of every completion of ``assignment`` after its rule changed
    (``assignment_save`` calls it); returns how many people's 有効期限 changed."""
    # Under the assignment's lock, as in ``assignment_save``: no completion slips in between.
    assignment = StaffAssignment.objects.select_for_update(no_key=True).get(pk=assignment.pk)
    return _recompute_validity(assignment)


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
    errors = validity_errors(assignment)
    if errors:
        raise AssignmentError(next(iter(errors.values())))
    _clear_unused_rule_fields(assignment)
    # The assignment's row is locked until this edit commits: a completion recorded meanwhile
    # (``assignees_record_completion`` locks it too) waits and reads the new rule, and one
    # recorded just before is committed and seen by the recomputation below.
    rule_changed = assignment.pk is not None and ValidityRule.of(assignment) != ValidityRule.of(
        StaffAssignment.objects.select_for_update(no_key=True).get(pk=assignment.pk)
    )
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
    if rule_changed:
        _recompute_validity(assignment)
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

    The window test of ``StaffAssignment.window_start``/``window_end`` written
    for the completion's day ``d`` of fiscal year ``fy``: from the start date (retraining) or
    the assignment's fiscal year (``fiscal_year <= fy``), up to the end of that fiscal year
    (``fiscal_year >= fy``) or the due date, whichever is later.
    """
    if completion.learner_id is None:
        return 0
    day = completion.completed_on
    year = fiscal_year_of(day)
    open_rows = _open_rows(completion.learner_id, completion.course_id, day, year)
    if not open_rows:
        return 0
    # The rules are read under the assignments' locks (in id order, as every completer takes
    # them): an edit of a rule under way commits first and its new rule is the one used; an
    # edit that comes after waits for this transaction and then recomputes this row too.
    # Without the lock, a completion racing an edit kept the old rule's 有効期限.
    rules = {
        assignment.pk: ValidityRule.of(assignment)
        for assignment in StaffAssignment.objects.select_for_update(no_key=True)
        .filter(pk__in=sorted({assignment_id for _row, assignment_id in open_rows}))
        .order_by("pk")
    }
    # Read again after the lock: the edit may have moved an assignment's window.
    row_ids = [
        row_id
        for row_id, assignment_id in _open_rows(
            completion.learner_id, completion.course_id, day, year
        )
        if assignment_id in rules
    ]
    rows = list(StaffAssignee.objects.filter(pk__in=row_ids))
    for row in rows:
        row.completed_at = completion.completed_at
        row.completion = completion
        row.valid_until = rules[row.assignment_id].valid_until(day)
    StaffAssignee.objects.bulk_update(rows, ["completed_at", "completion", "valid_until"])
    return len(rows)


_open_assignments_sql: dict[str, str] = {}


def _open_rows(learner_id: int, course_id: int, day: dt.date, year: int) -> list[tuple[int, int]]:
    """(row id, assignment id) of the learner's open ``StaffAssignee`` rows of the course whose
    window holds ``day`` of fiscal year ``year``: the rows ``assignees_record_completion``
    completes (it reads them again under the assignments' locks). The one place the window
    test is written for a completion.

    Most completions have none; the statement is built once per process from the models, as
    compiling the ORM query for it cost a noticeable share of a completing request's CPU.
    """
    if connection.vendor not in _open_assignments_sql:
        quote = connection.ops.quote_name
        row = StaffAssignee._meta
        member = StaffMember._meta
        assignment = StaffAssignment._meta

        # Identifiers come from the models, never from input; values are parameters.
        _open_assignments_sql[connection.vendor] = (
            f"SELECT r.{quote(row.pk.column)}, r.{column(row, 'assignment')} "  # noqa: S608
            f"FROM {quote(row.db_table)} r "
            f"JOIN {quote(member.db_table)} m "
            f"ON m.{quote(member.pk.column)} = r.{column(row, 'staff_member')} "
            f"JOIN {quote(assignment.db_table)} a "
            f"ON a.{quote(assignment.pk.column)} = r.{column(row, 'assignment')} "
            f"WHERE m.{column(member, 'learner')} = %s AND a.{column(assignment, 'course')} = %s "
            f"AND r.{column(row, 'completed_at')} IS NULL "
            f"AND ((a.{column(assignment, 'retrain')} = %s "
            f"AND a.{column(assignment, 'starts_on')} <= %s) "
            f"OR (a.{column(assignment, 'retrain')} = %s "
            f"AND a.{column(assignment, 'fiscal_year')} <= %s)) "
            f"AND (a.{column(assignment, 'fiscal_year')} >= %s "
            f"OR a.{column(assignment, 'due_on')} >= %s) "
            f"ORDER BY 1"
        )
    on = StaffAssignment._meta.get_field("starts_on").get_db_prep_value(day, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            _open_assignments_sql[connection.vendor],
            [learner_id, course_id, True, on, False, year, year, on],
        )
        return [tuple(found) for found in cursor.fetchall()]


@transaction.atomic
def assignment_delete(*, assignment: StaffAssignment) -> None:
    """Withdraw an assignment (its people's learning records stay)."""
    assignment.delete()
