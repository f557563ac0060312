"""Who may open a SCORM course: the package is licensed content for the staff assigned it.

Allowed: a signed-in, active staff member assigned the course (a ``StaffAssignee`` of one of
its assignments), and those who may edit the course page (editors checking a package). Nobody
else, signed in or not: another municipality's staff are assigned nothing of it.
"""

from courses.models import CoursePage, StaffAssignee
from organizations.models import StaffMember


def may_open(user, courses: list[CoursePage]) -> bool:
    """Whether ``user`` may launch the package of any of ``courses`` (and fetch its files)."""
    if user is None or not user.is_authenticated or not user.is_active or not courses:
        return False
    if user.is_superuser:
        return True
    if StaffAssignee.objects.filter(
        assignment__course__in=courses,
        staff_member__learner__user=user,
        staff_member__status=StaffMember.Status.ACTIVE,
    ).exists():
        return True
    return any(course.permissions_for_user(user).can_edit() for course in courses)
