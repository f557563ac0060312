"""The rotating check-in code (受付番号) the organiser's screen shows: four digits that change
every minute, so that a check-in needs someone in the room (docs/checkin.md).

The code of a minute is ``HMAC-SHA256(key, "<course pk>:<minute number>") mod 10⁴``, zero-padded;
the key is derived from ``SECRET_KEY`` with a salt of its own, so no other signature of the
site can be turned into a code. Nothing is stored: the screen, the QR code on it and the check-in
page compute the same code from the clock. The current and the previous minute are accepted, so
a code read out just before it changes still works while the attendee types it.

Pure functions, no database.
"""

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

SALT = "tsunagari.events.checkin-code"
DIGITS = 4
WINDOW_SECONDS = 60
# The current minute and the one before it.
ACCEPTED_WINDOWS = 2


def _key() -> bytes:
    # Derived, never SECRET_KEY itself: a code leaks nothing usable elsewhere.
    return salted_hmac(SALT, "check-in code key", secret=settings.SECRET_KEY).digest()


def window_of(moment: dt.datetime | None = None) -> int:
    """The number of the minute ``moment`` falls in (minutes since the Unix epoch)."""
    moment = moment or timezone.now()
    return int(moment.timestamp()) // WINDOW_SECONDS


def code_for(course_pk: int, window: int) -> str:
    """The four-digit code of course ``course_pk`` in minute ``window``."""
    message = f"{course_pk}:{window}".encode()
    digest = hmac.new(_key(), message, hashlib.sha256).digest()
    return f"{int.from_bytes(digest, 'big') % 10**DIGITS:0{DIGITS}d}"


def current_code(course_pk: int, moment: dt.datetime | None = None) -> str:
    """The code the organiser's screen shows now."""
    return code_for(course_pk, window_of(moment))


def seconds_left(moment: dt.datetime | None = None) -> int:
    """Seconds until the code changes (for the screen's countdown)."""
    moment = moment or timezone.now()
    return WINDOW_SECONDS - int(moment.timestamp()) % WINDOW_SECONDS


def normalise(typed: str) -> str:
    """What the attendee typed, as plain ASCII digits (full-width digits and spaces allowed)."""
    text = (typed or "").strip().translate(_FULL_WIDTH).replace(" ", "").replace("-", "")
    return text if text.isascii() else ""


_FULL_WIDTH = {ord("０") + n: ord("0") + n for n in range(10)} | {ord("\u3000"): ord(" ")}


def is_valid(course_pk: int, typed: str, moment: dt.datetime | None = None) -> bool:
    """Whether ``typed`` is the code of this or the previous minute for ``course_pk``."""
    code = normalise(typed)
    if len(code) != DIGITS or not code.isdigit():
        return False
    window = window_of(moment)
    return any(
        hmac.compare_digest(code, code_for(course_pk, window - back))
        for back in range(ACCEPTED_WINDOWS)
    )
