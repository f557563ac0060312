"""Receivers of the organizations app: they call its services."""

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver

from . import learners, services
from .models import Department


@receiver(post_save, sender=Department)
def keep_department_path(sender, instance, raw=False, **kwargs):
    """Every saved unit's path follows its parent (fixtures loaded raw are left as given)."""
    if not raw:
        services.department_keep_path(department=instance)


@receiver(user_logged_in)
def carry_anonymous_progress_into_account(sender, request, user, **kwargs):
    """On login, anything the visitor did anonymously in this browser moves into the account."""
    if request is None:
        return
    source = learners.anonymous_learner(request)
    if source is None:
        return
    services.learner_attach_to_user(learner=source, user=user)
    request._drop_learner_cookie = True
    if hasattr(request, "_cached_learner"):
        del request._cached_learner
