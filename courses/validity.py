"""Validity of a staff training completion (有効期限) and when it is due for renewal (更新).

Pure date arithmetic, no database: the rule is carried by a ``StaffAssignment`` (README,
"Mandatory staff training" → "Validity and recertification") and these functions turn it
into the last valid day of one completion (``valid_until``, inclusive) and the day its
recertification window opens.

- ``none``: a completion never expires (``valid_until`` is None).
- ``period``: valid for ``validity_months`` months from the completion day: completed on
  10 May 2026 with 12 months → valid until 9 May 2027.
- ``annual``: valid until the day before a fixed date (every 1 April → until 31 March).
  A completion inside the recertification window before that date counts for the next year
  (otherwise a renewal taken in February would expire in April), so the expiry is the first
  fixed date after the completion day plus the window.
"""

import calendar
import datetime as dt
from dataclasses import dataclass

NONE = "none"
PERIOD = "period"
ANNUAL = "annual"


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months; the 31st becomes the month's last day."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _fixed_date(year: int, month: int, day: int) -> dt.date:
    # 29 February in a common year is taken as 28 February.
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class ValidityRule:
    """The validity rule of an assignment (see the module's docstring)."""

    kind: str = NONE
    months: int | None = None
    window_months: int = 0
    annual_month: int | None = None
    annual_day: int | None = None

    @classmethod
    def of(cls, assignment) -> "ValidityRule":
        """The rule carried by a ``StaffAssignment``."""
        return cls(
            kind=assignment.validity or NONE,
            months=assignment.validity_months,
            window_months=assignment.renewal_window_months or 0,
            annual_month=assignment.annual_month,
            annual_day=assignment.annual_day,
        )

    @property
    def expires(self) -> bool:
        return self.kind in (PERIOD, ANNUAL)

    def valid_until(self, completed_on: dt.date) -> dt.date | None:
        """The last day a completion made on ``completed_on`` is valid (None: no expiry)."""
        if self.kind == PERIOD:
            return add_months(completed_on, self.months) - dt.timedelta(days=1)
        if self.kind == ANNUAL:
            counted = add_months(completed_on, self.window_months)
            expiry = _fixed_date(counted.year, self.annual_month, self.annual_day)
            if expiry <= counted:
                expiry = _fixed_date(counted.year + 1, self.annual_month, self.annual_day)
            return expiry - dt.timedelta(days=1)
        return None

    def renewal_opens_on(self, valid_until: dt.date | None) -> dt.date | None:
        """The first day of the recertification window of a completion valid until
        ``valid_until``: ``window_months`` before it expires (None: it never expires)."""
        if valid_until is None:
            return None
        return add_months(valid_until + dt.timedelta(days=1), -self.window_months)


def validity_status(
    today: dt.date, valid_until: dt.date | None, opens_on: dt.date | None, *, renewed: bool
) -> str:
    """``valid``, ``renewal_due`` (inside the window, not yet renewed) or ``expired``."""
    if valid_until is None:
        return "valid"
    if today > valid_until:
        return "expired"
    if opens_on is not None and today >= opens_on and not renewed:
        return "renewal_due"
    return "valid"
