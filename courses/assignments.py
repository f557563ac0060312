"""Mandatory staff training's writes moved to ``courses.services.assignments``.

Only re-exported here for ``courses/viewsets.py``, which another branch is changing at the same
time (admin scoping): import from ``courses.services.assignments``; this module goes once
that branch has merged and imports the services directly.
"""

from .services.assignments import (  # noqa: F401
    AssignmentError,
    assignment_delete,
    assignment_save,
)
