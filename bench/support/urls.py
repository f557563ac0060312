"""The project's URLs plus two bare views of the benchmarks:

- ``/__bench__/baseline``: a fixed 10 KB page (the ceiling of a read: server, middleware,
  no database);
- ``/__bench__/write`` (POST, CSRF-checked like every form of the site): one INSERT into
  ``bench_write`` in a transaction and a small response (the ceiling of a write on the same
  database; ``bench/writes.py`` compares the quiz submit with it).

``bench_write`` is a table of the benchmarks alone, created with raw SQL by ``bench/writes.py``
on its throw-away database (``BENCH_WRITE_TABLE_SQL``); no model and no migration of the
product knows it.
"""

from django.db import connection, transaction
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from tsunagari.urls import urlpatterns as project_urlpatterns

_HEAD = "<!DOCTYPE html><html lang='ja'><head><meta charset='utf-8'><title>baseline</title>"
_HEAD += "</head><body><main><p>つながりサポーター</p><p>"
_TAIL = "</p></main></body></html>"
BASELINE_SIZE = 10 * 1024
_FIXED = (_HEAD + _TAIL).encode()
BASELINE_HTML = _FIXED[: -len(_TAIL)] + b"x" * (BASELINE_SIZE - len(_FIXED)) + _TAIL.encode()

# The same DDL on SQLite and PostgreSQL: an integer key the database assigns, a timestamp and a
# short text, about the size of one completion row.
BENCH_WRITE_TABLE_SQL = {
    "sqlite": (
        "CREATE TABLE IF NOT EXISTS bench_write (id INTEGER PRIMARY KEY AUTOINCREMENT, "
        "written_at TIMESTAMP NOT NULL, note VARCHAR(64) NOT NULL)"
    ),
    "postgresql": (
        "CREATE TABLE IF NOT EXISTS bench_write (id BIGSERIAL PRIMARY KEY, "
        "written_at TIMESTAMPTZ NOT NULL, note VARCHAR(64) NOT NULL)"
    ),
}


def baseline(request):
    """A fixed 10 KB page, no database."""
    return HttpResponse(BASELINE_HTML, content_type="text/html; charset=utf-8")


@require_POST
def write(request):
    """One INSERT in its own transaction, then a small response (the bare write)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_write (written_at, note) VALUES (%s, %s)",
            [timezone.now(), request.POST.get("note", "")[:64]],
        )
    return HttpResponse(b"ok", content_type="text/plain; charset=utf-8")


urlpatterns = [
    path("__bench__/baseline", baseline),
    path("__bench__/write", write),
    *project_urlpatterns,
]
