from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScormConfig(AppConfig):
    name = "scorm"
    verbose_name = _("SCORM教材")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The system check and the receiver that removes a deleted package's files register
        # themselves on import, which needs the app registry ready.
        from . import checks, receivers  # noqa: F401
