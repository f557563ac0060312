"""A Redis cache that degrades instead of failing, and the counters built on it.

Everything the product keeps in the cache can be computed again or read from the database:
stored pages, the page-cache generation, footer help, consultation windows, PDFs, open data,
and sessions (``cached_db`` writes every session through to the database). So when Redis
cannot be reached, ``ResilientRedisCache`` answers every read as a miss and drops every write,
logs one warning, and stops asking Redis for ``RETRY_SECONDS`` so that no request waits on
a dead connection more than once per back-off in each process (each thread, with threaded
workers: Django keeps one cache object per thread). Pages are then rendered without the cache;
nothing answers 500.

It is a cache *backend* (``CACHES["default"]["BACKEND"]``), not a wrapper our code calls, so
that the callers we do not own take the same path: Django's ``cached_db`` sessions, Wagtail.

Writes that were dropped during an outage (a session deleted at sign-out, a generation
number that should have moved) would leave stale entries behind if Redis kept its data. The
first process to reach Redis again therefore starts a new *epoch*: a number stored in Redis
that is part of every key, so everything written before is unreachable at once (it expires on
its own timeout). Other processes read the epoch at most every ``EPOCH_CHECK_SECONDS``.
"""

import logging
import time

from django.core.cache import cache
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# After a failure, how long every cache call of this process is a miss without asking Redis.
RETRY_SECONDS = 5.0
# How long a process trusts the epoch it last read.
EPOCH_CHECK_SECONDS = 1.0
EPOCH_KEY = "cache-epoch"


def _false():
    return False


def _none():
    return None


class ResilientRedisCache(RedisCache):
    """Django's ``RedisCache`` for which an unreachable Redis is an empty cache (see module)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._retry_at = 0.0  # monotonic time before which Redis is not asked
        self._failed = False  # a call failed and Redis has not answered since
        self._epoch = None
        self._epoch_read_at = 0.0
        self._counter_client = None  # see count_in_window

    # -- state ------------------------------------------------------------------------

    @property
    def available(self) -> bool:
        """False while this process treats Redis as unreachable (between a failure and the
        next call that reaches it)."""
        return not self._failed

    def ping(self) -> bool:
        """Ask Redis now (for /healthz), unless a recent failure says not to ask yet."""
        return self._guarded(_false, lambda: bool(self._raw_client().ping()))

    def _raw_client(self):
        return self._cache.get_client(self._epoch_key(), write=True)

    def _epoch_key(self) -> str:
        return f"{self.key_prefix}:{EPOCH_KEY}"

    def _guarded(self, fallback, operation, *args):
        """``operation(*args)``, or what ``fallback()`` returns when Redis fails."""
        if self._failed and time.monotonic() < self._retry_at:
            return fallback()
        try:
            if self._failed:
                self._recover()
            return operation(*args)
        except RedisError as error:
            self._fail(error)
            return fallback()

    def _fail(self, error) -> None:
        if not self._failed:
            logger.warning(
                "Redis cache unreachable (%s): serving without the cache, retrying every %s s",
                error,
                RETRY_SECONDS,
            )
        self._failed = True
        self._retry_at = time.monotonic() + RETRY_SECONDS

    def _recover(self) -> None:
        # Writes were dropped while Redis was out of reach: drop everything written before.
        self._epoch = int(self._raw_client().incr(self._epoch_key()))
        self._epoch_read_at = time.monotonic()
        self._failed = False
        logger.warning("Redis cache reachable again: new cache epoch %s", self._epoch)

    def _current_epoch(self) -> int:
        now = time.monotonic()
        if self._epoch is None or now - self._epoch_read_at > EPOCH_CHECK_SECONDS:
            client = self._raw_client()
            raw = client.get(self._epoch_key())
            if raw is None:
                # Never a number used before, even when the key was evicted or Redis lost its
                # data: entries of an earlier epoch must stay unreachable.
                client.set(self._epoch_key(), time.time_ns() // 1_000_000, nx=True)
                raw = client.get(self._epoch_key())
            self._epoch = int(raw)
            self._epoch_read_at = now
        return self._epoch

    def make_key(self, key, version=None):
        """Django's key with the epoch in front (see the module docstring)."""
        return f"e{self._current_epoch()}:{super().make_key(key, version=version)}"

    # -- Django's cache API, each call guarded -----------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(_false, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._guarded(lambda: default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(_none, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(_false, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._guarded(_false, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._guarded(dict, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._guarded(_false, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        # Unavailable reads as "no such key", which callers of incr() already handle.
        def missing():
            raise ValueError(f"Key '{key}' not found (the cache is unavailable).")

        return self._guarded(missing, super().incr, key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # Django's contract: the keys that could not be stored.
        return self._guarded(lambda: list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._guarded(_none, super().delete_many, keys, version)

    def clear(self):
        return self._guarded(_false, super().clear)

    # -- counters -----------------------------------------------------------------------

    def count_in_window(self, key, window_seconds, version=None):
        """``count_in_window`` (below) in one round trip: ``SET key 0 EX window NX`` and
        ``INCR key`` in one MULTI/EXEC, so the window opens and the event counts atomically
        (the key can never be left without its expiry). The count, or None when Redis
        cannot be reached (the caller fails open or closed)."""

        def count():
            full_key = self.make_key(key, version=version)
            if self._counter_client is None:
                # Django makes a new client per call (building its ~170 response callbacks
                # each time, the largest part of a counted request's cache cost); one client
                # on the same connection pool serves every count of this cache object.
                self._counter_client = self._cache.get_client(full_key, write=True)
            pipeline = self._counter_client.pipeline(transaction=True)
            pipeline.set(full_key, 0, ex=window_seconds, nx=True)
            pipeline.incr(full_key)
            return int(pipeline.execute()[1])

        return self._guarded(_none, count)


def cache_available() -> bool:
    """False while the default cache is a Redis this process cannot reach."""
    return getattr(cache, "available", True)


def cache_state() -> str:
    """ "ok", or "unavailable" when the default cache's server does not answer now."""
    ping = getattr(cache, "ping", None)
    if ping is None:  # local memory or files: no server to lose
        return "ok"
    return "ok" if ping() else "unavailable"


def count_in_window(key: str, window_seconds: int) -> int | None:
    """Count one event under ``key`` in a window that opens with the first event and closes
    ``window_seconds`` later; the count so far, or None when the cache cannot count.

    Rate limiters decide themselves what None means (fail open or closed). On Redis this is
    one round trip (``ResilientRedisCache.count_in_window``); other caches (local memory and
    files in development and tests) take the add()/incr() path below."""
    counter = getattr(cache, "count_in_window", None)
    if counter is not None:
        return counter(key, window_seconds)
    # add() opens the window only if none is open; incr() is atomic in Redis and locmem.
    cache.add(key, 0, window_seconds)
    try:
        return cache.incr(key)
    except ValueError:
        if not cache_available():
            return None
        # The window closed between add() and incr(): this event opens the next one.
        cache.set(key, 1, window_seconds)
        return 1
