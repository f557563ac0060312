"""Recognising the learner behind a request: an account, or an anonymous visitor's cookie.

An anonymous learner is created only when they first save something (progress, profile), so
that reading a page never writes to the database. The cookie holds a random token; the
database keeps only its hash.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from . import services
from .models import Learner, hash_learner_token

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
# (docs/benchmarks.md, "Learner's lesson page: profile"). The municipality is not joined: a
# shared rendering of the page needs only its id, and a page that shows its consultation
# windows loads it then.
_BY_TOKEN_SQL = f"SELECT * FROM {Learner._meta.db_table} WHERE token_hash = %s AND user_id IS NULL"  # noqa: S608 - a table name of ours, the value a parameter


def anonymous_learner(request) -> Learner | None:
    """The anonymous learner whose cookie came with ``request``, if any."""
    token = _token_from(request)
    if token is None:
        return None
    # token_hash is unique: at most one row.
    return next(iter(Learner.objects.raw(_BY_TOKEN_SQL, [hash_learner_token(token)])), None)


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
