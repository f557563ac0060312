"""Reads of mandatory staff training: the figures of the admin report, its CSV/XLSX exports,
the reminder tasks and a staff member's own list all come from these functions.

Definitions (README, "Mandatory staff training"):

- assigned: active staff (not marked as leaving) with the assignment;
- completed: those whose completion falls inside the assignment's window
  (``StaffAssignment.window_start`` … ``window_end``; kept on ``StaffAssignee.completed_at``)
  and is still valid today (no validity rule, or ``valid_until`` not passed);
- expired (期限切れ): completed, but the completion's ``valid_until`` has passed and its
  renewal (if any) is not completed and valid — a renewed person stays completed;
- in progress: not completed, but at least one lesson of the course opened;
- not started: none of these; overdue: not completed and the due date has passed in Asia/Tokyo
  (a due date of 30 June is overdue from 1 July 00:00 JST);
- 受講率 = completed / assigned, per department and in total.

Scope: the caller's ``AreaScope`` is applied here — municipalities through ``scope.filter``,
a department manager's unit and the units below it through ``scope.filter_departments``.
Units are named by their path from the top (総務局/人事部/人事課), so two 庶務係 differ.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _

from base.dates import tokyo_date
from organizations.models import Department, StaffMember
from organizations.scopes import AreaScope
from organizations.units import department_path_names

from .records import Enrollment, StaffAssignee, StaffAssignment


def _rate(completed: int, assigned: int) -> float | None:
    return round(100 * completed / assigned, 1) if assigned else None


@dataclass
class TrainingFigures:
    """The figures of one row of the report (an assignment, or one department of it)."""

    label: str
    assigned: int
    completed: int
    in_progress: int
    not_started: int
    overdue: int
    expired: int = 0
    department_id: int | None = None
    assignment: StaffAssignment | None = None

    @property
    def completion_rate(self) -> float | None:
        """受講率 in percent, one decimal (None when nobody is assigned)."""
        return _rate(self.completed, self.assigned)

    @property
    def completion_rate_display(self) -> str:
        rate = self.completion_rate
        return "—" if rate is None else f"{rate}%"


def assignments_in_scope(scope: AreaScope):
    """The assignments whose municipality lies in the scope, newest due date first."""
    return scope.filter(
        StaffAssignment.objects.select_related("course", "municipality"), field="municipality"
    ).order_by("-due_on", "-pk")


def assignees_in_scope(scope: AreaScope, *, assignment: StaffAssignment | None = None):
    """Assigned active staff the scope may see (a manager: their department only)."""
    rows = StaffAssignee.objects.filter(staff_member__status=StaffMember.Status.ACTIVE)
    rows = scope.filter(rows, field="assignment__municipality")
    rows = scope.filter_departments(rows, field="staff_member__department")
    if assignment is not None:
        rows = rows.filter(assignment=assignment)
    return rows


def _started():
    # Started: the enrollment exists (「受講を始める」, a lesson opened, or a SCORM package
    # launched — a course whose content is a package has no lesson to open).
    return Exists(
        Enrollment.objects.filter(
            learner_id=OuterRef("staff_member__learner_id"),
            course_id=OuterRef("assignment__course_id"),
        )
    )


def _renewed_and_valid(today: dt.date) -> Q:
    # The renewal (``courses.services.recertification``) completed and still valid: the
    # person keeps counting for the assignment renewed (one renewal deep; the renewal's own
    # assignment counts the cycles after it).
    return Q(renewal__completed_at__isnull=False) & (
        Q(renewal__valid_until__isnull=True) | Q(renewal__valid_until__gte=today)
    )


def valid_completion(today: dt.date) -> Q:
    """Assignees whose completion counts today: completed and not expired, or expired but
    renewed by a valid completion of their renewal."""
    return Q(completed_at__isnull=False) & (
        Q(valid_until__isnull=True) | Q(valid_until__gte=today) | _renewed_and_valid(today)
    )


def expired_completion(today: dt.date) -> Q:
    """Assignees whose completion has expired (期限切れ) and was not renewed: they count as
    not completed."""
    return Q(completed_at__isnull=False, valid_until__lt=today) & ~_renewed_and_valid(today)


FIGURE_KEYS = ("n_assigned", "n_completed", "n_in_progress", "n_overdue", "n_expired")


def _figure_aggregates(today: dt.date) -> dict:
    open_ = Q(completed_at__isnull=True)
    return {
        "n_assigned": Count("pk"),
        "n_completed": Count("pk", filter=valid_completion(today)),
        "n_in_progress": Count("pk", filter=open_ & Q(started=True)),
        "n_overdue": Count("pk", filter=open_ & Q(assignment__due_on__lt=today)),
        "n_expired": Count("pk", filter=expired_completion(today)),
    }


def _figures(label, row, **extra) -> TrainingFigures:
    assigned, completed, in_progress = row["n_assigned"], row["n_completed"], row["n_in_progress"]
    expired = row["n_expired"]
    return TrainingFigures(
        label=label,
        assigned=assigned,
        completed=completed,
        in_progress=in_progress,
        not_started=assigned - completed - in_progress - expired,
        overdue=row["n_overdue"],
        expired=expired,
        **extra,
    )


def assignment_figures(scope: AreaScope, *, today: dt.date | None = None) -> list[TrainingFigures]:
    """One row per assignment in scope (two queries whatever the number of assignments)."""
    today = today or tokyo_date()
    assignments = list(assignments_in_scope(scope))
    rows = {
        row["assignment_id"]: row
        for row in assignees_in_scope(scope)
        .filter(assignment__in=[a.pk for a in assignments])
        .annotate(started=_started())
        .values("assignment_id")
        .annotate(**_figure_aggregates(today))
        .order_by()
    }
    empty = dict.fromkeys(FIGURE_KEYS, 0)
    return [_figures(str(a), rows.get(a.pk, empty), assignment=a) for a in assignments]


def department_figures(
    assignment: StaffAssignment, scope: AreaScope, *, today: dt.date | None = None
) -> tuple[list[TrainingFigures], TrainingFigures]:
    """Per department of one assignment, and the total (one query)."""
    today = today or tokyo_date()
    rows = list(
        assignees_in_scope(scope, assignment=assignment)
        .annotate(started=_started())
        .values("staff_member__department_id", "staff_member__department__name")
        .annotate(**_figure_aggregates(today))
        .order_by("staff_member__department__path")
    )
    names = department_path_names([assignment.municipality_id])
    departments = [
        _figures(
            names.get(row["staff_member__department_id"]) or _("（所属なし）"),
            row,
            department_id=row["staff_member__department_id"],
        )
        for row in rows
    ]
    total = {key: sum(row[key] for row in rows) for key in FIGURE_KEYS}
    return departments, _figures(_("合計"), total, assignment=assignment)


@dataclass
class PendingPerson:
    """Someone assigned who has not completed yet (the list offices chase)."""

    staff_number: str
    name: str
    department: str
    status: str
    due_on: dt.date
    overdue: bool
    assigned_on: dt.date
    staff_member_id: int | None = None


def not_completed(
    assignment: StaffAssignment,
    scope: AreaScope,
    *,
    today: dt.date | None = None,
    department_id: int | None = None,
) -> list[PendingPerson]:
    """People of one assignment not completed (or whose completion expired, 期限切れ), by
    department and staff number (1 query)."""
    today = today or tokyo_date()
    rows = (
        assignees_in_scope(scope, assignment=assignment)
        .exclude(valid_completion(today))
        .annotate(started=_started())
        .values(
            "staff_member_id",
            "completed_at",
            "staff_member__staff_number",
            "staff_member__name",
            "staff_member__department_id",
            "started",
            "assigned_on",
        )
        .order_by("staff_member__department__path", "staff_member__staff_number")
    )
    if department_id is not None:
        # A unit and everything below it (picking 総務局 lists its 課 and 係 too).
        unit = Department.objects.filter(pk=department_id).first()
        rows = rows.filter(staff_member__department__path__startswith=unit.path if unit else "-")
    names = department_path_names([assignment.municipality_id])
    overdue = assignment.due_on < today
    return [
        PendingPerson(
            staff_number=row["staff_member__staff_number"],
            name=row["staff_member__name"],
            department=names.get(row["staff_member__department_id"], ""),
            status=_("期限切れ")
            if row["completed_at"]
            else _("受講中")
            if row["started"]
            else _("未受講"),
            due_on=assignment.due_on,
            overdue=overdue and not row["completed_at"],
            assigned_on=row["assigned_on"],
            staff_member_id=row["staff_member_id"],
        )
        for row in rows
    ]


@dataclass
class MyAssignment:
    """One of a staff member's own assignments, as shown on /my/ and the home page."""

    assignee_id: int
    course: object
    due_on: dt.date
    starts_on: dt.date
    completed_at: dt.datetime | None
    overdue: bool
    days_left: int
    valid_until: dt.date | None = None
    expired: bool = False
    # A renewal (更新) of an earlier completion: the same course again, so /my/ says why.
    is_renewal: bool = False

    @property
    def is_completed(self) -> bool:
        """Completed and still valid (an expired completion needs renewing)."""
        return self.completed_at is not None and not self.expired


def assignments_for_learner(learner, *, today: dt.date | None = None) -> list[MyAssignment]:
    """The learner's own assignments (as an active staff member), most urgent first: overdue,
    then by due date, completed ones last. One query."""
    if learner is None or learner.user_id is None:
        return []
    today = today or tokyo_date()
    rows = (
        StaffAssignee.objects.filter(
            staff_member__learner=learner,
            staff_member__status=StaffMember.Status.ACTIVE,
            assignment__starts_on__lte=today,
            # Once renewed, the renewal stands for the course (the old one is in the history).
            renewal__isnull=True,
        )
        .select_related("assignment__course")
        .order_by("assignment__due_on", "pk")
    )
    items = [
        MyAssignment(
            assignee_id=row.pk,
            course=row.assignment.course,
            due_on=row.assignment.due_on,
            starts_on=row.assignment.starts_on,
            completed_at=row.completed_at,
            overdue=row.completed_at is None and row.assignment.due_on < today,
            days_left=(row.assignment.due_on - today).days,
            valid_until=row.valid_until,
            expired=row.completed_at is not None
            and row.valid_until is not None
            and row.valid_until < today,
            is_renewal=row.assignment.renewal_of_id is not None,
        )
        for row in rows
    ]
    items.sort(key=lambda item: (item.is_completed, not item.overdue, item.due_on))
    return items
