"""Writes of in-person session reports and targets: each one transaction, tallies kept in step."""

from collections import Counter

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from organizations.scopes import AreaScope

from . import tallies
from .models import TrainingSession


class SessionError(ValidationError):
    """A session report that cannot be saved as given (message in Japanese)."""


def _check_scope(scope: AreaScope, session: TrainingSession) -> None:
    if not scope.allows_municipality(session.municipality):
        raise SessionError(
            {"municipality": _("この市区町村の開催報告を登録する権限がありません。")}
        )


@transaction.atomic
def training_session_save(
    *, session: TrainingSession, scope: AreaScope, user=None
) -> TrainingSession:
    """Create or correct a session report; its attendees move in the tallies with it.

    Refuses (``SessionError``) an area outside ``scope``, invalid counts, and a report that
    duplicates an existing one (same municipality, date, organiser and counts).
    """
    _check_scope(scope, session)
    session.full_clean(exclude=["fingerprint", "fiscal_year"])
    changes = Counter()
    if session.pk:
        previous = (
            TrainingSession.objects.select_for_update()
            .select_related("municipality")
            .filter(pk=session.pk)
            .first()
        )
        if previous is not None:
            _check_scope(scope, previous)
            changes.subtract(tallies.session_counts(previous))
    elif user is not None and user.is_authenticated:
        session.created_by = user
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError as error:
        raise SessionError(
            _("同じ市区町村・開催日・主催者・人数の開催報告がすでに登録されています。")
        ) from error
    changes.update(tallies.session_counts(session))
    tallies.apply(changes)
    return session


@transaction.atomic
def training_session_delete(*, session: TrainingSession, scope: AreaScope) -> None:
    """Delete a session report and take its attendees out of the tallies."""
    session = (
        TrainingSession.objects.select_for_update()
        .select_related("municipality")
        .get(pk=session.pk)
    )
    _check_scope(scope, session)
    counts = tallies.session_counts(session)
    session.delete()
    tallies.apply(Counter({key: -n for key, n in counts.items()}))
