from django.apps import AppConfig
from django.urls import register_converter
from django.utils.translation import gettext_lazy as _

from .converters import ObjectIdConverter


class BaseConfig(AppConfig):
    """Shared infrastructure every app builds on; it imports no app of the project."""

    name = "base"
    verbose_name = _("基盤")

    def ready(self):
        # Before any URLconf (Wagtail's admin URLs collect the apps' hooks) is imported.
        register_converter(ObjectIdConverter, "id")
        # Django's app loading: checks and receivers may import models only once apps are ready.
        from . import checks  # noqa: F401  (system checks register on import)
        from .page_cache import connect_invalidation
        from .task_lease import connect_heartbeat

        connect_invalidation()
        connect_heartbeat()
