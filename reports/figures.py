"""The KPI report: every figure on the dashboard, in CSV/XLSX, the JSON API and the CLI comes
from :func:`kpi_report`, and scope (who may see which area) is applied here.

Figures are read from the tallies (``reports.tallies``), never by counting raw completions: the
national view reads at most 47 × 12 × 2 × 7 rows a year however many people completed. Each
figure is read one way: a nation or a prefecture by a few GROUP BY queries over the tallies, a
municipality by one query (:func:`_municipality_figures`). Definitions follow DESIGN.md:
progress = actual / target; pace = actual / (target × elapsed share of the year); the elapsed
share follows the monthly split of the target when one is set (otherwise the days elapsed), and
the projection to 31 March is actual / elapsed share.
"""

import datetime as dt
from collections import Counter, defaultdict

from django.db import connections
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from base.dates import tokyo_date
from base.replica import reading_database, reads_reports
from organizations.models import AttendeeType, Municipality, Prefecture
from organizations.scopes import AreaScope

from .areas import MUNICIPALITY, NATION, PREFECTURE, UNKNOWN_AREA_NAME, Area, resolve_area
from .fiscal import elapsed_share, fiscal_months, monthly_targets
from .models import (
    PROGRAMME_START,
    Channel,
    KpiTarget,
    MonthlyTally,
    Population,
    PrefectureMonthlyTally,
)
from .parameters import check_fiscal_year
from .schemas import AreaOut, ChannelOut, KpiOut, MonthOut, RowOut, TotalOut


@reads_reports
def kpi_report(
    *,
    scope: AreaScope,
    fiscal_year,
    prefecture: str | None = None,
    municipality: str | None = None,
    today: dt.date | None = None,
) -> KpiOut:
    """Supporters trained in ``fiscal_year`` for one area against its target, by month, channel
    and attendee type, with one row per child area (prefectures of the nation, municipalities of
    a prefecture, wards of a designated city). The rows' ``actual`` add up to the total.

    Raises ``InvalidParameter``, ``AreaNotFound`` or ``PermissionDenied`` (``resolve_area``).
    """
    fiscal_year = check_fiscal_year(fiscal_year)
    area = resolve_area(scope=scope, prefecture=prefecture, municipality=municipality)
    return area_report(area, fiscal_year, today=today)


@reads_reports
def area_report(area: Area, fiscal_year: int, *, today: dt.date | None = None) -> KpiOut:
    """The report of an area already resolved (and so checked against the reader's scope)."""
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
            MonthOut(
                month=f"{month:%Y-%m}",
                actual=month_online + month_in_person,
                online=month_online,
                in_person=month_in_person,
                target=months_target[i] if months_target else None,
            )
        )

    attendee_labels = {str(value): str(label) for value, label in AttendeeType.choices}
    by_attendee_type = {
        label: by_attendee.get(value, 0) for value, label in attendee_labels.items()
    }
    if by_attendee.get(""):
        by_attendee_type[_("未回答")] = by_attendee[""]

    total = TotalOut(
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
    return KpiOut(
        fiscal_year=fiscal_year,
        area=AreaOut(level=area.level, code=area.code, name=area.name),
        total=total,
        target_split=None if target is None else ("monthly" if split else "days"),
        by_month=by_month,
        by_attendee_type=by_attendee_type,
        by_channel=ChannelOut(online=online, in_person=in_person),
        rows=(
            [
                _row(
                    area.code,
                    area.name,
                    by_child.get(area.municipality_ids[0], Counter()),
                    target_count,
                    population,
                )
            ]
            if area.level == MUNICIPALITY and len(area.municipality_ids) == 1
            else _rows(area, fiscal_year, by_child)
        ),
        generated_at=timezone.now().isoformat(timespec="seconds"),
    )


def _ratio(numerator, denominator, digits: int = 4) -> float | None:
    if not denominator:
        return None
    return round(numerator / denominator, digits)


def _rate(actual: int, population: int | None) -> float | None:
    if not population:
        return None
    return round(actual * 10000 / population, 2)


# --- a nation or a prefecture: a few GROUP BY queries over the tallies ---------------------------


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


def _cumulative(area: Area, fiscal_year: int) -> int:
    """Supporters of a nation or prefecture since the programme began, up to the end of
    ``fiscal_year``."""
    # A list of years (not <=) lets the (fiscal_year, area) indexes be used for each year.
    years = list(range(PROGRAMME_START.year, fiscal_year + 1))
    rows = PrefectureMonthlyTally.objects.filter(fiscal_year__in=years)
    if area.level != NATION:
        rows = rows.filter(prefecture_code=area.prefecture_code)
    return rows.aggregate(n=Sum("supporters"))["n"] or 0


def _target_for(area: Area, fiscal_year: int) -> KpiTarget | None:
    """The target of a nation or prefecture for ``fiscal_year``."""
    targets = KpiTarget.objects.filter(fiscal_year=fiscal_year)
    if area.level == NATION:
        return targets.filter(level=KpiTarget.Level.NATION).first()
    return targets.filter(
        level=KpiTarget.Level.PREFECTURE, prefecture_id=area.prefecture_code
    ).first()


def _population(area: Area, fiscal_year: int) -> int | None:
    """Residents of a nation or prefecture, when every municipality in it has a figure for the
    year."""
    municipalities = Municipality.objects.filter(parent__isnull=True)
    if area.level != NATION:
        municipalities = municipalities.filter(prefecture_id=area.prefecture_code)
    known = Population.objects.filter(
        fiscal_year=fiscal_year, municipality__in=municipalities
    ).aggregate(total=Sum("population"), n=Count("pk"))
    if not known["n"] or known["n"] < municipalities.count():
        return None
    return known["total"]


# --- a municipality: one query -------------------------------------------------------------------


def _municipality_figures(area: Area, fiscal_year: int):
    """A municipality's tally cells of ``fiscal_year`` (with its wards'), its cumulative total,
    its target and its population, in one query.

    A municipality has at most a few hundred tally rows a year, so at this size the cost of a
    report is the number of queries, not the rows: the target and population (at most one row
    each) are joined onto every cell row, and a one-row base keeps them when there are no cells.
    """
    # Raw SQL takes the database the router would: the report replica when configured.
    connection = connections[reading_database()]
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


# --- rows: one per child area --------------------------------------------------------------------


def _rows(area: Area, fiscal_year: int, by_child: dict) -> list[RowOut]:
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
            )
        )
    return rows


def _nation_rows(fiscal_year: int, by_child: dict) -> list[RowOut]:
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
        )
        for prefecture in Prefecture.objects.order_by("code")
    ]
    if by_child.get(""):
        rows.append(_row(None, _(UNKNOWN_AREA_NAME), by_child[""], None, None))
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


def _row(code, name, counts: Counter, target, population) -> RowOut:
    online = counts.get(Channel.ONLINE, 0)
    in_person = counts.get(Channel.IN_PERSON, 0)
    actual = online + in_person
    return RowOut(
        code=code,
        name=name,
        actual=actual,
        online=online,
        in_person=in_person,
        target=target,
        progress=_ratio(actual, target),
        population=population,
        rate_per_10000=_rate(actual, population),
    )
