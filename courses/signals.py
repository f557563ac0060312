"""Signals other apps plug into (quizzes, certificates, reports) without courses knowing them."""

from django.dispatch import Signal

# Sent inside the completing transaction, once per Completion: sender=Completion, completion=...
course_completed = Signal()
