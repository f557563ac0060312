from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("コース")

    def ready(self):
        # Django's app loading: receivers and models are imported once apps are ready.
        from base.page_cache import invalidate_on_change

        from . import receivers  # noqa: F401
        from .models import ConsultationWindow

        # Every page's footer lists consultation windows.
        invalidate_on_change(ConsultationWindow)
