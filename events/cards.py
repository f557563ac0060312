"""The supporter card of someone who attended a course in person: a real certificate.

A card's ``Completion`` has no learner and does not count (``is_supporter`` false): the
attendee is counted once, through the course's approved 実施報告, never by their card. The
certificate is numbered and verifiable like any other (``certificates.services``). Called
inside the caller's transaction (a service of ``events.services``), which holds the locks.
"""

from django.db import transaction
from django.utils import timezone

from base.dates import fiscal_year_of, tokyo_date
from certificates.models import Certificate
from certificates.services import certificate_issue
from courses.models import Completion

from .models import PlannedCourse


def _completed_at(course: PlannedCourse):
    # The card carries the day of the course, even when printed a few days later.
    return min(timezone.now(), course.ends_at)


# No savepoint: a card is never rolled back on its own, only with the service that issues it.
@transaction.atomic(savepoint=False)
def issue_card(*, course: PlannedCourse, attendee_type: str, name: str = "") -> Certificate:
    """Issue one supporter card for an attendee of ``course`` (``name`` printed if given)."""
    completed_at = _completed_at(course)
    day = tokyo_date(completed_at)
    completion = Completion(
        learner=None,
        course=course.course,
        completed_at=completed_at,
        completed_on=day,
        fiscal_year=fiscal_year_of(day),
        municipality=course.municipality,
        attendee_type=attendee_type,
        is_supporter=False,
    )
    completion.save(force_insert=True)
    certificate = certificate_issue(completion=completion, completion_is_new=True)
    name = " ".join(name.split())
    if name:
        # The attendee typed it themselves: it is confirmed as typed.
        certificate.name_printed = name
        certificate.name_confirmed_at = timezone.now()
        certificate.save(update_fields=["name_printed", "name_confirmed_at"])
    return certificate
