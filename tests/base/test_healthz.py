import sqlite3

import pytest
from django.db import connection


@pytest.mark.django_db
def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_healthz_answers_503_when_the_database_is_unreachable(client, tmp_path):
    # Point the real connection at a database that cannot be reached, as in an outage.
    original = dict(connection.settings_dict)
    keep_alive = None
    if connection.vendor == "sqlite":
        # The in-memory test database lives only while a connection to it is open.
        keep_alive = sqlite3.connect(original["NAME"], uri=True)
        connection.connection.close()
        connection.connection = None
        connection.settings_dict["NAME"] = str(tmp_path / "missing-dir" / "db.sqlite3")
    else:
        connection.close()
        connection.settings_dict["PORT"] = "1"
    try:
        response = client.get("/healthz")
    finally:
        if connection.connection is not None:
            connection.connection.close()
        connection.connection = None
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
        connection.ensure_connection()
        if keep_alive is not None:
            keep_alive.close()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["status"] == "unavailable"
