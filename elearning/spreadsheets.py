"""CSV that Excel opens correctly in Japan: UTF-8 with a byte-order mark and CRLF line ends.

Without the BOM, Excel on Japanese Windows reads UTF-8 as Shift_JIS and shows mojibake.
"""

import csv
import io

from wagtail.admin.views.mixins import SpreadsheetExportMixin

BOM = "\ufeff"


def csv_text(rows, *, header=None, preamble=()) -> str:
    """The whole CSV as text (with BOM): ``preamble`` lines, then ``header``, then ``rows``."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    for line in preamble:
        writer.writerow([line])
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


class ExcelCsvMixin(SpreadsheetExportMixin):
    """Wagtail report/listing exports whose CSV starts with a BOM, uses CRLF and says its
    charset."""

    def stream_csv(self, queryset):
        yield BOM.encode("utf-8")
        for line in super().stream_csv(queryset):
            yield line.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")

    def write_csv_response(self, queryset):
        response = super().write_csv_response(queryset)
        response["Content-Type"] = "text/csv; charset=utf-8"
        return response
