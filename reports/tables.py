"""The tables of the KPI report, registered once: the dashboard shows and exports them (CSV and
XLSX), and ``kpi_report`` prints them (``--format table``) or writes one (``--format csv``).

Each :class:`Table` has a key (the ``table=`` of an export, the ``--table`` of the command),
a title (the dashboard's list of downloads), its Japanese column headings, and a function from a
report (``reports.schemas.KpiOut``) to its rows. Registering a table here is all a new export
needs: the dashboard offers it as CSV and XLSX and the command prints or writes it. Percentages are given as numbers of percent with one decimal; unknown figures as empty
cells.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .schemas import KpiOut


@dataclass(frozen=True)
class Table:
    """One table of the report: its key, its column headings and how its rows are made."""

    key: str
    title: str  # a lazy translation, shown in the dashboard's list of downloads
    headings: tuple[str, ...]  # lazy translations: made text when a table is built
    rows: Callable[[KpiOut], list[list]]

    def build(self, report: KpiOut) -> tuple[list[str], list[list]]:
        """The table of ``report`` as (headings, rows)."""
        return [str(heading) for heading in self.headings], self.rows(report)


def _blank(value):
    return "" if value is None else value


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


# The summary is one row per figure of the total: (label, cell).
_SUMMARY = (
    (_("実績（人）"), lambda total: total.actual),
    (_("うちオンライン"), lambda total: total.online),
    (_("うち講座（対面・ライブ配信）"), lambda total: total.in_person),
    (_("目標（人）"), lambda total: _blank(total.target)),
    (_("進捗率（%）"), lambda total: _percent(total.progress)),
    (_("年度の経過（%）"), lambda total: _percent(total.elapsed_share)),
    (_("ペース（%）"), lambda total: _percent(total.pace)),
    (_("年度末の見込み（人）"), lambda total: _blank(total.projection)),
    (_("人口"), lambda total: _blank(total.population)),
    (_("人口1万人あたり養成数"), lambda total: _blank(total.rate_per_10000)),
    (_("累計（事業開始から）"), lambda total: total.cumulative),
)


def _summary_rows(report: KpiOut) -> list[list]:
    return [[str(label), cell(report.total)] for label, cell in _SUMMARY]


def _area_rows(report: KpiOut) -> list[list]:
    return [
        [
            row.code or "",
            row.name,
            row.actual,
            row.online,
            row.in_person,
            _blank(row.target),
            _percent(row.progress),
            _blank(row.rate_per_10000),
        ]
        for row in report.rows
    ]


def _month_rows(report: KpiOut) -> list[list]:
    return [[m.month, m.actual, m.online, m.in_person, _blank(m.target)] for m in report.by_month]


def _attendee_type_rows(report: KpiOut) -> list[list]:
    return [[label, n] for label, n in report.by_attendee_type.items()]


# In reading order: the order ``kpi_report --format table`` prints them in.
TABLES = {
    table.key: table
    for table in (
        Table("summary", _("概要"), (_("項目"), _("値")), _summary_rows),
        Table(
            "months",
            _("月別の推移"),
            (_("月"), _("実績"), _("オンライン"), _("講座"), _("目標")),
            _month_rows,
        ),
        Table(
            "attendee_types", _("受講者区分別"), (_("受講者区分"), _("人数")), _attendee_type_rows
        ),
        Table(
            "areas",
            _("地域別の内訳"),
            (
                _("コード"),
                _("地域"),
                _("実績"),
                _("オンライン"),
                _("講座"),
                _("目標"),
                _("進捗率（%）"),
                _("人口1万人あたり"),
            ),
            _area_rows,
        ),
    )
}
# The table of an export or of ``--format csv`` when none is named: the drill-down rows.
DEFAULT_TABLE = "areas"


def report_tables(report: KpiOut) -> dict[str, tuple[list[str], list[list]]]:
    """Every table of ``report``, by key, as (headings, rows)."""
    return {key: table.build(report) for key, table in TABLES.items()}
