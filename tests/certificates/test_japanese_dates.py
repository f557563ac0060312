from datetime import date

import pytest

from certificates.japanese_dates import era_year, format_fiscal_year, format_wareki


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2025, 11, 22), "令和7年（2025年）11月22日"),
        (date(2019, 5, 1), "令和元年（2019年）5月1日"),
        (date(2019, 4, 30), "平成31年（2019年）4月30日"),
        (date(1989, 1, 8), "平成元年（1989年）1月8日"),
        (date(1989, 1, 7), "昭和64年（1989年）1月7日"),
        (date(2026, 4, 1), "令和8年（2026年）4月1日"),
    ],
)
def test_dates_carry_the_era_and_the_western_year(day, text):
    assert format_wareki(day) == text


def test_formal_certificates_may_use_the_era_alone():
    assert format_wareki(date(2025, 11, 22), with_western=False) == "令和7年11月22日"


def test_fiscal_year_is_named_after_its_first_day():
    assert format_fiscal_year(2025) == "令和7年度"
    assert format_fiscal_year(2024) == "令和6年度"
    assert era_year(date(2020, 3, 31)) == ("令和", 2)
