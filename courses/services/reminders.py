"""Writes of the training reminders (``courses.tasks``): each reminder is recorded before it is
sent, and marked sent afterwards. One transaction each; the emails themselves are sent by the
tasks, after the record is committed, so a reminder is never sent twice."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..records import TrainingReminder


def training_reminder_claim(**fields) -> TrainingReminder | None:
    """Record a reminder before sending it (``fields`` of ``TrainingReminder``); None when it
    was already recorded, i.e. sent or being sent by another run (its unique constraints)."""
    try:
        with transaction.atomic():
            return TrainingReminder.objects.create(**fields)
    except IntegrityError:
        return None


@transaction.atomic
def training_reminders_mark_sent(*, reminder_ids, only_unsent: bool = False) -> int:
    """Record that the reminders ``reminder_ids`` were sent (now); with ``only_unsent``, the
    ones already marked keep their time. Returns how many were marked."""
    reminders = TrainingReminder.objects.filter(pk__in=list(reminder_ids))
    if only_unsent:
        reminders = reminders.filter(sent_at__isnull=True)
    return reminders.update(sent_at=timezone.now())
