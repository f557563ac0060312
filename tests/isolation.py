"""The rule that keeps transactional tests from leaking rows into the next test.

A transactional test (``django_db(transaction=True)``, ``live_server``, ``transactional_db``)
ends with a flush. Without ``serialized_rollback=True`` the flush also removes the rows the
migrations created (the page tree's root, the prefectures and municipalities, Wagtail's
locales), and a later test that restores the serialized snapshot finds a database that no
longer matches it: it fails in some orders and not in others. Every such test must restore the
snapshot, so the rule is checked when the tests are collected (tests/conftest.py).
"""

TRANSACTIONAL_FIXTURES = {"transactional_db", "live_server"}


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None:
        transaction = marker.kwargs.get("transaction", marker.args[0] if marker.args else False)
        if transaction:
            return True
    return bool(TRANSACTIONAL_FIXTURES & set(getattr(item, "fixturenames", ())))


def _rolls_back_serialized(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is None:
        return False
    if "serialized_rollback" in marker.kwargs:
        return bool(marker.kwargs["serialized_rollback"])
    # django_db(transaction, reset_sequences, databases, serialized_rollback, ...)
    return len(marker.args) > 3 and bool(marker.args[3])


def unserialized_transactional_tests(items) -> list[str]:
    """The node ids of transactional tests that do not roll back serialized."""
    return [
        item.nodeid
        for item in items
        if _is_transactional(item) and not _rolls_back_serialized(item)
    ]
