"""Writes of the training reminders (``courses.tasks``).

Each reminder is *claimed* (a ``TrainingReminder`` row, unique per person and kind, or per
manager and week) just before it is sent, and marked sent just after, so that:

- **nothing is sent twice**: a run finds the claims of other runs, sent or in flight, and
  leaves those people alone;
- **nothing is lost**: a send that fails (the mail server refuses or goes away) releases its
  claim at once, and a claim left by a run that died between claiming and marking (SIGKILL)
  is taken over by a later run once it is older than ``RECLAIM_AFTER``. A reminder is tried
  at most ``MAX_ATTEMPTS`` times; one that still fails stays as a row without ``sent_at``.

The only window left is a crash after the mail server accepted a message and before
``sent_at`` is written: that message may be sent again, with the same ``Message-ID``
(``message_id``), which mail systems use to recognise a repeat.

One transaction each; the emails themselves are sent by the tasks, between these writes.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from ..records import TrainingReminder

# Longer than any one send, so a live run's claim is never taken over mid-send.
RECLAIM_AFTER = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 3


def settled_reminders(*, now=None) -> Q:
    """The claims a run must leave alone (as a ``TrainingReminder`` filter): sent, in flight
    (claimed within ``RECLAIM_AFTER``), or given up after ``MAX_ATTEMPTS``."""
    now = now or timezone.now()
    return (
        Q(sent_at__isnull=False)
        | Q(claimed_at__gte=now - RECLAIM_AFTER)
        | Q(attempts__gte=MAX_ATTEMPTS)
    )


def training_reminder_claim(**fields) -> TrainingReminder | None:
    """Claim a reminder before sending it (``fields`` of ``TrainingReminder``: kind with
    assignee, or kind with recipient and week_of). Returns None when another run has it
    (sent, in flight or given up); takes over a claim left unsent by a failed or dead run."""
    now = timezone.now()
    try:
        with transaction.atomic():
            return TrainingReminder.objects.create(claimed_at=now, **fields)
    except IntegrityError:
        pass
    with transaction.atomic():
        # One conditional UPDATE: of two runs reclaiming the same row, one gets it.
        taken = (
            TrainingReminder.objects.filter(**fields)
            .exclude(settled_reminders(now=now))
            .update(claimed_at=now, attempts=F("attempts") + 1)
        )
        return TrainingReminder.objects.get(**fields) if taken else None


@transaction.atomic
def training_reminders_mark_sent(*, reminder_ids) -> int:
    """Record that the reminders ``reminder_ids`` were sent (now); the ones already marked keep
    their time. Returns how many were marked."""
    return TrainingReminder.objects.filter(pk__in=list(reminder_ids), sent_at__isnull=True).update(
        sent_at=timezone.now()
    )


@transaction.atomic
def training_reminders_release(*, reminder_ids) -> int:
    """Give back the claims of reminders whose sending failed, so that the next run sends
    them (unless they have used up ``MAX_ATTEMPTS``). Returns how many were released."""
    stale = timezone.now() - RECLAIM_AFTER - dt.timedelta(seconds=1)
    return TrainingReminder.objects.filter(pk__in=list(reminder_ids), sent_at__isnull=True).update(
        claimed_at=stale
    )


def message_id(reminder: TrainingReminder, domain: str) -> str:
    """The reminder's ``Message-ID``: the same on every attempt, so a repeat is recognisable."""
    return f"<training-reminder-{reminder.pk}@{domain}>"
