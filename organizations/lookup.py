"""Finding one learner from what an operator has in hand (for data-subject requests)."""

import uuid

from django.contrib.auth import get_user_model
from wagtail import hooks

from .models import Learner


def find_learner(identifier: str) -> Learner | None:
    """The learner named by ``identifier``: their learner ID (UUID), account username, or
    whatever other apps recognise through the ``learner_lookup`` hook (e.g. a certificate's
    verification code or serial number)."""
    identifier = identifier.strip()
    try:
        public_id = uuid.UUID(identifier)
    except ValueError:
        pass
    else:
        return Learner.objects.filter(public_id=public_id).first()
    user = get_user_model().objects.filter(username=identifier).first()
    if user is not None:
        return Learner.objects.filter(user=user).first()
    for lookup in hooks.get_hooks("learner_lookup"):
        learner = lookup(identifier)
        if learner is not None:
            return learner
    return None
