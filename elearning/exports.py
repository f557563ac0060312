"""Spreadsheet exports of report views that Excel opens correctly."""


class ExcelFriendlyCsvMixin:
    """For ``ReportView``s: CSV starts with a UTF-8 BOM so Excel (Japanese Windows) reads it
    as UTF-8 instead of Shift_JIS, and the content type says so."""

    def stream_csv(self, queryset):
        yield "\ufeff"
        yield from super().stream_csv(queryset)

    def write_csv_response(self, queryset):
        response = super().write_csv_response(queryset)
        response["Content-Type"] = "text/csv; charset=utf-8"
        return response
