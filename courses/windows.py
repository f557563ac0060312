"""Which consultation windows to show a learner: national ones and their municipality's."""

from django.core.cache import cache
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from organizations.learners import current_learner

from .records import ConsultationWindow

CACHE_VERSION_KEY = "consultation-windows:version"
CACHE_SECONDS = 60 * 60


def _version() -> int:
    return cache.get_or_set(CACHE_VERSION_KEY, 1, None)


@receiver(post_save, sender=ConsultationWindow)
@receiver(post_delete, sender=ConsultationWindow)
def _windows_changed(**kwargs):
    # Every page footer shows windows; a new version makes every cached list stale at once.
    try:
        cache.incr(CACHE_VERSION_KEY)
    except ValueError:
        cache.set(CACHE_VERSION_KEY, 2, None)


def windows_for(municipality) -> tuple[list, list]:
    """National windows and the windows of ``municipality`` (and of its city, for a ward).

    Cached: every page shows them, and they change only when an administrator edits them.
    """
    key = f"consultation-windows:{_version()}:{getattr(municipality, 'pk', 0)}"
    cached = cache.get(key)
    if cached is None:
        cached = _load_windows(municipality)
        cache.set(key, cached, CACHE_SECONDS)
    return cached


def _load_windows(municipality) -> tuple[list, list]:
    area = Q(municipality__isnull=True)
    if municipality is not None:
        area |= Q(municipality_id=municipality.pk)
        if municipality.parent_id:
            area |= Q(municipality_id=municipality.parent_id)
    # A window with neither phone nor website cannot be reached: it stays in the admin (which
    # warns about it) but is never shown to learners.
    reachable = ~Q(phone="") | ~Q(url="")
    national, local = [], []
    for window in ConsultationWindow.objects.filter(area, reachable, is_active=True):
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
