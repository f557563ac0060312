"""Identifiers for SQL the services write by hand (statements built once per process)."""

from django.db import connection


def column(meta, name: str) -> str:
    """The quoted column of field ``name`` of the model whose ``_meta`` is ``meta``.

    Identifiers come from the models, never from input; values stay parameters.
    """
    return connection.ops.quote_name(meta.get_field(name).column)
