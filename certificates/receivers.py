"""Certificates are issued in the same transaction as the completion they certify."""

from django.dispatch import receiver

from courses.models import Completion
from courses.signals import course_completed
from organizations.models import Learner
from organizations.signals import learner_deleting

from .services import certificate_issue, certificate_withhold_names


@receiver(course_completed, sender=Completion)
def issue_on_completion(sender, completion, **kwargs):
    # Sent once per completion, in the transaction that made it.
    certificate_issue(completion=completion, completion_is_new=True)


@receiver(learner_deleting, sender=Learner)
def withhold_names(sender, learner, **kwargs):
    """A learner who deletes their data keeps verifiable certificates, without their name."""
    certificate_withhold_names(learner=learner)
