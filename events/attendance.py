"""Who attended a course, counted: the one read that the organiser's screen, the prefilled
実施報告 and the tests share, so they cannot disagree.

Counts come from the course's check-ins (``CheckIn``) and, for those without a phone, the
organiser's paper counts (``PaperAttendance``, per attendee type only: no age band or gender).
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count

from reports.models import ATTENDEE_COUNT_FIELDS

from .models import CheckIn, PaperAttendance, PlannedCourse


@dataclass
class Attendance:
    """Attendees of one course: per attendee type, and (where they said) per age band and
    gender, keyed like ``TrainingSession``'s columns (``"general"``, ``"age_20s"``,
    ``"gender_female"``)."""

    by_type: Counter = field(default_factory=Counter)
    by_age_band: Counter = field(default_factory=Counter)
    by_gender: Counter = field(default_factory=Counter)
    checked_in: int = 0
    # Those counted on paper, per attendee type (also in ``by_type``).
    on_paper: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.by_type.values())


def course_attendance(course: PlannedCourse) -> Attendance:
    """The attendance of ``course`` from its check-ins and paper counts (four queries)."""
    attendance = Attendance()
    check_ins = CheckIn.objects.filter(course=course)
    for row in check_ins.values("attendee_type").annotate(n=Count("pk")):
        attendance.by_type[row["attendee_type"]] += row["n"]
        attendance.checked_in += row["n"]
    for row in check_ins.exclude(age_band="").values("age_band").annotate(n=Count("pk")):
        attendance.by_age_band[row["age_band"]] += row["n"]
    for row in check_ins.exclude(gender="").values("gender").annotate(n=Count("pk")):
        attendance.by_gender[row["gender"]] += row["n"]
    paper = PaperAttendance.objects.filter(course=course, count__gt=0)
    for attendee_type, n in paper.values_list("attendee_type", "count"):
        attendance.by_type[attendee_type] += n
        attendance.on_paper[attendee_type] += n
    return attendance


def report_initial(course: PlannedCourse, attendance: Attendance) -> dict:
    """What the course's 実施報告 form starts from: the plan's own facts and ``attendance``
    (counts per attendee type, age band and gender), for the organiser to correct."""
    organiser = course.organiser
    initial = {
        "organiser_type": organiser.organisation_type,
        "organiser_name": organiser.organisation_name,
        "instructor_name": course.instructor_name,
        "delivery": course.delivery,
        "venue": course.place[:200],
    }
    for kind, name in ATTENDEE_COUNT_FIELDS.items():
        initial[name] = attendance.by_type.get(str(kind), 0)
    initial.update(attendance.by_age_band)
    initial.update(attendance.by_gender)
    return initial
