"""Writes of in-person session reports: each one transaction, tallies kept in step.

A report counts in the tallies once it is approved (承認). What an approver (a user with
``reports.approve_trainingsession``, or the system: commands, imports run by the office) enters
is approved as it is saved, unless it may repeat a report already there; everything else waits
as 申請中 until an approver of its area approves it or returns it (差し戻し) with a reason.
"""

from collections import Counter

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from organizations.scopes import AreaScope

from . import tallies
from .models import REVIEW_COMMENT_MAX_LENGTH, TrainingSession
from .session_duplicates import possible_duplicates

APPROVE_PERMISSION = "reports.approve_trainingsession"
Status = TrainingSession.Status


class SessionError(ValidationError):
    """A session report that cannot be saved as given (message in Japanese)."""


def _check_scope(scope: AreaScope, session: TrainingSession) -> None:
    if not scope.allows_municipality(session.municipality):
        raise SessionError(
            {"municipality": _("この市区町村の開催報告を登録する権限がありません。")}
        )


def may_approve(user) -> bool:
    """Whether what ``user`` enters is approved as it is saved (None: the system itself)."""
    return user is None or user.has_perm(APPROVE_PERMISSION)


def _locked(session: TrainingSession) -> TrainingSession:
    return (
        TrainingSession.objects.select_for_update()
        .select_related("municipality")
        .get(pk=session.pk)
    )


def _actor(user):
    """The account to record for ``user`` (None for the system or an anonymous user)."""
    return user if user is not None and user.is_authenticated else None


def _approved_by(session: TrainingSession, user) -> None:
    session.status = Status.APPROVED
    session.reviewed_by = _actor(user)
    session.reviewed_at = timezone.now()
    session.review_comment = ""


@transaction.atomic
def training_session_save(
    *, session: TrainingSession, scope: AreaScope, user=None, not_duplicate: bool = False
) -> TrainingSession:
    """Create or correct a session report; its attendees move in the tallies with it.

    Refuses (``SessionError``) an area outside ``scope``, invalid counts, and a report that
    duplicates an existing one (same municipality, date, organiser and counts). Saved by an
    approver, it is approved, unless another report of the same course, municipality and day
    is there and ``not_duplicate`` (the approver's confirmation) is not given: then it waits as
    申請中 for a look at both. Saved by anyone else, it waits as 申請中.
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
    elif _actor(user) is not None:
        session.created_by = user
    was = session.status if session.pk else None
    # A correction of an approved report by an approver stays approved: its duplicates were
    # looked at when it was approved.
    reviewed = not_duplicate or was == Status.APPROVED
    if may_approve(user) and (reviewed or not possible_duplicates(session).exists()):
        _approved_by(session, user)
    else:
        session.status = Status.SUBMITTED
        session.reviewed_by = None
        session.reviewed_at = None
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError as error:
        raise SessionError(
            _("同じ市区町村・開催日・主催者・人数の開催報告がすでに登録されています。")
        ) from error
    changes.update(tallies.session_counts(session))
    tallies.apply(changes)
    if session.status == Status.APPROVED and was != Status.APPROVED:
        log(session, "tsunagari.session.approve", user=_actor(user))
    return session


@transaction.atomic
def training_session_approve(
    *, session: TrainingSession, scope: AreaScope, user, not_duplicate: bool = False
) -> TrainingSession:
    """Approve a submitted report: from now on its attendees count, in this transaction.

    Refused when the report is not 申請中, is outside ``scope``, or may repeat another report
    (same course, municipality and day) and ``not_duplicate`` is not given."""
    session = _locked(session)
    _check_scope(scope, session)
    if session.status != Status.SUBMITTED:
        raise SessionError(_("申請中の開催報告だけを承認できます。"))
    if not not_duplicate and possible_duplicates(session).exists():
        raise SessionError(
            _(
                "同じ日・同じ市区町村・同じ講座の開催報告がほかにあります。重複でないことを"
                "確かめてから承認してください。"
            )
        )
    _approved_by(session, user)
    session.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comment"])
    tallies.apply(tallies.session_counts(session))
    log(session, "tsunagari.session.approve", user=_actor(user))
    return session


@transaction.atomic
def training_session_return(
    *, session: TrainingSession, scope: AreaScope, user, comment: str
) -> TrainingSession:
    """Return a report to its organiser with a reason (差し戻し). An approved report returned
    stops counting, in this transaction."""
    comment = (comment or "").strip()
    if not comment:
        raise SessionError({"comment": _("差し戻しの理由を書いてください。")})
    if len(comment) > REVIEW_COMMENT_MAX_LENGTH:
        raise SessionError(
            {
                "comment": _("差し戻しの理由は %(max)s 文字以内で書いてください。")
                % {"max": REVIEW_COMMENT_MAX_LENGTH}
            }
        )
    session = _locked(session)
    _check_scope(scope, session)
    if session.status == Status.RETURNED:
        raise SessionError(_("この開催報告はすでに差し戻されています。"))
    counted = tallies.session_counts(session)
    session.status = Status.RETURNED
    session.reviewed_by = _actor(user)
    session.reviewed_at = timezone.now()
    session.review_comment = comment
    session.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comment"])
    tallies.apply(Counter({key: -n for key, n in counted.items()}))
    log(session, "tsunagari.session.return", user=_actor(user), data={"comment": comment})
    return session


@transaction.atomic
def training_session_delete(*, session: TrainingSession, scope: AreaScope) -> None:
    """Delete a session report and take its attendees out of the tallies."""
    session = _locked(session)
    _check_scope(scope, session)
    counts = tallies.session_counts(session)
    session.delete()
    tallies.apply(Counter({key: -n for key, n in counts.items()}))
