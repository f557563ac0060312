from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from .reading_time import OPENED_PLACEHOLDER, lesson_opened_token


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("コース")

    def ready(self):
        # Django's app loading: receivers, models and base.page_cache (which imports Wagtail's
        # models) are imported once apps are ready.
        from base.page_cache import invalidate_on_change, register_substitution

        from . import receivers  # noqa: F401
        from .models import ConsultationWindow

        # Every page's footer lists consultation windows.
        invalidate_on_change(ConsultationWindow)
        # The lesson form's opening time is new on every request (courses.reading_time).
        register_substitution("opened_token", OPENED_PLACEHOLDER, lesson_opened_token)
