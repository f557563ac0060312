"""Opaque identifiers for the choices shown in an attempt.

A choice's database id says in which order the editor entered it (and editors usually enter the
right answer first), so the quiz form never shows it. Each choice appears as an HMAC of the
attempt's secret public id and the choice id: the same within one attempt (the form can be shown
again with the learner's ticks), different in every attempt, and unordered.
"""

from django.utils.crypto import salted_hmac

_SALT = "quizzes.tokens.choice"


def choice_token(attempt_public_id, choice_id: int) -> str:
    """The identifier of ``choice_id`` in the form of the attempt ``attempt_public_id``."""
    return salted_hmac(_SALT, f"{attempt_public_id}:{choice_id}", algorithm="sha256").hexdigest()[
        :24
    ]


def choice_ids_by_token(attempt_public_id, choice_ids) -> dict[str, int]:
    """Token → choice id for the choices drawn for one question of an attempt."""
    return {choice_token(attempt_public_id, cid): cid for cid in choice_ids}
