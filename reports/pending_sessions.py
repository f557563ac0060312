"""Reports waiting for approval (申請中) in an area: shown beside the KPI figures, never in them.

The KPI figures count approved reports only (``reports.tallies``); an administrator still wants
to know how many attendees are on their way into the figures, and how many reports wait for
them. One query, read by the dashboard.
"""

from dataclasses import dataclass

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce

from .areas import MUNICIPALITY, PREFECTURE, Area
from .models import ATTENDEE_COUNT_FIELDS, TrainingSession


@dataclass(frozen=True)
class PendingSessions:
    reports: int
    attendees: int


def pending_sessions(area: Area, fiscal_year: int) -> PendingSessions:
    """Submitted, not yet approved reports of ``area`` (with its wards) in ``fiscal_year``."""
    sessions = TrainingSession.objects.filter(
        status=TrainingSession.Status.SUBMITTED, fiscal_year=fiscal_year
    )
    if area.level == MUNICIPALITY:
        sessions = sessions.filter(municipality_id__in=area.municipality_ids)
    elif area.level == PREFECTURE:
        sessions = sessions.filter(municipality__prefecture_id=area.prefecture_code)
    figures = sessions.aggregate(
        reports=Count("pk"),
        **{name: Coalesce(Sum(name), 0) for name in ATTENDEE_COUNT_FIELDS.values()},
    )
    reports = figures.pop("reports")
    return PendingSessions(reports=reports, attendees=sum(figures.values()))
