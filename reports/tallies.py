"""Supporter tallies: kept in step with the raw records, and rebuilt or verified from them.

Every change to a counted record (a completion made, moved to another area, revoked or deleted;
a session reported, corrected or deleted) turns into a ``Counter`` of tally keys with +/-
deltas, applied with ``INSERT … ON CONFLICT DO UPDATE`` in the caller's transaction: many
keys to a statement per table, or, for a few keys on PostgreSQL (a completion), the three
tables in one statement. The upsert is atomic on both databases, so concurrent completions of
the same key add up instead of overwriting each other. Keys are applied in sorted order so that two
transactions touching the same keys lock them in the same order (no deadlock).
"""

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Count, Q

from base.bulk import execute_rows
from certificates.models import Certificate
from courses.models import Completion
from organizations.models import Municipality

from .models import (
    ATTENDEE_COUNT_FIELDS,
    Channel,
    DailyTally,
    MonthlyTally,
    PrefectureMonthlyTally,
    TrainingSession,
)

TALLY_MODELS = (DailyTally, MonthlyTally, PrefectureMonthlyTally)
# Up to this many daily cells (a completion changes one), PostgreSQL gets the three tables'
# upserts as one statement; an import's thousands go table by table, many rows a statement.
ONE_STATEMENT_MAX_CELLS = 50


class TallyKey(NamedTuple):
    """One cell of the daily tally; the monthly tallies are coarser views of the same key.

    A named tuple: an import builds, hashes and sorts tens of thousands of them, which a tuple
    does in C. Keys sort by their fields in this order."""

    day: dt.date
    municipality_id: int
    prefecture_code: str
    course_id: int
    channel: str
    attendee_type: str

    @property
    def month(self) -> dt.date:
        return self.day.replace(day=1)

    @property
    def fiscal_year(self) -> int:
        return self.day.year if self.day.month >= 4 else self.day.year - 1


def _prefecture_of(municipality_id: int | None, completion: Completion | None = None) -> str:
    if not municipality_id:
        return ""
    # The completion's own area: a completion just made carries its learner's municipality
    # (``courses.services``), so this reads no row.
    if completion is not None and completion.municipality_id == municipality_id:
        return completion.municipality.prefecture_id
    return (
        Municipality.objects.filter(pk=municipality_id)
        .values_list("prefecture_id", flat=True)
        .first()
        or ""
    )


def completion_counts(
    completion: Completion,
    *,
    municipality_id: int | None = None,
    attendee_type: str | None = None,
    ignore_revocation: bool = False,
) -> Counter:
    """The tally cells one completion counts in (empty when it is not counted).

    A completion counts when its course is a supporter course and its certificate, if any, is
    not revoked. ``municipality_id``/``attendee_type`` override the completion's own values
    (to take back what it counted before a change).
    """
    if not completion.is_supporter:
        return Counter()
    if not ignore_revocation and _is_revoked(completion):
        return Counter()
    if municipality_id is None:
        municipality_id = completion.municipality_id
    if attendee_type is None:
        attendee_type = completion.attendee_type
    key = TallyKey(
        day=completion.completed_on,
        municipality_id=municipality_id or 0,
        prefecture_code=_prefecture_of(municipality_id, completion),
        course_id=completion.course_id,
        channel=Channel.ONLINE,
        attendee_type=attendee_type or "",
    )
    return Counter({key: 1})


def _is_revoked(completion: Completion) -> bool:
    return Certificate.objects.filter(completion=completion, revoked_at__isnull=False).exists()


def session_counts(session: TrainingSession) -> Counter:
    """The tally cells one in-person session counts in: its attendees per attendee type."""
    return sessions_counts([session])


def sessions_counts(sessions: Iterable[TrainingSession]) -> Counter:
    """The tally cells of many sessions (an imported file), added up. Only approved reports
    count: one submitted (申請中) or returned (差し戻し) counts nowhere."""
    counts = Counter()
    channel = str(Channel.IN_PERSON)
    for session in sessions:
        if not session.is_counted:
            continue
        prefecture = session.municipality.prefecture_id if session.municipality_id else ""
        for attendee_type, n in session.attendee_counts().items():
            key = TallyKey(
                session.held_on,
                session.municipality_id,
                prefecture,
                session.course_id,
                channel,
                attendee_type,
            )
            counts[key] += n
    return counts


def apply(changes: Counter) -> None:
    """Add ``changes`` (key → delta, deltas may be negative) to every tally, in this transaction."""
    changes = {key: delta for key, delta in changes.items() if delta}
    if not changes:
        return
    monthly = Counter()
    prefectural = Counter()
    for key, delta in changes.items():
        month = key.month
        monthly[(month, key.municipality_id, key.channel, key.attendee_type)] += delta
        prefectural[(month, key.prefecture_code, key.channel, key.attendee_type)] += delta
    prefecture_of = {key.municipality_id: key.prefecture_code for key in changes}
    # An import touches tens of thousands of cells on a few hundred days: each date converted
    # for the database once, not once per cell (the sqlite3 adapter is a Python call).
    day = cache(connection.ops.adapt_datefield_value)
    upserts = [
        (
            DailyTally,
            ["day", "municipality_id", "course_id", "channel", "attendee_type"],
            ["fiscal_year", "prefecture_code"],
            [
                (
                    day(key.day),
                    key.municipality_id,
                    key.course_id,
                    key.channel,
                    key.attendee_type,
                    key.fiscal_year,
                    key.prefecture_code,
                    changes[key],
                )
                for key in sorted(changes)
            ],
        ),
        (
            MonthlyTally,
            ["month", "municipality_id", "channel", "attendee_type"],
            ["fiscal_year", "prefecture_code"],
            [
                (day(key[0]), *key[1:], _fiscal_year(key[0]), prefecture_of[key[1]], delta)
                for key, delta in sorted(monthly.items())
            ],
        ),
        (
            PrefectureMonthlyTally,
            ["month", "prefecture_code", "channel", "attendee_type"],
            ["fiscal_year"],
            [
                (day(key[0]), *key[1:], _fiscal_year(key[0]), delta)
                for key, delta in sorted(prefectural.items())
            ],
        ),
    ]
    # No savepoint inside the caller's transaction: the upserts are never rolled back alone.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(changes) <= ONE_STATEMENT_MAX_CELLS:
            _upsert_in_one_statement(cursor, upserts)
            return
        for upsert in upserts:
            _upsert_many(cursor, *upsert)


def _fiscal_year(month: dt.date) -> int:
    return month.year if month.month >= 4 else month.year - 1


def _upsert_many(cursor, model, key: list[str], extra: list[str], rows: list[tuple]) -> None:
    """Add each row's last value (a delta) to the supporters of its key, inserting new keys."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [*key, *extra, "supporters"]
    supporters = quote("supporters")
    # Identifiers come from the model, never from input; values are parameters. Many rows to
    # a statement (an import adds tens of thousands of cells); keys are distinct in ``rows``,
    # as one statement may not update the same row twice.
    execute_rows(
        cursor,
        f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)})",  # noqa: S608
        rows,
        tail=(
            f" ON CONFLICT ({', '.join(quote(c) for c in key)}) DO UPDATE SET "
            f"{supporters} = {table}.{supporters} + EXCLUDED.{supporters}"
        ),
    )


def _upsert_sql(model, key: list[str], extra: list[str], source: str) -> str:
    """``INSERT … source ON CONFLICT … DO UPDATE`` adding the rows' supporters (a delta)."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [*key, *extra, "supporters"]
    supporters = quote("supporters")
    # Identifiers come from the model, never from input; values are parameters.
    return (
        f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) {source} "  # noqa: S608
        f"ON CONFLICT ({', '.join(quote(c) for c in key)}) DO UPDATE SET "
        f"{supporters} = {table}.{supporters} + EXCLUDED.{supporters}"
    )


def _upsert_in_one_statement(cursor, upserts: list[tuple]) -> None:
    """The three tables' upserts as one PostgreSQL statement (data-modifying ``WITH``): one
    round trip for a completion instead of three.

    The tables are still written in the order of ``upserts`` (daily, monthly, prefectural),
    as ``_upsert_many`` writes them: each upsert reads its rows only once the one before has
    run to the end (its ``WHERE`` counts what the previous one returned), so transactions lock
    tally rows in one order whichever path they take (no deadlock)."""
    parts, params = [], []
    previous = None
    for number, (model, key, extra, rows) in enumerate(upserts):
        if not rows:
            continue
        placeholder = "({})".format(", ".join(["%s"] * len(rows[0])))
        values = f"VALUES {', '.join([placeholder] * len(rows))}"
        if previous is not None:
            # The names are this function's own; values are parameters.
            values = f"SELECT * FROM ({values}) AS v WHERE (SELECT count(*) FROM {previous}) >= 0"  # noqa: S608
        parts.append(_upsert_sql(model, key, extra, values))
        params.extend(value for row in rows for value in row)
        previous = f"upsert_{number}"
    *earlier, last = parts
    names = [f"upsert_{n}" for n, upsert in enumerate(upserts) if upsert[3]]
    with_clause = ", ".join(
        f"{name} AS ({sql} RETURNING 1)" for name, sql in zip(names, earlier, strict=False)
    )
    cursor.execute(f"WITH {with_clause} {last}" if earlier else last, params)


# --- rebuilding and verifying -------------------------------------------------------------------


def raw_counts(fiscal_year: int | None = None) -> Counter:
    """Daily tally cells counted straight from completions and sessions (the truth)."""
    completions = Completion.objects.filter(is_supporter=True).exclude(
        certificate__revoked_at__isnull=False
    )
    sessions = TrainingSession.objects.filter(status=TrainingSession.Status.APPROVED)
    if fiscal_year is not None:
        completions = completions.filter(fiscal_year=fiscal_year)
        sessions = sessions.filter(fiscal_year=fiscal_year)
    counts = Counter()
    rows = (
        completions.values(
            "completed_on",
            "municipality_id",
            "municipality__prefecture_id",
            "course_id",
            "attendee_type",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows.iterator(chunk_size=5000):
        key = TallyKey(
            day=row["completed_on"],
            municipality_id=row["municipality_id"] or 0,
            prefecture_code=row["municipality__prefecture_id"] or "",
            course_id=row["course_id"],
            channel=Channel.ONLINE,
            attendee_type=row["attendee_type"] or "",
        )
        counts[key] += row["n"]
    fields = ["held_on", "municipality_id", "municipality__prefecture_id", "course_id"]
    for row in sessions.values(*fields, *ATTENDEE_COUNT_FIELDS.values()).iterator(chunk_size=5000):
        for attendee_type, field in ATTENDEE_COUNT_FIELDS.items():
            if row[field]:
                key = TallyKey(
                    day=row["held_on"],
                    municipality_id=row["municipality_id"],
                    prefecture_code=row["municipality__prefecture_id"],
                    course_id=row["course_id"],
                    channel=Channel.IN_PERSON,
                    attendee_type=str(attendee_type),
                )
                counts[key] += row[field]
    return counts


def stored_counts(fiscal_year: int | None = None) -> Counter:
    """The daily tally as stored (cells with a count other than zero)."""
    rows = DailyTally.objects.exclude(supporters=0)
    if fiscal_year is not None:
        rows = rows.filter(fiscal_year=fiscal_year)
    counts = Counter()
    for row in rows.values(
        "day",
        "municipality_id",
        "prefecture_code",
        "course_id",
        "channel",
        "attendee_type",
        "supporters",
    ).iterator(chunk_size=5000):
        supporters = row.pop("supporters")
        counts[TallyKey(**row)] = supporters
    return counts


def _rollups(daily: Counter) -> tuple[Counter, Counter]:
    monthly, prefectural = Counter(), Counter()
    for key, n in daily.items():
        monthly[(key.month, key.municipality_id, key.channel, key.attendee_type)] += n
        prefectural[(key.month, key.prefecture_code, key.channel, key.attendee_type)] += n
    return +monthly, +prefectural


def _stored_rollups(fiscal_year: int | None) -> tuple[Counter, Counter]:
    monthly, prefectural = Counter(), Counter()
    filters = Q() if fiscal_year is None else Q(fiscal_year=fiscal_year)
    for row in (
        MonthlyTally.objects.filter(filters)
        .exclude(supporters=0)
        .values_list("month", "municipality_id", "channel", "attendee_type", "supporters")
    ):
        monthly[row[:4]] = row[4]
    for row in (
        PrefectureMonthlyTally.objects.filter(filters)
        .exclude(supporters=0)
        .values_list("month", "prefecture_code", "channel", "attendee_type", "supporters")
    ):
        prefectural[row[:4]] = row[4]
    return monthly, prefectural


@dataclass
class Verification:
    """Differences between stored tallies and raw records (empty lists when they agree)."""

    cells: int
    supporters: int
    daily: list
    monthly: list
    prefectural: list

    @property
    def ok(self) -> bool:
        return not (self.daily or self.monthly or self.prefectural)


def _differences(expected: Counter, stored: Counter) -> list:
    keys = set(expected) | set(stored)
    return sorted(
        (key, expected.get(key, 0), stored.get(key, 0))
        for key in keys
        if expected.get(key, 0) != stored.get(key, 0)
    )


def verify(fiscal_year: int | None = None) -> Verification:
    """Compare every tally with a recount from raw records."""
    expected = +raw_counts(fiscal_year)
    monthly, prefectural = _rollups(expected)
    stored_monthly, stored_prefectural = _stored_rollups(fiscal_year)
    return Verification(
        cells=len(expected),
        supporters=sum(expected.values()),
        daily=_differences(expected, stored_counts(fiscal_year)),
        monthly=_differences(monthly, stored_monthly),
        prefectural=_differences(prefectural, stored_prefectural),
    )


@transaction.atomic
def rebuild(fiscal_year: int | None = None) -> Verification:
    """Recompute the tallies (of one fiscal year, or all) from raw records.

    Returns what differed before the rebuild. On PostgreSQL the tally tables are locked for the
    rebuild, so completions made meanwhile wait and are then added on top of the recount.
    """
    if connection.vendor == "postgresql":
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in TALLY_MODELS)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
    before = verify(fiscal_year)
    recount(fiscal_year)
    return before


def _month_sql(column: str) -> str:
    """The first day of the month of a date column, as a date, on either database."""
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


@transaction.atomic
def recount(fiscal_year: int | None = None) -> None:
    """Replace the tallies (of one fiscal year, or all) by a recount of the raw records, the same
    cells as ``raw_counts``, done in the database: a handful of ``INSERT … SELECT … GROUP BY``
    statements, so the time grows with the records but memory does not (millions of completions
    are fine). The caller holds any locks needed against concurrent completions."""
    quote = connection.ops.quote_name
    daily, monthly, prefectural = (quote(m._meta.db_table) for m in TALLY_MODELS)
    completion = quote(Completion._meta.db_table)
    certificate = quote(Certificate._meta.db_table)
    municipality = quote(Municipality._meta.db_table)
    session = quote(TrainingSession._meta.db_table)
    pk = quote(Municipality._meta.pk.column)
    completion_pk = quote(Completion._meta.pk.column)
    year = "" if fiscal_year is None else "AND fiscal_year = %s"
    year_params = [] if fiscal_year is None else [fiscal_year]
    where_year = "WHERE fiscal_year = %s" if fiscal_year is not None else ""
    daily_columns = (
        "day, fiscal_year, prefecture_code, municipality_id, course_id, channel, attendee_type, "
        "supporters"
    )
    month_columns = "month, fiscal_year, prefecture_code, municipality_id, channel, attendee_type"
    # One SELECT per attendee-count column turns a session into its (type, attendees) cells.
    unpivot = " UNION ALL ".join(
        f"SELECT held_on, fiscal_year, municipality_id, course_id, %s AS attendee_type, "  # noqa: S608
        f"{quote(field)} AS n FROM {session} WHERE {quote(field)} > 0 AND status = %s {year}"
        for field in ATTENDEE_COUNT_FIELDS.values()
    )
    unpivot_params = []
    for attendee_type in ATTENDEE_COUNT_FIELDS:
        unpivot_params += [str(attendee_type), str(TrainingSession.Status.APPROVED), *year_params]
    # Table and column names come from the models, never from input; values are parameters.
    statements = [
        *(
            (f"DELETE FROM {table} {where_year}", year_params)  # noqa: S608
            for table in (daily, monthly, prefectural)
        ),
        (
            f"INSERT INTO {daily} ({daily_columns}) "  # noqa: S608
            f"SELECT c.completed_on, c.fiscal_year, COALESCE(m.prefecture_id, ''), "
            f"COALESCE(c.municipality_id, 0), c.course_id, %s, COALESCE(c.attendee_type, ''), "
            f"COUNT(*) FROM {completion} c "
            f"LEFT JOIN {municipality} m ON m.{pk} = c.municipality_id "
            f"WHERE c.is_supporter = %s "
            f"{'' if fiscal_year is None else 'AND c.fiscal_year = %s'} "
            f"AND NOT EXISTS (SELECT 1 FROM {certificate} z "
            f"WHERE z.completion_id = c.{completion_pk} AND z.revoked_at IS NOT NULL) "
            f"GROUP BY c.completed_on, c.fiscal_year, COALESCE(m.prefecture_id, ''), "
            f"COALESCE(c.municipality_id, 0), c.course_id, COALESCE(c.attendee_type, '')",
            [str(Channel.ONLINE), True, *year_params],
        ),
        (
            f"INSERT INTO {daily} ({daily_columns}) "  # noqa: S608
            f"SELECT a.held_on, a.fiscal_year, m.prefecture_id, a.municipality_id, a.course_id, "
            f"%s, a.attendee_type, SUM(a.n) FROM ({unpivot}) a "
            f"JOIN {municipality} m ON m.{pk} = a.municipality_id "
            f"GROUP BY a.held_on, a.fiscal_year, m.prefecture_id, a.municipality_id, "
            f"a.course_id, a.attendee_type",
            [str(Channel.IN_PERSON), *unpivot_params],
        ),
        (
            f"INSERT INTO {monthly} ({month_columns}, supporters) "  # noqa: S608
            f"SELECT {_month_sql('day')}, fiscal_year, prefecture_code, municipality_id, channel, "
            f"attendee_type, SUM(supporters) FROM {daily} {where_year} "
            f"GROUP BY {_month_sql('day')}, fiscal_year, prefecture_code, municipality_id, "
            f"channel, attendee_type",
            year_params,
        ),
        (
            f"INSERT INTO {prefectural} "  # noqa: S608
            f"(month, fiscal_year, prefecture_code, channel, attendee_type, supporters) "
            f"SELECT month, fiscal_year, prefecture_code, channel, attendee_type, "
            f"SUM(supporters) FROM {monthly} {where_year} "
            f"GROUP BY month, fiscal_year, prefecture_code, channel, attendee_type",
            year_params,
        ),
    ]
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
