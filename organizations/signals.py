"""Signals of the organizations app.

``learner_merging`` lets the apps that own learner data (courses, quizzes, certificates) move it
from an anonymous learner to the account they logged in to, inside the merge transaction, without
this app knowing about them.

Only the signals are defined here (``organizations.services`` sends them); this app's own
receivers are in ``organizations.receivers``, which calls the services.
"""

from django.dispatch import Signal

learner_merging = Signal()  # sender=Learner, source=Learner, target=Learner
# Sent inside the deleting transaction before a learner is deleted: sender=Learner, learner=...
learner_deleting = Signal()


# Sent inside the importing transaction after a roster import wrote a municipality's staff:
# sender=StaffMember, municipality=... (courses assigns training to people who joined).
roster_imported = Signal()
