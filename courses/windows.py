"""Which consultation windows to show a learner: national ones and their municipality's."""

from django.db.models import Q

from organizations.learners import current_learner

from .models import ConsultationWindow


def windows_for(municipality) -> tuple[list, list]:
    """National windows and the windows of ``municipality`` (and of its city, for a ward)."""
    area = Q(municipality__isnull=True)
    if municipality is not None:
        area |= Q(municipality_id=municipality.pk)
        if municipality.parent_id:
            area |= Q(municipality_id=municipality.parent_id)
    national, local = [], []
    for window in ConsultationWindow.objects.filter(area, is_active=True):
        (national if window.municipality_id is None else local).append(window)
    return national, local


def windows_for_request(request) -> tuple[list, list, object]:
    """Windows for the learner of ``request``, computed once per request."""
    if request is None:
        national, local = windows_for(None)
        return national, local, None
    cached = getattr(request, "_consultation_windows", None)
    if cached is None:
        learner = current_learner(request)
        municipality = learner.municipality if learner and learner.municipality_id else None
        national, local = windows_for(municipality)
        cached = request._consultation_windows = (national, local, municipality)
    return cached
