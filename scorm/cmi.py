"""The SCORM 1.2 data model (``cmi``) as the LMS keeps it: checking what a commit sends, and
the values handed back to the package when the learner resumes.

scorm-again posts the whole ``cmi`` object as JSON on every commit (``sendFullCommit``). Only
the elements this site stores are read, each checked against SCORM 1.2's types and limits
before anything is written (``CommitError`` otherwise, answered with 400).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .records import LessonStatus

SUSPEND_DATA_MAX = 4096  # SCORM 1.2: CMIString4096
LESSON_LOCATION_MAX = 255  # SCORM 1.2: CMIString255
# CMITimespan: HHHH:MM:SS.SS (hours 2 to 4 digits, optional 1 or 2 decimals of a second).
_TIMESPAN = re.compile(r"^(\d{2,4}):([0-5]\d):([0-5]\d)(\.\d{1,2})?$")
STATUSES = frozenset(LessonStatus.values)
_MISSING = object()


class CommitError(ValueError):
    """A commit that does not follow SCORM 1.2 (the message, in Japanese, names the element)."""


@dataclass(frozen=True)
class Commit:
    """The stored elements of one commit; ``None`` means "not sent, keep what is stored"."""

    lesson_status: str | None = None
    score_raw: Decimal | None | object = _MISSING
    score_min: Decimal | None | object = _MISSING
    score_max: Decimal | None | object = _MISSING
    session_seconds: Decimal | None = None
    suspend_data: str | None = None
    lesson_location: str | None = None

    def sent(self, name: str) -> bool:
        """Whether the commit carried the score element ``name``."""
        return getattr(self, name) is not _MISSING


def parse_timespan(value: str) -> Decimal:
    """Seconds of a CMITimespan (``0000:12:30.5`` → 750.5)."""
    match = _TIMESPAN.match(value)
    if match is None:
        raise CommitError(
            f"cmi.core.session_time「{value[:40]}」は HHHH:MM:SS.SS の形式ではありません。"
        )
    hours, minutes, seconds, fraction = match.groups()
    return Decimal(hours) * 3600 + Decimal(minutes) * 60 + Decimal(seconds + (fraction or ""))


def format_timespan(seconds: Decimal) -> str:
    """A CMITimespan for ``cmi.core.total_time`` (at most 9999 hours, as SCORM 1.2 allows)."""
    seconds = min(Decimal(seconds), Decimal(9999 * 3600 + 3599) + Decimal("0.99"))
    whole = int(seconds)
    hundredths = int((seconds - whole) * 100)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:04d}:{minutes:02d}:{secs:02d}.{hundredths:02d}"


def _string(value, element: str, limit: int) -> str:
    if not isinstance(value, str):
        raise CommitError(f"{element} は文字列で送ってください。")
    if len(value) > limit:
        raise CommitError(f"{element} が長すぎます（{len(value):,} 文字。{limit:,} 文字まで）。")
    return value


def _score(value, element: str):
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise CommitError(f"{element} は数値で送ってください。")
    try:
        number = Decimal(str(value))
    except InvalidOperation as error:
        raise CommitError(f"{element}「{str(value)[:20]}」は数値ではありません。") from error
    if not number.is_finite() or not (0 <= number <= 100):
        raise CommitError(f"{element} は 0〜100 の数値で送ってください。")
    return number.quantize(Decimal("0.01"))


def parse_commit(payload) -> Commit:
    """The stored elements of a scorm-again commit body (``{"cmi": {...}}``), checked."""
    if not isinstance(payload, dict):
        raise CommitError("送られた内容が JSON のオブジェクトではありません。")
    cmi = payload.get("cmi", payload)
    if not isinstance(cmi, dict):
        raise CommitError("cmi がオブジェクトではありません。")
    core = cmi.get("core", {})
    if not isinstance(core, dict):
        raise CommitError("cmi.core がオブジェクトではありません。")
    values = {}
    status = core.get("lesson_status", _MISSING)
    if status is not _MISSING:
        if not isinstance(status, str) or status not in STATUSES:
            raise CommitError(
                f"cmi.core.lesson_status「{str(status)[:30]}」は SCORM 1.2 の値ではありません"
                f"（{'、'.join(sorted(STATUSES))}）。"
            )
        values["lesson_status"] = status
    score = core.get("score", _MISSING)
    if score is not _MISSING:
        if not isinstance(score, dict):
            raise CommitError("cmi.core.score がオブジェクトではありません。")
        for part in ("raw", "min", "max"):
            if part in score:
                values[f"score_{part}"] = _score(score[part], f"cmi.core.score.{part}")
    session_time = core.get("session_time", _MISSING)
    if session_time is not _MISSING and session_time != "":
        if not isinstance(session_time, str):
            raise CommitError("cmi.core.session_time は文字列で送ってください。")
        values["session_seconds"] = parse_timespan(session_time)
    location = core.get("lesson_location", _MISSING)
    if location is not _MISSING:
        values["lesson_location"] = _string(
            location, "cmi.core.lesson_location", LESSON_LOCATION_MAX
        )
    suspend = cmi.get("suspend_data", _MISSING)
    if suspend is not _MISSING:
        values["suspend_data"] = _string(suspend, "cmi.suspend_data", SUSPEND_DATA_MAX)
    return Commit(**values)


def resume_data(attempt, *, student_id: str, student_name: str, launch_data: str) -> dict:
    """The ``cmi`` values loaded into the API before the package starts (scorm-again's
    ``loadFromJSON``): where the learner left off, their score so far and total time."""
    resuming = bool(attempt and (attempt.suspend_data or attempt.lesson_location))
    core = {
        "student_id": student_id,
        "student_name": student_name,
        "entry": "resume" if resuming else "ab-initio",
    }
    data = {"core": core, "launch_data": launch_data}
    if attempt is not None:
        core["lesson_status"] = attempt.lesson_status
        core["lesson_location"] = attempt.lesson_location
        core["total_time"] = format_timespan(attempt.total_seconds)
        core["score"] = {
            part: "" if value is None else format(value.normalize(), "f")
            for part, value in (
                ("raw", attempt.score_raw),
                ("min", attempt.score_min),
                ("max", attempt.score_max),
            )
        }
        data["suspend_data"] = attempt.suspend_data
    return data
