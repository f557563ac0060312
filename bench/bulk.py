"""Bulk inserts: ``base.bulk.insert_rows`` (``COPY`` on PostgreSQL, many-row ``INSERT``
statements otherwise) against Django's ``bulk_create`` of the same rows, in the same run.

    python bench/bulk.py [--database postgresql|sqlite] [--sizes 10,100,...,100000]

The rows are staff accounts as a roster import makes them (``auth_user``: login ID, e-mail,
name, unusable password, time joined; the other columns get their defaults). For each size,
each way inserts the rows in a transaction that is then rolled back, so every run starts from
the same empty table; the figure is the median of several runs (fewer for the large sizes).
The ways:

- ``bulk_create``: the baseline — model instances, ``QuerySet.bulk_create`` (batches of
  ``base.bulk.BATCH_SIZE``);
- ``insert``: ``insert_rows`` sending ``INSERT`` statements (as on SQLite, and on PostgreSQL
  below ``COPY_MIN_ROWS``);
- ``copy`` (PostgreSQL): ``insert_rows`` sending the rows with ``COPY … FROM STDIN``.

``copy_from_rows`` is the smallest measured size from which COPY beats the statements at that
size and every larger one: the figure ``base.bulk.COPY_MIN_ROWS`` is set from. Target: COPY at
least 2 × the rows/s of ``bulk_create`` at 10,000 and 100,000 rows.

The PostgreSQL database is ``bulk_bench`` at ``BENCH_PG_URL``; only ``auth``'s tables are
migrated into it.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support.common import (  # noqa: E402
    CACHE,
    PG_BASE,
    ROOT,
    database_kind,
    emit,
    postgres_available,
)

DEFAULT_SIZES = (1, 3, 5, 10, 30, 100, 1_000, 10_000, 100_000)
DATABASE = "bulk_bench"
TARGET_SIZES = (10_000, 100_000)
TARGET_RATIO = 2.0


def prepare(kind: str) -> str:
    """A database with ``auth``'s tables (created when missing); returns its URL."""
    if kind == "postgresql":
        import psycopg

        with psycopg.connect(PG_BASE + "postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {DATABASE}")
        url = PG_BASE + DATABASE
    else:
        CACHE.mkdir(parents=True, exist_ok=True)
        path = CACHE / f"{DATABASE}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, str(ROOT / "manage.py"), "migrate", "auth", "-v0"],
        env={
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "tsunagari.settings.test",
        },
        check=True,
        cwd=ROOT,
    )
    return url


def measure(kind: str, sizes: list[int]) -> dict:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from base import bulk

    user_model = get_user_model()
    password = make_password(None)
    now = timezone.now()
    fields = ["username", "email", "last_name", "password", "date_joined"]

    def rows(n):
        return [
            (f"271004-{i:07d}", f"staff{i}@city.example.lg.jp", "職員", password, now)
            for i in range(n)
        ]

    def by_bulk_create(n):
        user_model.objects.bulk_create(
            [user_model(**dict(zip(fields, row, strict=True))) for row in rows(n)],
            batch_size=bulk.BATCH_SIZE,
        )

    def by_rows(copy_min_rows):
        def insert(n):
            bulk.COPY_MIN_ROWS = copy_min_rows
            try:
                assert bulk.insert_rows(user_model, fields, rows(n)) == n  # noqa: S101
            finally:
                bulk.COPY_MIN_ROWS = threshold

        return insert

    threshold = bulk.COPY_MIN_ROWS
    ways = {"bulk_create": by_bulk_create, "insert": by_rows(copy_min_rows=sys.maxsize)}
    if kind == "postgresql":
        ways["copy"] = by_rows(copy_min_rows=0)

    def timed(way, n) -> float:
        with transaction.atomic():
            began = time.perf_counter()
            way(n)
            elapsed = time.perf_counter() - began
            assert user_model.objects.count() == n  # noqa: S101
            transaction.set_rollback(True)
        return elapsed

    for way in ways.values():  # warm up: the connection, the code paths
        timed(way, 100)
    figures = {}
    for n in sizes:
        runs = 15 if n <= 100 else 7 if n <= 1_000 else 5 if n <= 10_000 else 3
        medians = {}
        for name, way in ways.items():
            medians[name] = statistics.median(timed(way, n) for _run in range(runs))
        size = {f"{name}_ms": round(seconds * 1000, 2) for name, seconds in medians.items()}
        size["insert_vs_bulk_create"] = round(medians["bulk_create"] / medians["insert"], 2)
        if "copy" in medians:
            size["copy_vs_bulk_create"] = round(medians["bulk_create"] / medians["copy"], 2)
            size["copy_vs_insert"] = round(medians["insert"] / medians["copy"], 2)
            size["copy_rows_per_s"] = round(n / medians["copy"])
        size["bulk_create_rows_per_s"] = round(n / medians["bulk_create"])
        figures[str(n)] = size
    result = {"database": kind, "copy_min_rows": threshold, "sizes": figures}
    if kind == "postgresql":
        copy_wins = [n for n in sizes if figures[str(n)]["copy_vs_insert"] > 1.0]
        result["copy_from_rows"] = next(
            (n for n in sizes if all(m in copy_wins for m in sizes if m >= n)), None
        )
        measured = [figures[str(n)]["copy_vs_bulk_create"] for n in TARGET_SIZES if n in sizes]
        result["min_copy_vs_bulk_create"] = min(measured, default=None)
        result["meets_target"] = bool(measured) and min(measured) >= TARGET_RATIO
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="")
    parser.add_argument("--sizes", default=",".join(str(n) for n in DEFAULT_SIZES))
    options = parser.parse_args()
    if options.database:
        kind = database_kind(options.database)
    else:
        kind = "postgresql" if postgres_available() else "sqlite"
    sizes = sorted(int(n) for n in options.sizes.split(","))
    url = prepare(kind)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "tsunagari.settings.test"
    emit("bulk", measure(kind, sizes))


if __name__ == "__main__":
    main()
