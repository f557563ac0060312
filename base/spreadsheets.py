"""The one writer of every CSV and XLSX the product produces.

CSV is for Excel in Japan and for machines: UTF-8 with a byte-order mark (without it, Excel on
Japanese Windows reads UTF-8 as Shift_JIS and shows mojibake), CRLF line ends, and the header row
first — no title lines, so that any CSV reader takes the header for the header. XLSX is the report
for people: a title, what it covers and when it was made, then the table, on a named sheet.

Text that a spreadsheet would run as a formula (OWASP "CSV injection": a cell starting with
``= + - @``, a tab or a carriage return, or their full-width forms that Japanese input methods
produce) is written with a leading apostrophe. Numbers stay numbers, so genuine negative figures
are not touched.
"""

import csv
import io
import unicodedata

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from wagtail.admin.views.mixins import SpreadsheetExportMixin

BOM = "\ufeff"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
# Excel allows at most 31 characters in a sheet name and none of these.
SHEET_NAME_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", "・"))
TITLE_ROWS_WIDTH_SAMPLE = 200
MAX_COLUMN_WIDTH = 60


def neutralise_cell(value):
    """``value`` made safe for a spreadsheet: text that would start a formula gets a leading
    ``'``; numbers, dates and empty cells are returned unchanged."""
    if isinstance(value, str) and value.lstrip(" \u3000").startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_text(rows, *, header=None) -> str:
    """The whole CSV as text (with BOM): ``header``, then ``rows``, every cell neutralised."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header:
        writer.writerow([neutralise_cell(cell) for cell in header])
    writer.writerows([neutralise_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def display_width(value) -> int:
    """Columns ``value`` takes in a spreadsheet: full-width characters count twice."""
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "FW" else 1 for ch in text)


def sheet_name(title) -> str:
    """A valid Excel sheet name from a title."""
    name = str(title).translate(SHEET_NAME_FORBIDDEN).strip("'") or "Sheet1"
    return name[:31]


class ExcelCsvMixin(SpreadsheetExportMixin):
    """Wagtail report/listing exports through the shared rules above: neutralised CSV with BOM
    and CRLF, and XLSX as a titled report with sensible column widths.

    Views say what the export covers with ``get_export_details()`` (pairs of label and value,
    e.g. 年度 and 地域); the title is the page title and subtitle.
    """

    def preprocess_field_value(self, field, value, export_format):
        value = super().preprocess_field_value(field, value, export_format)
        if export_format == self.FORMAT_CSV:
            return neutralise_cell(value)
        return value

    def get_heading(self, queryset, field):
        return neutralise_cell(super().get_heading(queryset, field))

    def stream_csv(self, queryset):
        yield BOM.encode("utf-8")
        for line in super().stream_csv(queryset):
            yield line.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")

    def write_csv_response(self, queryset):
        response = super().write_csv_response(queryset)
        response["Content-Type"] = "text/csv; charset=utf-8"
        return response

    def get_export_title(self) -> str:
        """The title row of the XLSX report."""
        title = str(self.get_page_title())
        subtitle = self.get_page_subtitle() if hasattr(self, "get_page_subtitle") else ""
        return f"{title}（{subtitle}）" if subtitle else title

    def get_export_details(self) -> list[tuple[str, str]]:
        """What the export covers, as (label, value) rows under the title."""
        return []

    def write_xlsx(self, queryset, output):
        """An XLSX report: title, details, 作成日時, a blank row, then the table."""
        title = self.get_export_title()
        details = [
            *self.get_export_details(),
            (_("作成日時"), timezone.localtime().strftime("%Y-%m-%d %H:%M")),
        ]
        headings = [self.get_heading(queryset, field) for field in self.list_export]
        rows = iter(queryset)
        sample = []
        for item in rows:
            sample.append(self.to_row_dict(item))
            if len(sample) >= TITLE_ROWS_WIDTH_SAMPLE:
                break

        workbook = Workbook(write_only=True, iso_dates=True)
        worksheet = workbook.create_sheet(title=sheet_name(self.get_page_title()))
        for index, heading in enumerate(headings):
            widest = max(
                [display_width(heading)]
                + [display_width(row[self.list_export[index]]) for row in sample]
            )
            letter = get_column_letter(index + 1)
            worksheet.column_dimensions[letter].width = min(widest + 2, MAX_COLUMN_WIDTH)
        worksheet.freeze_panes = f"A{len(details) + 4}"

        title_cell = WriteOnlyCell(worksheet, title)
        title_cell.font = Font(bold=True, size=14)
        title_cell.data_type = "s"
        worksheet.append([title_cell])
        for label, value in details:
            worksheet.append([str(label), str(value)])
        worksheet.append([])
        heading_cells = []
        for heading in headings:
            cell = WriteOnlyCell(worksheet, heading)
            cell.font = Font(bold=True)
            heading_cells.append(cell)
        worksheet.append(heading_cells)
        for row in sample:
            worksheet.append(self.generate_xlsx_row(worksheet, row))
        for item in rows:
            worksheet.append(self.generate_xlsx_row(worksheet, self.to_row_dict(item)))
        workbook.save(output)
