"""Signals other apps plug into (quizzes, certificates, reports) without courses knowing them."""

from django.dispatch import Signal

# Sent inside the completing transaction, once per Completion: sender=Completion, completion=...
course_completed = Signal()

# Sent inside the transaction that changed a completion's area or attendee type, with the values
# it had before: sender=Completion, completion=..., previous_municipality_id, previous_attendee_type
completion_area_changed = Signal()
