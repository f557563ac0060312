"""Report reads from a read replica (``REPORTS_DATABASE_URL``), everything else on the primary.

A KPI report reads many rows and writes none; on a national deployment it is the heaviest
reader. When ``REPORTS_DATABASE_URL`` names a streaming replica, the database alias
``"reports"`` points at it and the code that produces a report — the dashboard, ``/api/kpi/``,
open data, the figure exports and ``kpi_report`` — runs inside ``reports_replica()``: every
read in that block goes to the replica, so one report is one consistent snapshot. Reads
anywhere else (an administrator editing a session, a certificate export that must include the
certificate issued a second ago) and every write go to the primary, as do locking reads
(``select_for_update`` is a read *for write*).

When the replica does not answer a connection, reports are read from the primary: a report is
slower but not an error. An unreachable replica is asked again after ``REPLICA_RETRY_SECONDS``.
A replica lost in the middle of a report fails that one request like any database error (503,
``base/views.py``); the next finds it unreachable and reads the primary.
"""

import contextlib
import contextvars
import functools
import logging
import time

from django.conf import settings
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

ALIAS = "reports"
# How long a replica that did not answer is left alone before it is asked again.
REPLICA_RETRY_SECONDS = 30.0

_reading_reports = contextvars.ContextVar("reading_reports", default=False)
_down_until = {"at": 0.0}


def replica_configured() -> bool:
    """Whether settings define the report replica (``REPORTS_DATABASE_URL``)."""
    return ALIAS in settings.DATABASES


def _replica_answers() -> bool:
    if time.monotonic() < _down_until["at"]:
        return False
    try:
        connections[ALIAS].ensure_connection()
    except DatabaseError:
        logger.warning("report replica unreachable; reading reports from the primary")
        _down_until["at"] = time.monotonic() + REPLICA_RETRY_SECONDS
        return False
    return True


@contextlib.contextmanager
def reports_replica():
    """Within this block, reads go to the report replica (when configured and answering)."""
    token = _reading_reports.set(True)
    try:
        yield
    finally:
        _reading_reports.reset(token)


def reads_reports(function):
    """Decorator for the code that produces a report (a view, an API endpoint, a command):
    its reads go to the replica. A template response is rendered inside too, so that its lazy
    querysets are read there."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with reports_replica():
            result = function(*args, **kwargs)
            if callable(getattr(result, "render", None)) and not getattr(
                result, "is_rendered", True
            ):
                result.render()
            return result

    return wrapper


def reading_database() -> str:
    """The alias a read made now would use."""
    if _reading_reports.get() and replica_configured() and _replica_answers():
        return ALIAS
    return "default"


class ReportsReplicaRouter:
    """``DATABASE_ROUTERS`` entry: report reads to the replica, all else to the primary."""

    def db_for_read(self, model, **hints):
        return reading_database()

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # A replica is read-only; its schema arrives by replication.
        return db == "default"
