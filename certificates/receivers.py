"""Certificates are issued in the same transaction as the completion they certify; an export
whose task was given up says so."""

from django.dispatch import receiver
from django_tasks.signals import task_finished

from courses.models import Completion
from courses.signals import course_completed
from organizations.models import Learner
from organizations.signals import learner_deleting

from .exports import given_up_export_id
from .services import certificate_issue, certificate_withhold_names
from .services.exports import certificate_export_give_up


@receiver(course_completed, sender=Completion)
def issue_on_completion(sender, completion, **kwargs):
    # Sent once per completion, in the transaction that made it.
    certificate_issue(completion=completion, completion_is_new=True)


@receiver(learner_deleting, sender=Learner)
def withhold_names(sender, learner, **kwargs):
    """A learner who deletes their data keeps verifiable certificates, without their name."""
    certificate_withhold_names(learner=learner)


@receiver(task_finished)
def export_given_up(sender, task_result, **kwargs):
    """An export whose worker died too often shows 失敗, not 作成中 for ever
    (base/task_lease.py records such a task FAILED without running it)."""
    export_id = given_up_export_id(task_result)
    if export_id is not None:
        certificate_export_give_up(export_id=export_id)
