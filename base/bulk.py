"""Inserting tens of thousands of rows at once, for imports (staff rosters, session reports).

``QuerySet.bulk_create`` builds the SQL of every value of every row in Python — its placeholder,
``pre_save`` and the database conversion — about 7 µs a value: for a 50,000-row staff roster,
its accounts and learners, more than half of the import. ``insert_rows`` builds one ``INSERT``
statement per table and sends the rows many to a statement (``execute_rows``); a column's
values are converted only when the database needs it (dates, UUIDs), and a value the database
takes as it is (text, integers, booleans) is passed through.

Like ``bulk_create``, it calls no ``save()`` and sends no signals. Unlike it, it does not give the
inserted objects their primary keys: read them back by a natural key when they are needed.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from itertools import chain, islice
from operator import attrgetter

from django.db import connections, models, router
from django.utils import timezone

BATCH_SIZE = 2000
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


def _plain_types(field) -> tuple:
    if field.is_relation:
        field = field.target_field
    return (*_PLAIN_TYPES.get(type(field), ()), type(None))


def _is_auto_pk(field) -> bool:
    return field.primary_key and isinstance(field, models.AutoField | models.BigAutoField)


def _is_auto_now(field) -> bool:
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)


def _now_for(field, now):
    # As ``DateField.pre_save`` would: the current time, or today's date for a date field.
    return now if isinstance(field, models.DateTimeField) else dt.date.today()


def _column(field, values: list, connection) -> list:
    """The values of one column as the database takes them."""
    plain = _plain_types(field)
    if all(type(value) in plain for value in values):
        return values
    # Converted once per distinct value: dates, choices and the time of the import repeat.
    converted = {}
    column = []
    for value in values:
        if type(value) in plain:
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
    """Insert ``rows`` into ``model``'s table in the caller's transaction; returns how many.

    Each row holds the values of ``fields`` (attribute names, e.g. ``user_id``) in that order.
    Fields left out get their default (a callable default such as ``uuid.uuid4`` is called for
    each row), ``auto_now``/``auto_now_add`` fields the current time, an automatic primary key
    its next value. Rows are sent ``batch_size`` at a time, so memory stays bounded.
    """
    opts = model._meta
    connection = connections[router.db_for_write(model)]
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
    quote = connection.ops.quote_name
    # Identifiers come from the model's metadata, never from input; values are parameters.
    head = "INSERT INTO {} ({})".format(  # noqa: S608
        quote(opts.db_table), ", ".join(quote(field.column) for field in columns)
    )
    constant_values = tuple(field.get_db_prep_save(value, connection) for field, value in constants)
    count = 0
    rows = iter(rows)
    with connection.cursor() as cursor:
        while batch := list(islice(rows, batch_size)):
            values = [list(column) for column in zip(*batch, strict=True)]
            values += [[field.get_default() for _row in batch] for field in per_row]
            values = [
                _column(field, column, connection)
                for field, column in zip(columns[: len(values)], values, strict=True)
            ]
            params = [row + constant_values for row in zip(*values, strict=True)]
            execute_rows(cursor, head, params)
            count += len(batch)
    return count


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
