from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .course_report_views import session_review_questionnaire
from .models import Organiser, PlannedCourse
from .permissions import OrganiserPermissionPolicy, PlannedCoursePermissionPolicy
from .viewsets import EventsViewSetGroup

register_permission_policy(Organiser, OrganiserPermissionPolicy(Organiser))
register_permission_policy(PlannedCourse, PlannedCoursePermissionPolicy(PlannedCourse))


@hooks.register("register_admin_viewset")
def register_events_viewsets():
    return EventsViewSetGroup()


hooks.register("session_review_sections", session_review_questionnaire)
