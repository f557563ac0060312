"""Fiscal-year arithmetic of the KPI: the months of a year, a target spread over them, and how
much of the year's target should have been reached by a given day (DESIGN.md)."""

import datetime as dt

from base.dates import fiscal_year_bounds

from .models import KpiTarget


def fiscal_months(fiscal_year: int) -> list[dt.date]:
    """The first days of the 12 months of a fiscal year, April first."""
    return [dt.date(fiscal_year + (m < 4), m, 1) for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]


def days_in_month(month: dt.date) -> int:
    """The number of days of the month that ``month`` (any day of it) falls in."""
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return (following - month.replace(day=1)).days


def monthly_targets(target: KpiTarget | None, fiscal_year: int) -> list[int] | None:
    """Month targets April–March: the split set on the target, or the year's target shared by
    the days of each month (largest remainders, so the months add up to the target)."""
    if target is None:
        return None
    split = target.monthly_split()
    if split is not None:
        return split
    start, end = fiscal_year_bounds(fiscal_year)
    days = (end - start).days + 1
    exact = [target.target * days_in_month(m) / days for m in fiscal_months(fiscal_year)]
    shares = [int(x) for x in exact]
    order = sorted(range(12), key=lambda i: exact[i] - shares[i], reverse=True)
    for i in order[: target.target - sum(shares)]:
        shares[i] += 1
    return shares


def elapsed_share(fiscal_year: int, today: dt.date, split: list[int] | None = None) -> float:
    """How much of the year's target should be reached by the end of ``today``.

    Without a monthly split: days elapsed / days in the year. With one: the split's months
    before this one plus this month's share by days elapsed in it.
    """
    start, end = fiscal_year_bounds(fiscal_year)
    if today < start:
        return 0.0
    if today >= end:
        return 1.0
    if not split or not sum(split):
        return ((today - start).days + 1) / ((end - start).days + 1)
    expected = 0.0
    for month, planned in zip(fiscal_months(fiscal_year), split, strict=True):
        if (month.year, month.month) < (today.year, today.month):
            expected += planned
        elif (month.year, month.month) == (today.year, today.month):
            expected += planned * today.day / days_in_month(month)
    return expected / sum(split)
