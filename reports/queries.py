"""The KPI report: every figure on the dashboard, in CSV/XLSX, the JSON API, the CLI and open
data comes from here, and scope (who may see which area) is applied here.

Figures are read from the tallies (``reports.tallies``), never by counting raw completions: the
national view reads at most 47 × 12 × 2 × 7 rows a year however many people completed.
Definitions follow DESIGN.md: progress = actual / target; pace = actual / (target × elapsed
share of the year); the elapsed share follows the monthly split of the target when one is set
(otherwise the days elapsed), and the projection to 31 March is actual / elapsed share.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from base.dates import fiscal_year_bounds, tokyo_date
from organizations.models import AttendeeType, Municipality, Prefecture
from organizations.scopes import AreaScope

from .models import (
    PROGRAMME_START,
    Channel,
    KpiTarget,
    MonthlyTally,
    Population,
    PrefectureMonthlyTally,
)

NATION = "nation"
PREFECTURE = "prefecture"
MUNICIPALITY = "municipality"
UNKNOWN_AREA_NAME = "地域未設定"
# Reports may be asked for years ahead (targets are set in advance); their figures are zero.
LAST_FISCAL_YEAR = 2100


class AreaNotFound(LookupError):
    """No prefecture or municipality has the code asked for."""


class InvalidParameter(ValueError):
    """A report parameter that is not acceptable (message in Japanese)."""


@dataclass(frozen=True)
class Area:
    level: str
    code: str | None
    name: str
    prefecture_code: str | None = None
    municipality_ids: tuple[int, ...] = ()


@dataclass
class Total:
    actual: int
    online: int
    in_person: int
    target: int | None
    progress: float | None
    pace: float | None
    projection: int | None
    population: int | None
    rate_per_10000: float | None
    elapsed_share: float
    cumulative: int


@dataclass
class MonthFigure:
    month: str
    actual: int
    online: int
    in_person: int
    target: int | None
    is_campaign_month: bool


@dataclass
class AreaRow:
    code: str | None
    name: str
    actual: int
    online: int
    in_person: int
    target: int | None
    progress: float | None
    population: int | None = None
    rate_per_10000: float | None = None
    drill_level: str | None = None


@dataclass
class KpiReport:
    fiscal_year: int
    area: Area
    total: Total
    by_month: list[MonthFigure]
    by_attendee_type: dict[str, int]
    by_channel: dict[str, int]
    rows: list[AreaRow]
    target_split: str | None
    generated_at: dt.datetime = field(default_factory=timezone.now)

    def as_dict(self) -> dict:
        """The API document (also ``kpi_report --format json``); its shape is a contract."""
        return {
            "fiscal_year": self.fiscal_year,
            "area": {"level": self.area.level, "code": self.area.code, "name": self.area.name},
            "total": {
                key: value
                for key, value in asdict(self.total).items()
                if key
                in (
                    "actual",
                    "online",
                    "in_person",
                    "target",
                    "progress",
                    "pace",
                    "projection",
                    "population",
                    "rate_per_10000",
                    "elapsed_share",
                    "cumulative",
                )
            },
            "target_split": self.target_split,
            "by_month": [
                {
                    "month": m.month,
                    "actual": m.actual,
                    "online": m.online,
                    "in_person": m.in_person,
                    "target": m.target,
                }
                for m in self.by_month
            ],
            "by_attendee_type": self.by_attendee_type,
            "by_channel": self.by_channel,
            "rows": [
                {
                    "code": row.code,
                    "name": row.name,
                    "actual": row.actual,
                    "online": row.online,
                    "in_person": row.in_person,
                    "target": row.target,
                    "progress": row.progress,
                    "population": row.population,
                    "rate_per_10000": row.rate_per_10000,
                }
                for row in self.rows
            ],
            "generated_at": self.generated_at.isoformat(timespec="seconds"),
        }


# --- areas and scope -----------------------------------------------------------------------------


def resolve_area(
    *, scope: AreaScope, prefecture: str | None = None, municipality: str | None = None
) -> Area:
    """The area a report is asked for, checked against ``scope``.

    Without a code, the caller's own area (the nation for national administrators). Raises
    ``AreaNotFound`` for an unknown code, ``InvalidParameter`` for a malformed one and
    ``PermissionDenied`` for an area outside the scope.
    """
    if municipality:
        code = str(municipality).strip()
        if not (code.isascii() and code.isdigit() and len(code) in (5, 6)):
            raise InvalidParameter(_("市区町村コードは6桁の数字で指定してください。"))
        lookup = Q(code=code) if len(code) == 6 else Q(code__startswith=code)
        wards = Q(parent__code=code) if len(code) == 6 else Q(parent__code__startswith=code)
        # The municipality and its wards (of a designated city) in one query.
        found_all = list(
            Municipality.objects.filter(lookup | wards)
            .select_related("prefecture")
            .order_by("code")
        )
        found = next((m for m in found_all if lookup_matches(m, code)), None)
        if found is None:
            raise AreaNotFound(code)
        if not scope.allows_municipality(found):
            raise PermissionDenied
        if prefecture and _normalise_prefecture(prefecture) != found.prefecture_id:
            raise AreaNotFound(code)  # no such municipality in that prefecture
        ids = [m.pk for m in found_all if m.pk == found.pk or m.parent_id == found.pk]
        return Area(
            MUNICIPALITY, found.code, found.full_name, found.prefecture_id, tuple(sorted(ids))
        )
    if prefecture:
        code = _normalise_prefecture(prefecture)
        found = Prefecture.objects.filter(code=code).first()
        if found is None:
            raise AreaNotFound(code)
        if not scope.allows_prefecture(found.code):
            raise PermissionDenied
        return Area(PREFECTURE, found.code, found.name, found.code)
    if scope.is_nation:
        return Area(NATION, None, _("全国"))
    if scope.prefecture_code:
        return resolve_area(scope=scope, prefecture=scope.prefecture_code)
    if scope.municipality_id:
        code = Municipality.objects.values_list("code", flat=True).get(pk=scope.municipality_id)
        return resolve_area(scope=scope, municipality=code)
    raise PermissionDenied


def lookup_matches(municipality: Municipality, code: str) -> bool:
    """Whether ``code`` (6 digits, or 5 without the check digit) names ``municipality``."""
    return municipality.code == code or municipality.code[:5] == code


def _normalise_prefecture(value) -> str:
    text = str(value).strip()
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 47 and len(text) <= 2):
        raise InvalidParameter(_("都道府県コードは01〜47の数字で指定してください。"))
    return f"{int(text):02d}"


def check_fiscal_year(value) -> int:
    """A fiscal year from user input (``InvalidParameter`` when unusable)."""
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidParameter(_("年度は西暦の4桁（例：2025）で指定してください。")) from None
    if not PROGRAMME_START.year <= year <= LAST_FISCAL_YEAR:
        raise InvalidParameter(
            _("年度は%(first)s〜%(last)sの範囲で指定してください。")
            % {"first": PROGRAMME_START.year, "last": LAST_FISCAL_YEAR}
        )
    return year


# --- arithmetic ----------------------------------------------------------------------------------


def fiscal_months(fiscal_year: int) -> list[dt.date]:
    """The first days of the 12 months of a fiscal year, April first."""
    return [dt.date(fiscal_year + (m < 4), m, 1) for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]


def _days_in_month(month: dt.date) -> int:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return (following - month).days


def monthly_targets(target: KpiTarget | None, fiscal_year: int) -> list[int] | None:
    """Month targets April–March: the split set on the target, or the year's target shared by
    the days of each month (largest remainders, so the months add up to the target)."""
    if target is None:
        return None
    split = target.monthly_split()
    if split is not None:
        return split
    start, end = fiscal_year_bounds(fiscal_year)
    days = (end - start).days + 1
    exact = [target.target * _days_in_month(m) / days for m in fiscal_months(fiscal_year)]
    shares = [int(x) for x in exact]
    order = sorted(range(12), key=lambda i: exact[i] - shares[i], reverse=True)
    for i in order[: target.target - sum(shares)]:
        shares[i] += 1
    return shares


def elapsed_share(fiscal_year: int, today: dt.date, split: list[int] | None = None) -> float:
    """How much of the year's target should be reached by the end of ``today``.

    Without a monthly split: days elapsed / days in the year. With one: the split's months
    before this one plus this month's share by days elapsed in it.
    """
    start, end = fiscal_year_bounds(fiscal_year)
    if today < start:
        return 0.0
    if today >= end:
        return 1.0
    if not split or not sum(split):
        return ((today - start).days + 1) / ((end - start).days + 1)
    expected = 0.0
    for month, planned in zip(fiscal_months(fiscal_year), split, strict=True):
        if (month.year, month.month) < (today.year, today.month):
            expected += planned
        elif (month.year, month.month) == (today.year, today.month):
            expected += planned * today.day / _days_in_month(month)
    return expected / sum(split)


def _ratio(numerator, denominator, digits: int = 4) -> float | None:
    if not denominator:
        return None
    return round(numerator / denominator, digits)


def _rate(actual: int, population: int | None) -> float | None:
    if not population:
        return None
    return round(actual * 10000 / population, 2)


# --- the report ----------------------------------------------------------------------------------


def kpi_report(
    *,
    scope: AreaScope,
    fiscal_year,
    prefecture: str | None = None,
    municipality: str | None = None,
    today: dt.date | None = None,
) -> KpiReport:
    """Supporters trained in ``fiscal_year`` for one area against its target, by month, channel
    and attendee type, with one row per child area (prefectures of the nation, municipalities of
    a prefecture, wards of a designated city). The rows' ``actual`` add up to the total."""
    fiscal_year = check_fiscal_year(fiscal_year)
    area = resolve_area(scope=scope, prefecture=prefecture, municipality=municipality)
    today = today or tokyo_date()
    if area.level == MUNICIPALITY:
        cells, cumulative, target, population = _municipality_figures(area, fiscal_year)
        by_month_channel, by_attendee, by_child = Counter(), Counter(), defaultdict(Counter)
        for child, month, channel, attendee_type, n in cells:
            by_month_channel[(month, channel)] += n
            by_attendee[attendee_type] += n
            by_child[child][channel] += n
    else:
        by_month_channel, by_attendee, by_child = _aggregates(area, fiscal_year)
        cumulative = _cumulative(area, fiscal_year)
        target = _target_for(area, fiscal_year)
        population = _population(area, fiscal_year)

    online = sum(n for (_m, c), n in by_month_channel.items() if c == Channel.ONLINE)
    in_person = sum(n for (_m, c), n in by_month_channel.items() if c == Channel.IN_PERSON)
    actual = online + in_person

    months_target = monthly_targets(target, fiscal_year)
    split = target.monthly_split() if target else None
    share = elapsed_share(fiscal_year, today, split)
    target_count = target.target if target else None

    by_month = []
    for i, month in enumerate(fiscal_months(fiscal_year)):
        month_online = by_month_channel[(month, Channel.ONLINE)]
        month_in_person = by_month_channel[(month, Channel.IN_PERSON)]
        by_month.append(
            MonthFigure(
                month=f"{month:%Y-%m}",
                actual=month_online + month_in_person,
                online=month_online,
                in_person=month_in_person,
                target=months_target[i] if months_target else None,
                is_campaign_month=month.month == 5,
            )
        )

    attendee_labels = {str(value): str(label) for value, label in AttendeeType.choices}
    by_attendee_type = {
        label: by_attendee.get(value, 0) for value, label in attendee_labels.items()
    }
    if by_attendee.get(""):
        by_attendee_type[_("未回答")] = by_attendee[""]

    total = Total(
        actual=actual,
        online=online,
        in_person=in_person,
        target=target_count,
        progress=_ratio(actual, target_count),
        pace=_ratio(actual, target_count * share) if target_count and share else None,
        projection=(None if not share else actual if share >= 1 else round(actual / share)),
        population=population,
        rate_per_10000=_rate(actual, population),
        elapsed_share=round(share, 4),
        cumulative=cumulative,
    )
    return KpiReport(
        fiscal_year=fiscal_year,
        area=area,
        total=total,
        by_month=by_month,
        by_attendee_type=by_attendee_type,
        by_channel={"online": online, "in_person": in_person},
        rows=(
            [
                _row(
                    area.code,
                    area.name,
                    by_child.get(area.municipality_ids[0], Counter()),
                    target_count,
                    population,
                    None,
                )
            ]
            if area.level == MUNICIPALITY and len(area.municipality_ids) == 1
            else _rows(area, fiscal_year, by_child)
        ),
        target_split=None if target is None else ("monthly" if split else "days"),
    )


def _aggregates(area: Area, fiscal_year: int) -> tuple[Counter, Counter, dict]:
    """Supporters of the area's year by (month, channel), by attendee type and by (child area,
    channel), summed in the database: three small GROUP BY queries over the tally."""
    if area.level == NATION:
        rows = PrefectureMonthlyTally.objects.filter(fiscal_year=fiscal_year)
        child_field, fold = "prefecture_code", {}
    else:
        rows = MonthlyTally.objects.filter(
            fiscal_year=fiscal_year, prefecture_code=area.prefecture_code
        )
        child_field = "municipality_id"
        # Wards count towards their designated city in a prefecture's rows.
        fold = dict(
            Municipality.objects.filter(
                prefecture_id=area.prefecture_code, parent__isnull=False
            ).values_list("pk", "parent_id")
        )
    rows = rows.order_by()
    by_month_channel = Counter(
        {
            (month, channel): n
            for month, channel, n in rows.values("month", "channel")
            .annotate(n=Sum("supporters"))
            .values_list("month", "channel", "n")
        }
    )
    by_attendee = Counter(
        dict(
            rows.values("attendee_type")
            .annotate(n=Sum("supporters"))
            .values_list("attendee_type", "n")
        )
    )
    by_child = defaultdict(Counter)
    for child, channel, n in (
        rows.values(child_field, "channel")
        .annotate(n=Sum("supporters"))
        .values_list(child_field, "channel", "n")
    ):
        by_child[fold.get(child, child)][channel] += n
    return by_month_channel, by_attendee, by_child


def _municipality_figures(area: Area, fiscal_year: int):
    """A municipality's tally cells of ``fiscal_year`` (with its wards'), its cumulative total,
    its target and its population, in one query.

    A municipality has at most a few hundred tally rows a year, so at this size the cost of a
    report is the number of queries, not the rows: the target and population (at most one row
    each) are joined onto every cell row, and a one-row base keeps them when there are no cells.
    """
    quote = connection.ops.quote_name
    target_fields = KpiTarget._meta.concrete_fields
    years = list(range(PROGRAMME_START.year, fiscal_year + 1))
    ids = list(area.municipality_ids)
    # Identifiers come from the models; every value is a parameter.
    columns = ", ".join(
        [
            "p.population",
            *(f"k.{quote(f.column)}" for f in target_fields),
            "t.fiscal_year, t.municipality_id, t.month, t.channel, t.attendee_type, t.supporters",
        ]
    )
    joins = " ".join(
        [
            f"LEFT JOIN {quote(Population._meta.db_table)} p ON p.fiscal_year = %s",
            f"AND p.municipality_id = (SELECT id FROM {quote(Municipality._meta.db_table)}",  # noqa: S608
            "WHERE code = %s)",
            f"LEFT JOIN {quote(KpiTarget._meta.db_table)} k ON k.fiscal_year = %s",
            "AND k.level = %s AND k.municipality_id = %s",
            f"LEFT JOIN {quote(MonthlyTally._meta.db_table)} t",
            f"ON t.fiscal_year IN ({', '.join(['%s'] * len(years))})",
            f"AND t.municipality_id IN ({', '.join(['%s'] * len(ids))})",
        ]
    )
    sql = f"SELECT {columns} FROM (SELECT 1 AS one) base {joins}"  # noqa: S608
    params = [
        fiscal_year,
        area.code,
        fiscal_year,
        str(KpiTarget.Level.MUNICIPALITY),
        ids[0],
        *years,
        *ids,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    population = rows[0][0]
    target_values = rows[0][1 : 1 + len(target_fields)]
    target = (
        None
        if target_values[0] is None
        else KpiTarget.from_db(connection.alias, [f.attname for f in target_fields], target_values)
    )
    cells, cumulative = [], 0
    for row in rows:
        year, municipality_id, month, channel, attendee_type, supporters = row[
            1 + len(target_fields) :
        ]
        if year is None:
            continue  # the base row of a municipality without tallies
        cumulative += supporters
        if year == fiscal_year:
            if not isinstance(month, dt.date):  # SQLite may hand back the ISO text
                month = dt.date.fromisoformat(month)
            cells.append((municipality_id, month, channel, attendee_type, supporters))
    return cells, cumulative, target, population


def _cumulative(area: Area, fiscal_year: int) -> int:
    """Supporters since the programme began, up to the end of ``fiscal_year``."""
    # A list of years (not <=) lets the (fiscal_year, area) indexes be used for each year.
    years = list(range(PROGRAMME_START.year, fiscal_year + 1))
    if area.level == NATION:
        rows = PrefectureMonthlyTally.objects.filter(fiscal_year__in=years)
    elif area.level == PREFECTURE:
        rows = PrefectureMonthlyTally.objects.filter(
            fiscal_year__in=years, prefecture_code=area.prefecture_code
        )
    else:
        rows = MonthlyTally.objects.filter(
            fiscal_year__in=years, municipality_id__in=area.municipality_ids
        )
    return rows.aggregate(n=Sum("supporters"))["n"] or 0


def _target_for(area: Area, fiscal_year: int) -> KpiTarget | None:
    targets = KpiTarget.objects.filter(fiscal_year=fiscal_year)
    if area.level == NATION:
        return targets.filter(level=KpiTarget.Level.NATION).first()
    if area.level == PREFECTURE:
        return targets.filter(
            level=KpiTarget.Level.PREFECTURE, prefecture_id=area.prefecture_code
        ).first()
    return targets.filter(
        level=KpiTarget.Level.MUNICIPALITY, municipality_id=area.municipality_ids[0]
    ).first()


def _population(area: Area, fiscal_year: int) -> int | None:
    """Residents of the area, when every municipality in it has a figure for the year."""
    if area.level == MUNICIPALITY:
        return (
            Population.objects.filter(fiscal_year=fiscal_year, municipality__code=area.code)
            .values_list("population", flat=True)
            .first()
        )
    municipalities = Municipality.objects.filter(parent__isnull=True)
    if area.level == PREFECTURE:
        municipalities = municipalities.filter(prefecture_id=area.prefecture_code)
    known = Population.objects.filter(
        fiscal_year=fiscal_year, municipality__in=municipalities
    ).aggregate(total=Sum("population"), n=Count("pk"))
    if not known["n"] or known["n"] < municipalities.count():
        return None
    return known["total"]


def _rows(area: Area, fiscal_year: int, by_child: dict) -> list[AreaRow]:
    if area.level == NATION:
        return _nation_rows(fiscal_year, by_child)
    if area.level == PREFECTURE:
        children = Municipality.objects.filter(
            prefecture_id=area.prefecture_code, parent__isnull=True
        )
    else:
        children = Municipality.objects.filter(pk__in=area.municipality_ids)
    children = list(children.order_by("code"))
    ids = [m.pk for m in children]
    targets = dict(
        KpiTarget.objects.filter(
            fiscal_year=fiscal_year,
            level=KpiTarget.Level.MUNICIPALITY,
            municipality_id__in=ids,
        ).values_list("municipality_id", "target")
    )
    populations = dict(
        Population.objects.filter(fiscal_year=fiscal_year, municipality_id__in=ids).values_list(
            "municipality_id", "population"
        )
    )
    rows = []
    has_wards = len(children) > 1 and area.level == MUNICIPALITY
    for municipality in children:
        counts = by_child.get(municipality.pk, Counter())
        is_city_itself = has_wards and municipality.parent_id is None
        if is_city_itself and not counts:
            continue
        rows.append(
            _row(
                municipality.code,
                _("%(city)s（区の指定なし）") % {"city": municipality.name}
                if is_city_itself
                else municipality.name,
                counts,
                None if is_city_itself else targets.get(municipality.pk),
                None if is_city_itself else populations.get(municipality.pk),
                None if area.level == MUNICIPALITY else MUNICIPALITY,
            )
        )
    return rows


def _nation_rows(fiscal_year: int, by_child: dict) -> list[AreaRow]:
    targets = dict(
        KpiTarget.objects.filter(
            fiscal_year=fiscal_year, level=KpiTarget.Level.PREFECTURE
        ).values_list("prefecture_id", "target")
    )
    populations = _prefecture_populations(fiscal_year)
    rows = [
        _row(
            prefecture.code,
            prefecture.name,
            by_child.get(prefecture.code, Counter()),
            targets.get(prefecture.code),
            populations.get(prefecture.code),
            PREFECTURE,
        )
        for prefecture in Prefecture.objects.order_by("code")
    ]
    if by_child.get(""):
        rows.append(_row(None, _(UNKNOWN_AREA_NAME), by_child[""], None, None, None))
    return rows


def _prefecture_populations(fiscal_year: int) -> dict[str, int]:
    """Population per prefecture, for prefectures whose every municipality has a figure."""
    expected = dict(
        Municipality.objects.filter(parent__isnull=True)
        .values("prefecture_id")
        .annotate(n=Count("pk"))
        .values_list("prefecture_id", "n")
    )
    known = (
        Population.objects.filter(fiscal_year=fiscal_year, municipality__parent__isnull=True)
        .values("municipality__prefecture_id")
        .annotate(total=Sum("population"), n=Count("pk"))
        .values_list("municipality__prefecture_id", "total", "n")
    )
    return {code: total for code, total, n in known if n == expected.get(code)}


def _row(code, name, counts: Counter, target, population, drill_level) -> AreaRow:
    online = counts.get(Channel.ONLINE, 0)
    in_person = counts.get(Channel.IN_PERSON, 0)
    actual = online + in_person
    return AreaRow(
        code=code,
        name=name,
        actual=actual,
        online=online,
        in_person=in_person,
        target=target,
        progress=_ratio(actual, target),
        population=population,
        rate_per_10000=_rate(actual, population),
        drill_level=drill_level,
    )


# --- open data -----------------------------------------------------------------------------------

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


def open_data(fiscal_year) -> OpenData:
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


# --- tables (the same on screen, in CSV/XLSX exports and in the CLI) -----------------------------


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


def report_tables(report: KpiReport) -> dict[str, tuple[list[str], list[list]]]:
    """Each table of the report as (headings, rows): ``summary``, ``areas``, ``months``,
    ``attendee_types``. Percentages are given as numbers of percent with one decimal."""
    total = report.total
    summary = [
        [_("実績（人）"), total.actual],
        [_("うちオンライン"), total.online],
        [_("うち講座（対面・ライブ配信）"), total.in_person],
        [_("目標（人）"), "" if total.target is None else total.target],
        [_("進捗率（%）"), _percent(total.progress)],
        [_("年度の経過（%）"), _percent(total.elapsed_share)],
        [_("ペース（%）"), _percent(total.pace)],
        [_("年度末の見込み（人）"), "" if total.projection is None else total.projection],
        [_("人口"), "" if total.population is None else total.population],
        [_("人口1万人あたり養成数"), "" if total.rate_per_10000 is None else total.rate_per_10000],
        [_("累計（事業開始から）"), total.cumulative],
    ]
    areas = [
        [
            row.code or "",
            row.name,
            row.actual,
            row.online,
            row.in_person,
            "" if row.target is None else row.target,
            _percent(row.progress),
            "" if row.rate_per_10000 is None else row.rate_per_10000,
        ]
        for row in report.rows
    ]
    months = [
        [m.month, m.actual, m.online, m.in_person, "" if m.target is None else m.target]
        for m in report.by_month
    ]
    attendee_types = [[label, n] for label, n in report.by_attendee_type.items()]
    return {
        "summary": ([_("項目"), _("値")], summary),
        "areas": (
            [
                _("コード"),
                _("地域"),
                _("実績"),
                _("オンライン"),
                _("講座"),
                _("目標"),
                _("進捗率（%）"),
                _("人口1万人あたり"),
            ],
            areas,
        ),
        "months": (
            [_("月"), _("実績"), _("オンライン"), _("講座"), _("目標")],
            months,
        ),
        "attendee_types": ([_("受講者区分"), _("人数")], attendee_types),
    }
