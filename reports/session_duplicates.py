"""Which reports may describe the same course as another (caught before approval).

An exact repeat (same municipality, day, organiser and counts) is refused outright by the
report's fingerprint. The same course reported twice by different hands — the organiser's own
report and a spreadsheet the municipality imports — rarely matches so exactly: the organiser's
name is spelled differently, a late attendee is counted in one and not the other. So any other
report of the same course type, municipality and day that is not returned is a *possible*
duplicate: the approver looks at both before the second one counts. Two organisers may well
hold courses in one city on one day, so this asks for a look, never refuses.
"""

from django.db.models import QuerySet

from .models import TrainingSession


def possible_duplicates(session: TrainingSession) -> QuerySet[TrainingSession]:
    """Other live reports (申請中 or 承認済み) of the same course, municipality and day."""
    others = TrainingSession.objects.filter(
        municipality_id=session.municipality_id,
        held_on=session.held_on,
        course_id=session.course_id,
    ).exclude(status=TrainingSession.Status.RETURNED)
    if session.pk:
        others = others.exclude(pk=session.pk)
    return others.select_related("municipality").order_by("pk")


def duplicate_keys(fiscal_years) -> set[tuple]:
    """(municipality id, day, course id) of every live report in ``fiscal_years``: what an
    import compares its rows with, in one query."""
    return set(
        TrainingSession.objects.filter(fiscal_year__in=fiscal_years)
        .exclude(status=TrainingSession.Status.RETURNED)
        .values_list("municipality_id", "held_on", "course_id")
    )
