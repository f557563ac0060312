"""An iCalendar file (RFC 5545) of one planned course, written by hand: one VEVENT.

Times are in UTC (``...Z``), so no VTIMEZONE is needed and every calendar shows the course at
the right hour in Japan. Text values escape backslash, semicolon, comma and newline
(RFC 5545 §3.3.11); lines end with CRLF and are folded at 75 octets without splitting a
UTF-8 character (§3.1).
"""

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings

from .models import PlannedCourse

PRODID = "-//Tsunagari//つながりサポーター養成講座//JA"
LINE_OCTETS = 75


def escape_text(value: str) -> str:
    """A TEXT value as RFC 5545 writes it."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """One content line folded into lines of at most 75 octets, each ending with CRLF; a
    continuation line begins with a space (which counts towards its 75)."""
    out = []
    current = b""
    limit = LINE_OCTETS
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > limit:
            out.append(current)
            current = b" "
            limit = LINE_OCTETS
        current += encoded
    out.append(current)
    return "".join(part.decode("utf-8") + "\r\n" for part in out)


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def course_uid(course: PlannedCourse) -> str:
    """A UID that stays the same for the course however often it changes."""
    host = urlsplit(settings.WAGTAILADMIN_BASE_URL).hostname or "localhost"
    return f"planned-course-{course.pk}@{host}"


def course_calendar(course: PlannedCourse) -> str:
    """The iCalendar text of ``course``."""
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    url = base + course.get_absolute_url()
    summary = f"{course.course.plain_title}（{course.organiser.organisation_name}）"
    description = [
        f"主催：{course.organiser.organisation_name}",
        f"講師：{course.instructor_name}",
    ]
    if course.is_online:
        description.append(f"配信：{course.online_url}")
    if course.notes:
        description.append(course.notes)
    description.append(url)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{course_uid(course)}",
        f"DTSTAMP:{_utc(course.updated_at)}",
        f"DTSTART:{_utc(course.starts_at)}",
        f"DTEND:{_utc(course.ends_at)}",
        f"SEQUENCE:{course.sequence}",
        f"STATUS:{'CANCELLED' if course.is_cancelled else 'CONFIRMED'}",
        f"SUMMARY:{escape_text(summary)}",
        f"LOCATION:{escape_text(course.place)}",
        f"DESCRIPTION:{escape_text(chr(10).join(description))}",
        f"URL:{url}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) for line in lines)
