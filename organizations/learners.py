"""Recognising the learner behind a request: an account, or an anonymous visitor's cookie.

An anonymous learner is created only when they first save something (progress, profile), so
that reading a page never writes to the database. The cookie holds a random token; the
database keeps only its hash.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import connections
from django.utils import timezone

from . import services
from .models import Learner, Municipality, hash_learner_token

# How often a returning learner's last visit is written and their cookie renewed.
TOUCH_INTERVAL = timedelta(days=1)


def _token_from(request) -> str | None:
    token = request.COOKIES.get(settings.LEARNER_COOKIE_NAME)
    if token and 20 <= len(token) <= 100 and token.isascii():
        return token
    return None


# Every request of an anonymous learner begins with this lookup. Written out in SQL (Django's
# documented ``raw()``): building and compiling the same query through the ORM cost four times
# what running it does, and was the largest part of a learner's lesson page
# (docs/benchmarks.md, "Learner's lesson page: profile"). The municipality is read on every
# page (its consultation windows): it comes in the same row, as ``select_related`` would.
_MUNICIPALITY_FIELDS = Municipality._meta.concrete_fields
_BY_TOKEN_SQL = (
    "SELECT l.*, "  # noqa: S608 - our own table and column names; the value is a parameter
    + ", ".join(
        f"m.{field.column} AS municipality__{field.column}" for field in _MUNICIPALITY_FIELDS
    )
    + f" FROM {Learner._meta.db_table} l LEFT JOIN {Municipality._meta.db_table} m"
    f" ON m.{Municipality._meta.pk.column} = l.{Learner._meta.get_field('municipality').column}"
    f" WHERE l.{Learner._meta.get_field('token_hash').column} = %s"
    f" AND l.{Learner._meta.get_field('user').column} IS NULL"
)


def _joined_municipality(learner) -> Municipality:
    """The municipality columns of the joined row as a ``Municipality``, converted from the
    database's values as the ORM's compiler converts them."""
    connection = connections[learner._state.db]
    values = []
    for field in _MUNICIPALITY_FIELDS:
        value = getattr(learner, f"municipality__{field.column}")
        column = field.get_col(Municipality._meta.db_table)
        for converter in [
            *connection.ops.get_db_converters(column),
            *field.get_db_converters(connection),
        ]:
            value = converter(value, column, connection)
        values.append(value)
    return Municipality.from_db(
        learner._state.db, [field.attname for field in _MUNICIPALITY_FIELDS], values
    )


def anonymous_learner(request) -> Learner | None:
    """The anonymous learner whose cookie came with ``request``, if any (with its
    municipality)."""
    token = _token_from(request)
    if token is None:
        return None
    # token_hash is unique: at most one row.
    learner = next(iter(Learner.objects.raw(_BY_TOKEN_SQL, [hash_learner_token(token)])), None)
    if learner is not None and learner.municipality_id is not None:
        learner.municipality = _joined_municipality(learner)
    return learner


def current_learner(request) -> Learner | None:
    """The learner of ``request`` without creating one (``None`` for a first-time visitor)."""
    if hasattr(request, "_cached_learner"):
        return request._cached_learner
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        learner = Learner.objects.filter(user=user).select_related("municipality").first()
    else:
        learner = anonymous_learner(request)
    request._cached_learner = learner
    return learner


def learner_for_update(request) -> Learner:
    """The learner of ``request``, created on the spot when they have none yet."""
    learner = current_learner(request)
    if learner is not None:
        return learner
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        learner = services.learner_create_for_user(user=user)
    else:
        token = secrets.token_urlsafe(32)
        learner = services.learner_create_anonymous(token=token)
        request._new_learner_token = token
    request._cached_learner = learner
    return learner


def set_learner_cookie(response, token: str) -> None:
    """Store the anonymous learner's token in a long-lived, script-inaccessible cookie."""
    response.set_cookie(
        settings.LEARNER_COOKIE_NAME,
        token,
        max_age=settings.LEARNER_COOKIE_AGE,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )


def touch(request, response) -> None:
    """Write a returning learner's last visit at most once a day and renew their cookie."""
    learner = getattr(request, "_cached_learner", None)
    if learner is None:
        return
    now = timezone.now()
    if learner.last_seen_at and now - learner.last_seen_at < TOUCH_INTERVAL:
        return
    services.learner_touch(learner=learner, now=now)
    token = _token_from(request)
    if learner.user_id is None and token:
        set_learner_cookie(response, token)
