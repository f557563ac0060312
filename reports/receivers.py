"""Keep the tallies in step with completions, inside the transactions that change them."""

from collections import Counter

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from certificates.models import Certificate
from certificates.signals import certificate_revoked
from courses.models import Completion
from courses.signals import completion_area_changed, course_completed

from . import tallies


def _negated(counts: Counter) -> Counter:
    return Counter({key: -n for key, n in counts.items()})


@receiver(course_completed, sender=Completion)
def count_completion(sender, completion, **kwargs):
    # Made in this transaction: its certificate, if issued yet, cannot have been revoked.
    tallies.apply(tallies.completion_counts(completion, ignore_revocation=True))


@receiver(completion_area_changed, sender=Completion)
def move_completion(sender, completion, previous_municipality_id, previous_attendee_type, **kwargs):
    changes = tallies.completion_counts(completion)
    changes.subtract(
        tallies.completion_counts(
            completion,
            municipality_id=previous_municipality_id or 0,
            attendee_type=previous_attendee_type or "",
        )
    )
    tallies.apply(changes)


@receiver(certificate_revoked, sender=Certificate)
def uncount_revoked(sender, certificate, **kwargs):
    completion = certificate.completion
    tallies.apply(_negated(tallies.completion_counts(completion, ignore_revocation=True)))


@receiver(pre_delete, sender=Completion)
def uncount_deleted(sender, instance, **kwargs):
    tallies.apply(_negated(tallies.completion_counts(instance)))
