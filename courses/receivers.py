"""Receivers through which the courses app takes part in other apps' writes."""

from django.dispatch import receiver

from organizations.models import Learner
from organizations.signals import learner_merging

from .services import merge_learning_records


@receiver(learner_merging, sender=Learner)
def move_learning_records(sender, source, target, **kwargs):
    merge_learning_records(source=source, target=target)
