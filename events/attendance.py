"""Who attended a course, counted: the one read that the organiser's screen, the prefilled
実施報告 and the tests share, so they cannot disagree.

Counts come from the course's check-ins (``CheckIn``); those without a phone, added by the
organiser as paper counts, are added in by ``course_attendance`` as well once recorded.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count

from .models import CheckIn, PlannedCourse


@dataclass
class Attendance:
    """Attendees of one course: per attendee type, and (where they said) per age band and
    gender, keyed like ``TrainingSession``'s columns (``"general"``, ``"age_20s"``,
    ``"gender_female"``)."""

    by_type: Counter = field(default_factory=Counter)
    by_age_band: Counter = field(default_factory=Counter)
    by_gender: Counter = field(default_factory=Counter)
    checked_in: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_type.values())


def course_attendance(course: PlannedCourse) -> Attendance:
    """The attendance of ``course`` from its check-ins (three grouped queries)."""
    attendance = Attendance()
    check_ins = CheckIn.objects.filter(course=course)
    for row in check_ins.values("attendee_type").annotate(n=Count("pk")):
        attendance.by_type[row["attendee_type"]] += row["n"]
        attendance.checked_in += row["n"]
    for row in check_ins.exclude(age_band="").values("age_band").annotate(n=Count("pk")):
        attendance.by_age_band[row["age_band"]] += row["n"]
    for row in check_ins.exclude(gender="").values("gender").annotate(n=Count("pk")):
        attendance.by_gender[row["gender"]] += row["n"]
    return attendance
