"""Time spent reading a lesson, without JavaScript: the page carries its signed opening time.

The lesson form holds ``opened_token``; finishing the lesson posts it back, and the seconds
since are the time spent. The token is new on every request, so shared renderings of the page
hold ``OPENED_PLACEHOLDER`` instead (registered with ``base.page_cache`` by the app's
``ready()``). Visitors' pages are stored whole and carry none: their first lesson's reading
time is unknown, and recorded as 0.
"""

import time

from django.core import signing

OPENED_SALT = "courses.lesson-opened"
OPENED_PLACEHOLDER = "opened-placeholder-9d27a3"
# A lesson left open longer than this was not being read.
MAX_TOKEN_AGE = 24 * 3600


def lesson_opened_token(request=None) -> str:
    """A signed timestamp put in the lesson form, so time spent needs no JavaScript."""
    return signing.dumps(int(time.time()), salt=OPENED_SALT)


def seconds_since(token: str) -> int:
    """Seconds since the opening time in ``token`` (0 for a token that is missing, forged or
    older than a day)."""
    try:
        opened = signing.loads(token, salt=OPENED_SALT, max_age=MAX_TOKEN_AGE)
    except signing.BadSignature:
        return 0
    return max(0, int(time.time()) - int(opened))
