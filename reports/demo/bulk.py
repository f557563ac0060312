"""Bulk inserts for generated demo data: millions of rows without a model instance per row.

``bulk_create`` builds and prepares one object per row, which costs more than the insert itself
at demo-data scale. Here rows are plain tuples of database-ready values (dates and timestamps as
ISO strings), written with PostgreSQL ``COPY`` or one SQLite ``executemany``, in the caller's
transaction. Columns not given take their field's default, prepared once.
"""

from contextlib import contextmanager

from django.db import connection
from django.utils import timezone


def _constant_columns(model, given: list[str]) -> tuple[list[str], tuple]:
    """Every other concrete column of ``model`` with its default, ready for the database."""
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.column in given:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = timezone.now()
        else:
            # The declared default, else "" for text columns and None (NULL) otherwise.
            value = field.get_default()
            if value is None and not field.null:
                raise ValueError(f"{model.__name__}.{field.name} needs a value")
        columns.append(field.column)
        values.append(field.get_db_prep_save(value, connection))
    return columns, tuple(values)


def timestamp_suffix() -> str:
    """What follows ``YYYY-MM-DD HH:MM:SS`` in a UTC timestamp given as text: PostgreSQL is told
    the zone; Django keeps SQLite timestamps as naive UTC text."""
    return "+00:00" if connection.vendor == "postgresql" else ""


def insert_rows(model, columns: list[str], rows: list[tuple]) -> None:
    """Insert ``rows`` (tuples of values for the database ``columns``) into ``model``'s table."""
    if not rows:
        return
    extra_columns, extra = _constant_columns(model, columns)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(c) for c in [*columns, *extra_columns])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY is several times faster than INSERT for many rows; text format parses the
            # ISO strings the same way an INSERT would.
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row + extra)
        else:
            marks = ", ".join(["%s"] * (len(columns) + len(extra_columns)))
            # Identifiers come from the model; values are parameters.
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608
                [row + extra for row in rows],
            )


@contextmanager
def indexes_deferred(model):
    """Drop ``model``'s plain (non-unique) indexes for a bulk load and create them again after.

    Building an index once over millions of rows is much cheaper than updating it row by row.
    Unique indexes stay, so constraints are still enforced. Must run inside a transaction (both
    databases drop and create indexes transactionally); on PostgreSQL the table is locked
    against other writers and readers until it commits — fine for demo data, not for a live
    table.
    """
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
