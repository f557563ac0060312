"""Receivers through which the courses app takes part in other apps' writes."""

from django.dispatch import receiver

from organizations.models import Learner, StaffMember
from organizations.signals import learner_merging, roster_imported

from .records import Completion
from .services import merge_learning_records
from .services.assignments import assignees_record_completion, assignments_expand
from .signals import course_completed


@receiver(learner_merging, sender=Learner)
def move_learning_records(sender, source, target, **kwargs):
    merge_learning_records(source=source, target=target)
    # Completions done before logging in count for the account's staff assignments.
    for completion in Completion.objects.filter(learner=target):
        assignees_record_completion(completion=completion)


@receiver(course_completed, sender=Completion)
def complete_staff_assignments(sender, completion, **kwargs):
    assignees_record_completion(completion=completion)


@receiver(roster_imported, sender=StaffMember)
def assign_training_to_new_staff(sender, municipality, **kwargs):
    assignments_expand(municipality=municipality)
