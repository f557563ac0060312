"""Reads of the validity of staff training (有効期限): the list of people whose completion
expires soon (admin report and its CSV/XLSX) and a person's 受講履歴 (admin and /my/).

Definitions (README, "Mandatory staff training" → "Validity and recertification"):

- a completion's ``valid_until`` is kept on the ``StaffAssignee`` it completed;
- status: 有効 (no rule, or not yet in the renewal window, or already renewed), 更新待ち
  (inside the window, no later completion), 期限切れ (``valid_until`` passed);
- expiring within N days: completed, ``valid_until`` between today and today + N, and not
  covered by a later valid completion of the same course (the renewal done).

Scope: the caller's ``AreaScope`` as in ``courses.queries`` (a manager: their staff only).
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils.translation import gettext as _

from base.dates import tokyo_date
from organizations.models import StaffMember
from organizations.scopes import AreaScope
from organizations.units import department_path_names

from .audiences import Audience
from .queries import assignees_in_scope
from .records import Completion, StaffAssignee
from .ruby import strip_ruby
from .validity import ValidityRule, validity_status

STATUS_LABELS = {
    "valid": _("有効"),
    "renewal_due": _("更新待ち"),
    "expired": _("期限切れ"),
}


@dataclass
class ExpiringPerson:
    """One person whose completion of one course expires within the chosen days."""

    staff_member_id: int
    staff_number: str
    name: str
    department: str
    municipality: str
    course: str
    completed_on: dt.date | None
    valid_until: dt.date
    days_left: int
    renewal_due_on: dt.date | None

    @property
    def renewal_label(self) -> str:
        if self.renewal_due_on is None:
            return _("未割り当て")
        return _("割り当て済み（期限 %(date)s）") % {"date": f"{self.renewal_due_on:%Y-%m-%d}"}


def _covered_later(today: dt.date):
    """A valid completion of the same person and course lasting longer (or forever)."""
    later = StaffAssignee.objects.filter(
        staff_member_id=OuterRef("staff_member_id"),
        assignment__course_id=OuterRef("assignment__course_id"),
        completed_at__isnull=False,
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gt=OuterRef("valid_until")))
    return Exists(later)


def expiring_within(
    scope: AreaScope, *, days: int, today: dt.date | None = None
) -> list[ExpiringPerson]:
    """People in scope whose valid completion expires within ``days`` days from today, the
    soonest first, each unit named by its path from the top as in the other staff reports
    (two queries: the people, then their units' paths)."""
    today = today or tokyo_date()
    rows = (
        assignees_in_scope(scope)
        .filter(
            completed_at__isnull=False,
            valid_until__gte=today,
            valid_until__lte=today + dt.timedelta(days=days),
        )
        .filter(~_covered_later(today))
        .select_related(
            "staff_member__department",
            "assignment__course",
            "assignment__municipality",
            "completion",
            "renewal__assignment",
        )
        .order_by("valid_until", "staff_member__department__name", "staff_member__staff_number")
    )
    rows = list(rows)
    unit_paths = department_path_names({row.staff_member.municipality_id for row in rows})
    return [
        ExpiringPerson(
            staff_member_id=row.staff_member_id,
            staff_number=row.staff_member.staff_number,
            name=row.staff_member.name,
            department=unit_paths.get(row.staff_member.department_id, "")
            if row.staff_member.department_id
            else "",
            municipality=row.assignment.municipality.name,
            course=strip_ruby(row.assignment.course.title),
            completed_on=row.completion.completed_on if row.completion else None,
            valid_until=row.valid_until,
            days_left=(row.valid_until - today).days,
            renewal_due_on=row.renewal.assignment.due_on if row.renewal else None,
        )
        for row in rows
    ]


@dataclass
class HistoryEntry:
    """One completion in a person's 受講履歴."""

    course: object
    course_title: str
    completed_on: dt.date
    fiscal_year: int
    certificate_serial: str
    certificate_url: str
    valid_until: dt.date | None
    status: str

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def staff_in_scope(scope: AreaScope):
    """The staff members the scope may see (a manager: their staff only)."""
    staff = scope.filter(StaffMember.objects.all(), field="municipality")
    return scope.filter_departments(staff, field="department")


def history_for_learner(
    learner_id: int | None, *, today: dt.date | None = None
) -> list[HistoryEntry]:
    """Every completion of a staff course by the learner, newest first, with its certificate
    and validity (two queries). Earlier years are kept: nothing here is ever deleted."""
    if learner_id is None:
        return []
    today = today or tokyo_date()
    completions = (
        Completion.objects.filter(learner_id=learner_id, course__audience=Audience.STAFF)
        .select_related("course", "certificate")
        .prefetch_related(
            Prefetch(
                "staff_assignees",
                queryset=StaffAssignee.objects.select_related("assignment").order_by(
                    "-assignment_id"
                ),
            )
        )
        .order_by("-completed_at", "-pk")
    )
    entries = []
    latest_by_course: set[int] = set()
    for completion in completions:
        renewed = completion.course_id in latest_by_course  # a later completion exists
        latest_by_course.add(completion.course_id)
        assignee = next(iter(completion.staff_assignees.all()), None)
        valid_until = assignee.valid_until if assignee else None
        opens_on = (
            ValidityRule.of(assignee.assignment).renewal_opens_on(valid_until) if assignee else None
        )
        certificate = getattr(completion, "certificate", None)
        entries.append(
            HistoryEntry(
                course=completion.course,
                course_title=strip_ruby(completion.course.title),
                completed_on=completion.completed_on,
                fiscal_year=completion.fiscal_year,
                certificate_serial=certificate.serial if certificate else "",
                certificate_url=certificate.get_absolute_url() if certificate else "",
                valid_until=valid_until,
                status=validity_status(today, valid_until, opens_on, renewed=renewed),
            )
        )
    return entries
