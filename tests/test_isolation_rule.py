"""The collection-time rule of tests/isolation.py: it names the transactional tests that would
flush the migrations' rows, and only those."""

from types import SimpleNamespace

from tests.isolation import unserialized_transactional_tests


def _item(nodeid, marker=None, fixtures=()):
    def closest(name):
        return marker if name == "django_db" else None

    return SimpleNamespace(nodeid=nodeid, get_closest_marker=closest, fixturenames=list(fixtures))


def _marker(*args, **kwargs):
    return SimpleNamespace(args=args, kwargs=kwargs)


def test_the_rule_names_transactional_tests_without_serialized_rollback():
    items = [
        _item("plain", _marker()),
        _item("no_db"),
        _item("transaction_only", _marker(transaction=True)),
        _item("positional_transaction", _marker(True)),
        _item("live_server_unmarked", fixtures=["live_server", "transactional_db"]),
        _item("live_server_marked", _marker(serialized_rollback=True), ["live_server"]),
        _item("serialized", _marker(transaction=True, serialized_rollback=True)),
        _item("serialized_positional", _marker(True, False, None, True)),
        _item("explicitly_off", _marker(transaction=True, serialized_rollback=False)),
    ]

    assert unserialized_transactional_tests(items) == [
        "transaction_only",
        "positional_transaction",
        "live_server_unmarked",
        "explicitly_off",
    ]


def test_every_collected_test_follows_the_rule(request):
    # The conftest hook refuses the run before this test could see an offender; this says the
    # suite itself is clean, so removing the hook alone would not hide one.
    assert unserialized_transactional_tests(request.session.items) == []
