"""Recertification (更新): assigning a staff course again to the people whose completion is
about to expire, run daily by ``python manage.py recertify_staff``.

A completion enters its recertification window ``renewal_window_months`` before it expires
(``courses.validity``). Each such person (active, completion not yet renewed) is assigned a
*renewal assignment*: an ordinary ``StaffAssignment`` of the same municipality and course,
targeting named people, starting today, due on the last valid day of their completion
(today, if that has already passed), a retraining (earlier completions do not count, the
finished course opens again), with the same validity rule, linked to the assignment it
renews (``renewal_of``). People whose completions expire on the same day share one renewal
assignment (with an annual date: everyone of a year).

Being ordinary assignments, renewals are reminded by ``send_training_reminders``, counted by
the reports and shown to managers like any other. The old row's ``renewal`` is set in the
same transaction, under a row lock: a second run (or two at once) renews nobody twice.
"""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from base.dates import fiscal_year_of, tokyo_date
from organizations.models import Municipality, StaffMember

from ..records import StaffAssignee, StaffAssignment
from ..validity import ValidityRule, add_months

# The expansion of ``assignments`` (same package): a renewal is assigned like any other.
from .assignments import _expand


def _due(assignments_to_renew, today: dt.date):
    """The people due for renewal: completed, valid_until set, not renewed, active, inside
    the window of their assignment's rule."""
    for assignment in assignments_to_renew:
        rule = ValidityRule.of(assignment)
        # valid_until + 1 day - window <= today  ⇔  valid_until < today + window.
        horizon = add_months(today, rule.window_months)
        yield (
            assignment,
            StaffAssignee.objects.filter(
                assignment=assignment,
                completed_at__isnull=False,
                valid_until__isnull=False,
                valid_until__lt=horizon,
                renewal__isnull=True,
                staff_member__status=StaffMember.Status.ACTIVE,
            )
            .select_for_update(of=("self",))
            .select_related("staff_member"),
        )


def _renewal_assignment(origin: StaffAssignment, due_on: dt.date, today: dt.date):
    found = StaffAssignment.objects.filter(
        renewal_of=origin, due_on=due_on, starts_on__lte=today
    ).first()
    if found is not None:
        return found
    return StaffAssignment.objects.create(
        municipality_id=origin.municipality_id,
        course_id=origin.course_id,
        target=StaffAssignment.Target.PEOPLE,
        starts_on=today,
        due_on=due_on,
        fiscal_year=fiscal_year_of(today),
        retrain=True,
        validity=origin.validity,
        validity_months=origin.validity_months,
        annual_month=origin.annual_month,
        annual_day=origin.annual_day,
        renewal_window_months=origin.renewal_window_months,
        renewal_of=origin,
        note=_("更新の研修（自動で割り当て）"),
    )


@transaction.atomic
def recertify(*, municipality: Municipality | None = None, today: dt.date | None = None) -> int:
    """Assign the renewal of every completion that entered its recertification window by
    ``today`` (of ``municipality``, or everywhere); returns how many people were assigned.
    Idempotent: people already renewed are left alone."""
    today = today or tokyo_date()
    assignments = StaffAssignment.objects.exclude(validity=StaffAssignment.Validity.NONE)
    if municipality is not None:
        assignments = assignments.filter(municipality=municipality)
    renewed = 0
    for origin, rows in _due(assignments.select_related("course").order_by("pk"), today):
        for row in rows:
            due_on = max(row.valid_until, today)
            renewal = _renewal_assignment(origin, due_on, today)
            renewal.staff_members.add(row.staff_member)
            _expand(renewal, today=today)
            new_row = StaffAssignee.objects.get(assignment=renewal, staff_member=row.staff_member)
            row.renewal = new_row
            row.save(update_fields=["renewal"])
            renewed += 1
    return renewed
