import pytest
from django.core.cache import cache
from django.db import connection

from tests.isolation import unserialized_transactional_tests


def pytest_collection_modifyitems(config, items):
    """Refuse to run a transactional test that would flush the migrations' rows
    (tests/isolation.py says why)."""
    offenders = unserialized_transactional_tests(items)
    if offenders:
        raise pytest.UsageError(
            "transactional tests must use django_db(transaction=True, serialized_rollback=True): "
            + ", ".join(offenders)
        )
    # A PostgreSQL-only test is skipped before its fixtures are set up: skipped from inside
    # the ``postgres_only`` fixture, a transactional test on SQLite would still restore and
    # flush the whole database for nothing.
    if connection.vendor != "postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL: real concurrent transactions")
        for item in items:
            if "postgres_only" in getattr(item, "fixturenames", ()):
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: counters (the verification rate limit), cached
    settings and stored pages of one test must not decide another's outcome."""
    from base import page_cache

    cache.clear()
    page_cache._generation_memo.update(value=None, read_at=0.0)


@pytest.fixture
def page_cache_on(settings):
    """The page cache and page-tree memo as in production (the test settings switch them off;
    the cache is empty, as for every test)."""
    settings.PAGE_CACHE_SECONDS = 600


@pytest.fixture
def postgres_only():
    """Skip on SQLite: the test needs real concurrent transactions (PostgreSQL)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: real concurrent transactions")
