import pytest
from django.db import connection


@pytest.fixture
def postgres_only():
    """Skip on SQLite: the test needs real concurrent transactions (PostgreSQL)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: real concurrent transactions")
