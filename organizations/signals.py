"""Signals of the organizations app.

``learner_merging`` lets the apps that own learner data (courses, quizzes, certificates) move it
from an anonymous learner to the account they logged in to, inside the merge transaction, without
this app knowing about them.
"""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import Signal, receiver

learner_merging = Signal()  # sender=Learner, source=Learner, target=Learner
# Sent inside the deleting transaction before a learner is deleted: sender=Learner, learner=...
learner_deleting = Signal()


@receiver(user_logged_in)
def carry_anonymous_progress_into_account(sender, request, user, **kwargs):
    """On login, anything the visitor did anonymously in this browser moves into the account."""
    if request is None:
        return
    from . import learners, services

    source = learners.anonymous_learner(request)
    if source is None:
        return
    services.learner_attach_to_user(learner=source, user=user)
    request._drop_learner_cookie = True
    if hasattr(request, "_cached_learner"):
        del request._cached_learner


# Sent inside the importing transaction after a roster import wrote a municipality's staff:
# sender=StaffMember, municipality=... (courses assigns training to people who joined).
roster_imported = Signal()
