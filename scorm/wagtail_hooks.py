from wagtail import hooks
from wagtail.snippets.models import register_snippet

from .hooks import scorm_attempts_export, scorm_is_content, scorm_outline_item, scorm_requirement
from .viewsets import ScormPackageViewSet

register_snippet(ScormPackageViewSet)
hooks.register("course_completion_requirements", scorm_requirement)
hooks.register("course_content_without_lessons", scorm_is_content)
hooks.register("course_outline_items", scorm_outline_item)
hooks.register("learner_data_export", scorm_attempts_export)
