"""Against PostgreSQL itself the site's statements are prepared once a connection has run them
a few times (tsunagari/settings/base.py, ``DB_PREPARED_STATEMENTS``): PostgreSQL then stops
parsing and planning the quiz submit's statements on every request (docs/benchmarks.md §8)."""

import pytest
from django.db import connection

from courses.models import Completion


@pytest.mark.django_db
def test_a_repeated_query_is_prepared_on_its_connection(postgres_only):
    def prepared_completion_counts():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ['%COUNT(*)%FROM "courses_completion"%'],
            )
            return cursor.fetchone()[0]

    assert prepared_completion_counts() == 0
    for _ in range(6):
        Completion.objects.filter(fiscal_year=2026).count()
    assert prepared_completion_counts() == 1
    # Parameters are bound by the server: another value runs the same prepared statement.
    Completion.objects.filter(fiscal_year=2027).count()
    assert prepared_completion_counts() == 1
