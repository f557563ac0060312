"""The open data of supporter counts: a CSV and the Frictionless Data Package that describes it.

:func:`build_table` reads the monthly tallies and merges small online cells so that no one can
be singled out (the rule is published in the package).

The CSV's first row is its header, so any CSV reader (Excel, pandas, Frictionless) reads it
as a table. Everything said about the table — title, licence, when it was made, the small-cell
rule and how many people that rule withheld — lives in ``datapackage.json`` beside it, with a
Table Schema giving each column's type and Japanese title. Both are built from one
:func:`build_table` result and cached together, so they always agree.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from base.replica import reads_reports
from base.spreadsheets import csv_text
from organizations.models import Municipality, Prefecture

from .areas import UNKNOWN_AREA_NAME
from .models import AttendeeType, Channel, MonthlyTally
from .parameters import check_fiscal_year

LICENSE = {
    "name": "CC-BY-4.0",
    "title": "クリエイティブ・コモンズ 表示 4.0 国際",
    "path": "https://creativecommons.org/licenses/by/4.0/deed.ja",
}
# Regenerated at most this often; the figures are monthly, so minutes of delay are harmless.
CACHE_SECONDS = 600

# (name, Frictionless type, Japanese title, description, extra constraints)
# Column names stay ASCII so scripts can use them; the Japanese titles are what people read.
# Codes follow the 自治体標準オープンデータセット: 2-digit prefecture and 6-digit 全国地方公共団体コード
# (with check digit), as text so leading zeros survive.
FIELDS = [
    ("fiscal_year", "integer", "年度", "4月に始まる年度（西暦）。", {"minimum": 2000}),
    ("month", "yearmonth", "年月", "受講した月（YYYY-MM）。", {}),
    (
        "prefecture_code",
        "string",
        "都道府県コード",
        "2桁の都道府県コード。全国の合算の行では空。",
        {"pattern": "[0-9]{2}"},
    ),
    ("prefecture_name", "string", "都道府県名", "全国の合算の行では空。", {}),
    (
        "municipality_code",
        "string",
        "全国地方公共団体コード",
        "6桁（検査数字を含む）。合算の行では空。",
        {"pattern": "[0-9]{6}"},
    ),
    ("municipality_name", "string", "市区町村名", "合算の行では合算の範囲を書きます。", {}),
    ("channel", "string", "受講方法", "", {}),
    ("attendee_type", "string", "受講者区分", "", {}),
    ("supporters", "integer", "養成数（人）", "その月に修了した人数。", {"minimum": 1}),
]
COLUMNS = [name for name, *_rest in FIELDS]


# Online cells with fewer people than this are merged upwards so no one can be singled out.
SMALL_CELL_THRESHOLD = 3


@dataclass
class OpenDataRow:
    fiscal_year: int
    month: str
    prefecture_code: str
    prefecture_name: str
    municipality_code: str
    municipality_name: str
    channel: str
    attendee_type: str
    supporters: int


@dataclass
class OpenData:
    fiscal_year: int
    rows: list[OpenDataRow]
    suppressed: int
    generated_at: dt.datetime


@reads_reports
def build_table(fiscal_year) -> OpenData:
    """Supporters by month, prefecture, municipality, channel and attendee type, public.

    Online cells of fewer than ``SMALL_CELL_THRESHOLD`` people are merged into one row per
    prefecture and month (attendee type 「合算」); where even that merged row is small it moves
    into a national row, and a national remainder still below the threshold is not published
    (its size is given as ``suppressed``). In-person counts come from public events and are
    published as reported.
    """
    fiscal_year = check_fiscal_year(fiscal_year)
    municipalities = {m.pk: m for m in Municipality.objects.select_related("prefecture").order_by()}
    prefectures = dict(Prefecture.objects.values_list("code", "name"))
    channel_labels = dict(Channel.choices)
    attendee_labels = dict(AttendeeType.choices)
    merged_label = _("合算（少人数のため）")

    published = []
    merged_prefecture = Counter()
    cells = (
        MonthlyTally.objects.filter(fiscal_year=fiscal_year, supporters__gt=0)
        .order_by("month", "prefecture_code", "municipality_id", "channel", "attendee_type")
        .values_list(
            "month", "prefecture_code", "municipality_id", "channel", "attendee_type", "supporters"
        )
    )
    for month, prefecture_code, municipality_id, channel, attendee_type, n in cells:
        if channel == Channel.ONLINE and n < SMALL_CELL_THRESHOLD:
            merged_prefecture[(month, prefecture_code)] += n
            continue
        municipality = municipalities.get(municipality_id)
        published.append(
            OpenDataRow(
                fiscal_year,
                f"{month:%Y-%m}",
                prefecture_code,
                prefectures.get(prefecture_code, ""),
                municipality.code if municipality else "",
                municipality.name if municipality else _(UNKNOWN_AREA_NAME),
                str(channel_labels[channel]),
                str(attendee_labels.get(attendee_type, _("未回答"))),
                n,
            )
        )
    merged_nation = Counter()
    for (month, prefecture_code), n in sorted(merged_prefecture.items()):
        if n < SMALL_CELL_THRESHOLD or not prefecture_code:
            merged_nation[month] += n
            continue
        published.append(
            OpenDataRow(
                fiscal_year,
                f"{month:%Y-%m}",
                prefecture_code,
                prefectures.get(prefecture_code, ""),
                "",
                _("県内の少人数の市区町村の合算"),
                str(channel_labels[Channel.ONLINE]),
                merged_label,
                n,
            )
        )
    suppressed = 0
    for month, n in sorted(merged_nation.items()):
        if n < SMALL_CELL_THRESHOLD:
            suppressed += n
            continue
        published.append(
            OpenDataRow(
                fiscal_year,
                f"{month:%Y-%m}",
                "",
                "",
                "",
                _("全国の少人数の地域の合算"),
                str(channel_labels[Channel.ONLINE]),
                merged_label,
                n,
            )
        )
    published.sort(
        key=lambda r: (r.month, r.prefecture_code or "99", r.municipality_code or "999999")
    )
    return OpenData(fiscal_year, published, suppressed, timezone.now())


@dataclass(frozen=True)
class OpenDataFiles:
    """The two published files of one fiscal year, made from the same figures."""

    fiscal_year: int
    csv: str
    package: dict


def csv_name(fiscal_year: int) -> str:
    return f"supporters-{fiscal_year}.csv"


def package_name(fiscal_year: int) -> str:
    return f"supporters-{fiscal_year}.datapackage.json"


def _choices(choices) -> list[str]:
    return [str(label) for _value, label in choices]


def _schema() -> dict:
    enums = {
        "channel": _choices(Channel.choices),
        "attendee_type": [*_choices(AttendeeType.choices), "未回答", "合算（少人数のため）"],
    }
    fields = []
    for name, kind, title, description, constraints in FIELDS:
        field = {"name": name, "type": kind, "title": title}
        if description:
            field["description"] = description
        constraints = dict(constraints)
        if name in enums:
            constraints["enum"] = enums[name]
        if name in ("fiscal_year", "month", "channel", "supporters"):
            constraints["required"] = True
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    # Empty cells are the only missing values: a code is never "NA" or "-".
    return {"fields": fields, "missingValues": [""]}


def build_files(fiscal_year: int) -> OpenDataFiles:
    """Compute the CSV and its Data Package for ``fiscal_year`` (raises InvalidParameter)."""
    data = build_table(fiscal_year)
    generated = timezone.localtime(data.generated_at).isoformat(timespec="seconds")
    rows = ([getattr(row, column) for column in COLUMNS] for row in data.rows)
    body = csv_text(rows, header=COLUMNS)
    rule = (
        f"個人が特定されないよう、オンライン受講で{SMALL_CELL_THRESHOLD}人未満のセルは都道府県ごとに"
        f"合算し、それでも{SMALL_CELL_THRESHOLD}人未満なら全国で合算しています。全国でも"
        f"{SMALL_CELL_THRESHOLD}人未満の残り（{data.suppressed}人）は掲載していません。"
    )
    package = {
        "name": f"tsunagari-supporters-{fiscal_year}",
        "title": f"つながりサポーター養成数 {fiscal_year}年度",
        "description": (
            "月・市区町村・受講方法・受講者区分別のつながりサポーター養成数です。"
            "個人情報は含みません。" + rule
        ),
        "created": generated,
        "licenses": [LICENSE],
        "keywords": ["孤独・孤立対策", "つながりサポーター"],
        "suppression": {
            "rule": rule,
            "threshold": SMALL_CELL_THRESHOLD,
            "withheld_supporters": data.suppressed,
        },
        "resources": [
            {
                "name": f"supporters-{fiscal_year}",
                "title": f"つながりサポーター養成数 {fiscal_year}年度",
                "path": csv_name(fiscal_year),
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                # The file starts with a byte order mark so that Excel opens it as UTF-8.
                "encoding": "utf-8-sig",
                "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "header": True},
                "licenses": [LICENSE],
                "schema": _schema(),
            }
        ],
    }
    return OpenDataFiles(fiscal_year, body, package)


def published_files(fiscal_year: int) -> OpenDataFiles:
    """The files as served: rebuilt at most every ``CACHE_SECONDS`` (raises InvalidParameter)."""
    key = f"opendata:supporters:{fiscal_year}"
    files = cache.get(key)
    if files is None:
        files = build_files(fiscal_year)
        cache.set(key, files, CACHE_SECONDS)
    return files
