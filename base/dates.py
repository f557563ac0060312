"""Dates as Japanese offices count them: Asia/Tokyo calendar days and fiscal years (年度)."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

TOKYO = ZoneInfo("Asia/Tokyo")


def tokyo_date(moment: dt.datetime | None = None) -> dt.date:
    """The calendar date in Japan of an aware datetime (now when omitted)."""
    moment = moment or timezone.now()
    return moment.astimezone(TOKYO).date()


def fiscal_year_of(day: dt.date) -> int:
    """Fiscal year N runs from 1 April N to 31 March N+1."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(fiscal_year: int) -> tuple[dt.date, dt.date]:
    """First and last day of a fiscal year (inclusive)."""
    return dt.date(fiscal_year, 4, 1), dt.date(fiscal_year + 1, 3, 31)
