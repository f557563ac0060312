"""A cursor that sends a statement batch as one simple query, on PostgreSQL.

With prepared statements on (``DB_PREPARED_STATEMENTS``) psycopg binds parameters on the
server, and a statement sent that way carries one SQL statement. A batch of two statements
(the check-in's advisory lock and its INSERT: one round trip, one implicit transaction) needs
parameters bound by the client, as a simple query; this cursor does that on the same
connection, whatever the settings, and Django still counts and logs its queries.
"""

from django.db import connection
from django.db.backends.postgresql.base import Cursor as ClientBindingCursor


def client_binding_cursor():
    """A Django cursor (use it in ``with``) that binds parameters client-side (PostgreSQL)."""
    connection.ensure_connection()
    raw = ClientBindingCursor(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)
