"""``manage.py kpi_report --fiscal-year 2025 [--prefecture 27] [--municipality 271004]
[--format table|csv|json]``: the KPI report for operators and scheduled jobs."""

import json

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from base.replica import reads_reports
from base.spreadsheets import csv_text
from organizations.scopes import NATION, scope_for_user
from reports.areas import AreaNotFound
from reports.figures import kpi_report
from reports.parameters import InvalidParameter
from reports.tables import DEFAULT_TABLE, TABLES, report_tables


class Command(BaseCommand):
    help = "つながりサポーター養成数と目標（API・管理画面と同じ数値）を出力します。"

    def add_arguments(self, parser):
        parser.add_argument("--fiscal-year", required=True, help="年度（西暦、例: 2025）")
        parser.add_argument("--prefecture", help="都道府県コード（例: 27）")
        parser.add_argument("--municipality", help="市区町村コード（6桁、例: 271004）")
        parser.add_argument(
            "--format", choices=["table", "csv", "json"], default="table", help="出力形式"
        )
        parser.add_argument(
            "--table",
            choices=list(TABLES),
            default=DEFAULT_TABLE,
            help=f"--format csv で出力する表（既定: {DEFAULT_TABLE}）",
        )
        parser.add_argument(
            "--user",
            help="この管理者の範囲で出力する（省略時は全国。市区町村の定期ジョブ向け）",
        )

    @reads_reports
    def handle(self, *args, **options):
        scope = NATION
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            scope = scope_for_user(user) if user else None
            if scope is None:
                raise CommandError(f"ユーザー {options['user']} には管理者の範囲がありません。")
        try:
            report = kpi_report(
                scope=scope,
                fiscal_year=options["fiscal_year"],
                prefecture=options["prefecture"],
                municipality=options["municipality"],
            )
        except InvalidParameter as error:
            raise CommandError(str(error)) from error
        except AreaNotFound as error:
            raise CommandError(f"地域コード {error} は見つかりません。") from error
        except PermissionDenied as error:
            raise CommandError("この地域を見る権限がありません。") from error

        if options["format"] == "json":
            self.stdout.write(json.dumps(report.model_dump(), ensure_ascii=False, indent=2))
        elif options["format"] == "csv":
            headings, rows = TABLES[options["table"]].build(report)
            self.stdout.write(csv_text(rows, header=headings), ending="")
        else:
            self._table(report)

    def _table(self, report):
        self.stdout.write(f"{report.fiscal_year}年度 {report.area.name}")
        for headings, rows in report_tables(report).values():
            self.stdout.write("")
            self.stdout.write(_format_table(headings, rows))


def _width(text: str) -> int:
    # Full-width characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _format_table(headings, rows) -> str:
    cells = [[str(h) for h in headings]] + [[str(c) for c in row] for row in rows]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(headings))]
    lines = []
    for index, row in enumerate(cells):
        padded = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - _width(cell))
            padded.append(pad + cell if cell.replace(".", "").isdigit() else cell + pad)
        lines.append("  ".join(padded).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
