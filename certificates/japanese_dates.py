"""Dates in the Japanese calendar (和暦) as certificates print them. Era boundaries are data."""

from datetime import date

# (first day, era name), oldest first. A new era is one more line here.
ERAS: tuple[tuple[date, str], ...] = (
    (date(1868, 10, 23), "明治"),
    (date(1912, 7, 30), "大正"),
    (date(1926, 12, 25), "昭和"),
    (date(1989, 1, 8), "平成"),
    (date(2019, 5, 1), "令和"),
)


def era_year(day: date) -> tuple[str, int]:
    """The era of ``day`` and the year within it (1 for the era's first year)."""
    for start, name in reversed(ERAS):
        if day >= start:
            return name, day.year - start.year + 1
    raise ValueError(f"{day} is before the first era in ERAS")


def _year_text(number: int) -> str:
    return "元" if number == 1 else str(number)


def format_wareki(day: date, *, with_western: bool = True) -> str:
    """令和7年（2025年）11月22日, or 令和7年11月22日 when ``with_western`` is False."""
    era, number = era_year(day)
    western = f"（{day.year}年）" if with_western else ""
    return f"{era}{_year_text(number)}年{western}{day.month}月{day.day}日"


def format_fiscal_year(fiscal_year: int) -> str:
    """令和7年度 for fiscal year 2025 (named after the era of its first day, 1 April)."""
    era, number = era_year(date(fiscal_year, 4, 1))
    return f"{era}{_year_text(number)}年度"
