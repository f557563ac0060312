"""The test that starts the browser starts from the migrated database like every other.

Playwright's sync API moves the test thread to a greenlet of its own, and Django keeps its
connections per context: the test during which the browser started got connections without
the serialized snapshot, so its ``serialized_rollback`` restored nothing, and after another
transactional test's flush it found an empty database (tests/e2e/conftest.py ``browser``).
The file's name puts it first among the browser tests, so that it is the one that starts the
browser, right after a flush.
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connections

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_transactional_test_ends_with_a_flush():
    # Its teardown empties every table, content types included.
    assert ContentType.objects.exists()


def test_the_test_that_starts_the_browser_finds_the_migrated_rows_restored(browser):
    assert hasattr(connections["default"], "_test_serialized_contents")
    assert ContentType.objects.filter(app_label="organizations", model="municipality").exists()
