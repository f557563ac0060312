"""Inserting thousands to millions of rows at once: imports (staff rosters, session reports,
through ``insert_instances``) and generated demo data (``generate_demo_activity``).

``QuerySet.bulk_create`` builds the SQL of every value of every row in Python — its placeholder,
``pre_save`` and the database conversion — about 7 µs a value: for a 50,000-row staff roster,
its accounts and learners, more than half of the import. ``insert_rows`` converts a column's
values only when the database needs it (dates, UUIDs, choices), passes through the values the
database takes as they are (text, integers, booleans), and sends them

- on PostgreSQL, from ``COPY_MIN_ROWS`` rows, with one ``COPY … FROM STDIN`` (psycopg 3's
  ``cursor.copy()``): the rows are streamed, no SQL is built at all;
- otherwise (fewer rows, or SQLite), as ``INSERT`` statements of many rows each, sent with
  ``executemany`` (``execute_rows``).

Either way it runs in the caller's transaction (in one of its own when there is none) and
writes all of the rows or none: after an error the caller's ``atomic`` block can only roll
back, as after any failed query (no savepoint is spent on every call; a caller that catches
the error and carries on wraps the call in ``transaction.atomic()``). Like ``bulk_create``, it
calls no ``save()`` and sends no signals. Unlike it, it does not give the inserted objects
their primary keys: read them back by a natural key when they are needed.
"""

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain, islice
from operator import attrgetter

from django.db import connections, models, router, transaction
from django.utils import timezone

# Rows converted and sent at a time, so that memory stays bounded whatever the count.
BATCH_SIZE = 2000
# From this many rows, PostgreSQL gets them with COPY rather than INSERT statements. Measured
# with bench/bulk.py (docs/benchmarks.md, "Bulk inserts"): from 5 rows COPY took 1.4 to 1.9
# times less time than the statements in every run, 2 to 3 times less from 1,000 rows; below
# 5 the two were level within the run-to-run noise (a fraction of a millisecond either way).
COPY_MIN_ROWS = 5
# Rows per INSERT statement: one statement per row costs SQLite and PostgreSQL a third more
# (measured on the tallies of a session import), and more rows than this gain nothing.
ROWS_PER_STATEMENT = 100

# Django's own field classes whose database value is the Python value itself, for values of
# these types (a subclass may convert differently, so the classes are matched exactly).
_TEXT = (str,)
_INTEGER = (int,)
_PLAIN_TYPES = {
    models.CharField: _TEXT,
    models.EmailField: _TEXT,
    models.SlugField: _TEXT,
    models.URLField: _TEXT,
    models.TextField: _TEXT,
    models.IntegerField: _INTEGER,
    models.SmallIntegerField: _INTEGER,
    models.BigIntegerField: _INTEGER,
    models.PositiveIntegerField: _INTEGER,
    models.PositiveSmallIntegerField: _INTEGER,
    models.PositiveBigIntegerField: _INTEGER,
    models.AutoField: _INTEGER,
    models.BigAutoField: _INTEGER,
    models.SmallAutoField: _INTEGER,
    models.BooleanField: (bool,),
}


# What PostgreSQL (psycopg) also takes as it is: Django's PostgreSQL operations return dates and
# aware datetimes unchanged (a naive datetime is made aware with a warning: it is converted).
_PLAIN_ON_POSTGRESQL = {
    models.DateField: (dt.date,),
    models.DateTimeField: (dt.datetime,),
}


def _plain_types(field, connection) -> tuple:
    if field.is_relation:
        field = field.target_field
    plain = _PLAIN_TYPES.get(type(field), ())
    if connection.vendor == "postgresql":
        plain += _PLAIN_ON_POSTGRESQL.get(type(field), ())
    return (*plain, type(None))


def _is_plain(value, plain: tuple) -> bool:
    return type(value) in plain and (type(value) is not dt.datetime or value.tzinfo is not None)


def _is_auto_pk(field) -> bool:
    return field.primary_key and isinstance(field, models.AutoField | models.BigAutoField)


def _is_auto_now(field) -> bool:
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)


def _now_for(field, now):
    # As ``DateField.pre_save`` would: the current time, or today's date for a date field.
    return now if isinstance(field, models.DateTimeField) else dt.date.today()


def _column(field, values: list, connection) -> list:
    """The values of one column as the database takes them."""
    plain = _plain_types(field, connection)
    if all(_is_plain(value, plain) for value in values):
        return values
    # Converted once per distinct value: dates, choices and the time of the import repeat.
    converted = {}
    column = []
    for value in values:
        if _is_plain(value, plain):
            column.append(value)
            continue
        try:
            column.append(converted[value])
        except KeyError:
            converted[value] = field.get_db_prep_save(value, connection)
            column.append(converted[value])
        except TypeError:  # unhashable
            column.append(field.get_db_prep_save(value, connection))
    return column


def execute_rows(cursor, head: str, rows: Sequence[Sequence], *, tail: str = "") -> None:
    """Run ``head VALUES (%s, …), (%s, …), … tail`` for ``rows`` (each a sequence of parameters,
    all of the same length), ``ROWS_PER_STATEMENT`` rows to a statement, fewer when the
    database limits the parameters of a statement (SQLite: 999). ``head`` and ``tail`` are SQL
    built from identifiers only; every value is a parameter."""
    if not rows:
        return
    width = len(rows[0])
    limit = cursor.db.features.max_query_params
    per_statement = max(1, min(ROWS_PER_STATEMENT, limit // width if limit else len(rows)))
    placeholder = "({})".format(", ".join(["%s"] * width))

    def statement(count: int) -> str:
        return "{} VALUES {}{}".format(head, ", ".join([placeholder] * count), tail)

    whole = len(rows) - len(rows) % per_statement
    if whole == len(rows) == per_statement:
        # One statement: ``executemany`` of one would cost psycopg a pipeline and its syncs
        # (three round trips instead of one for a completion's tally row).
        cursor.execute(statement(per_statement), list(chain.from_iterable(rows)))
        return
    if whole:
        cursor.executemany(
            statement(per_statement),
            [
                list(chain.from_iterable(rows[start : start + per_statement]))
                for start in range(0, whole, per_statement)
            ],
        )
    if whole < len(rows):
        cursor.execute(statement(len(rows) - whole), list(chain.from_iterable(rows[whole:])))


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence],
    *,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Insert ``rows`` into ``model``'s table, all or none, in the caller's transaction (or
    one of its own); returns how many.

    Each row holds the values of ``fields`` (attribute names, e.g. ``user_id``) in that order,
    as the model's fields take them (dates, aware datetimes, choices…). Fields left out get
    their default (a callable default such as ``uuid.uuid4`` is called for each row),
    ``auto_now``/``auto_now_add`` fields the current time, an automatic primary key its next
    value. ``rows`` may be a generator: they are read ``batch_size`` at a time. On PostgreSQL,
    ``COPY_MIN_ROWS`` rows or more are sent with ``COPY``.
    """
    opts = model._meta
    alias = router.db_for_write(model)
    connection = connections[alias]
    given = [opts.get_field(name) for name in fields]
    given_names = {field.attname for field in given}
    constants, per_row = [], []
    now = timezone.now()
    for field in opts.concrete_fields:
        if field.attname in given_names or _is_auto_pk(field):
            continue
        if _is_auto_now(field):
            constants.append((field, _now_for(field, now)))
        elif field.has_default() and callable(field.default):
            per_row.append(field)
        else:
            constants.append((field, field.get_default()))
    columns = [*given, *per_row, *(field for field, _value in constants)]
    constant_values = tuple(field.get_db_prep_save(value, connection) for field, value in constants)

    def prepared(batch: list) -> list[tuple]:
        """The batch's rows as the database takes them, every column filled."""
        values = [list(column) for column in zip(*batch, strict=True)]
        values += [[field.get_default() for _row in batch] for field in per_row]
        values = [
            _column(field, column, connection)
            for field, column in zip(columns[: len(values)], values, strict=True)
        ]
        return [row + constant_values for row in zip(*values, strict=True)]

    rows = iter(rows)
    # Enough rows to choose the way: a generator is not read further than a batch for it.
    first = list(islice(rows, max(batch_size, COPY_MIN_ROWS)))
    if not first:
        return 0
    batches = _batches(chain(first, rows), batch_size)
    quote = connection.ops.quote_name
    # Identifiers come from the model's metadata, never from input; values are parameters
    # (or, with COPY, data).
    table = quote(opts.db_table)
    names = ", ".join(quote(field.column) for field in columns)
    count = 0
    # The caller's transaction, or one of our own: no savepoint (two more statements a call).
    with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
        copy = getattr(cursor.cursor, "copy", None)  # psycopg 3
        if connection.vendor == "postgresql" and copy and len(first) >= COPY_MIN_ROWS:
            # Past Django's cursor wrapper: its errors are made Django's (IntegrityError…) here.
            with (
                connection.wrap_database_errors,
                copy(f"COPY {table} ({names}) FROM STDIN") as stream,
            ):
                for batch in batches:
                    for row in prepared(batch):
                        stream.write_row(row)
                    count += len(batch)
        else:
            head = f"INSERT INTO {table} ({names})"  # noqa: S608
            for batch in batches:
                execute_rows(cursor, head, prepared(batch))
                count += len(batch)
    return count


def _batches(rows: Iterator, size: int) -> Iterator[list]:
    while batch := list(islice(rows, size)):
        yield batch


def insert_instances(instances: Sequence[models.Model], *, batch_size: int = BATCH_SIZE) -> int:
    """``insert_rows`` for new, unsaved instances of one model (as django-import-export
    collects them): every field's value is read from the instance, ``auto_now`` fields are set
    to the current time on the instances as ``save()`` would. Returns how many."""
    if not instances:
        return 0
    model = type(instances[0])
    fields = [field for field in model._meta.concrete_fields if not _is_auto_pk(field)]
    now = timezone.now()
    for field in fields:
        if _is_auto_now(field):
            value = _now_for(field, now)
            for instance in instances:
                setattr(instance, field.attname, value)
    names = [field.attname for field in fields]
    read = attrgetter(*names)
    rows = (read(instance) for instance in instances)
    if len(names) == 1:
        rows = ((value,) for value in rows)
    return insert_rows(model, names, rows, batch_size=batch_size)


@contextmanager
def indexes_deferred(model: type[models.Model]):
    """Drop ``model``'s plain (non-unique) indexes for a bulk load and create them again after.

    Building an index once over millions of rows is much cheaper than updating it row by row.
    Unique indexes stay, so constraints are still enforced. Must run inside a transaction (both
    databases drop and create indexes transactionally); on PostgreSQL the table is locked
    against other writers and readers until it commits — fine for demo data, not for a live
    table.
    """
    connection = connections[router.db_for_write(model)]
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = current_schema() AND tablename = %s "
                "AND indexdef NOT LIKE 'CREATE UNIQUE%%'",
                [table],
            )
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%'",
                [table],
            )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Foreign keys are checked at commit; PostgreSQL builds no index on a table with
            # checks still pending, so run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _name, definition in indexes:
            cursor.execute(definition)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # back to Django's default
