"""Public open data of supporter counts (no personal data, small cells merged)."""

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from elearning.spreadsheets import csv_text

from .queries import InvalidParameter, open_data

OPEN_DATA_COLUMNS = [
    "fiscal_year",
    "month",
    "prefecture_code",
    "prefecture_name",
    "municipality_code",
    "municipality_name",
    "channel",
    "attendee_type",
    "supporters",
]
OPEN_DATA_LICENSE = (
    "# ライセンス: クリエイティブ・コモンズ 表示 4.0 国際（CC BY 4.0）"
    " https://creativecommons.org/licenses/by/4.0/deed.ja"
)
# Regenerated at most this often; the figures are monthly, so minutes of delay are harmless.
OPEN_DATA_CACHE_SECONDS = 600


def open_data_document(fiscal_year: int) -> str:
    """The open data CSV text for a fiscal year (also used by tests and the CLI)."""
    data = open_data(fiscal_year)
    generated = timezone.localtime(data.generated_at).isoformat(timespec="seconds")
    preamble = [
        f"# つながりサポーター養成数 {fiscal_year}年度（月・市区町村・受講方法・受講者区分別）",
        OPEN_DATA_LICENSE,
        f"# 作成日時: {generated}",
        "# 個人情報は含みません。オンライン受講で3人未満のセルは合算し、"
        f"全国でも3人未満の残り（{data.suppressed}人）は掲載していません。",
    ]
    rows = ([getattr(row, column) for column in OPEN_DATA_COLUMNS] for row in data.rows)
    lines = "".join(f"{line}\r\n" for line in preamble)
    return csv_text(rows, header=OPEN_DATA_COLUMNS).replace("\ufeff", "\ufeff" + lines, 1)


@require_GET
def open_data_csv(request, fiscal_year: int):
    """``/opendata/supporters-2025.csv``: public, cached, Excel-friendly."""
    key = f"opendata:supporters:{fiscal_year}"
    body = cache.get(key)
    if body is None:
        try:
            body = open_data_document(fiscal_year)
        except InvalidParameter as error:
            raise Http404(str(error)) from error
        cache.set(key, body, OPEN_DATA_CACHE_SECONDS)
    response = HttpResponse(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="supporters-{fiscal_year}.csv"'
    response["Cache-Control"] = f"public, max-age={OPEN_DATA_CACHE_SECONDS}"
    response["Access-Control-Allow-Origin"] = "*"
    return response
