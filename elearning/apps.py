from django.apps import AppConfig
from django.urls import register_converter
from django.utils.translation import gettext_lazy as _

from .converters import ObjectIdConverter


class ElearningConfig(AppConfig):
    name = "elearning"
    verbose_name = _("サイト")

    def ready(self):
        # Before any URLconf (Wagtail's admin URLs collect the apps' hooks) is imported.
        register_converter(ObjectIdConverter, "id")
        from . import checks, context_processors  # noqa: F401  (system check, receivers)
        from .page_cache import connect_invalidation

        connect_invalidation()
        from .task_lease import connect_heartbeat

        connect_heartbeat()
