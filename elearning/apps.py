from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ElearningConfig(AppConfig):
    name = "elearning"
    verbose_name = _("サイト")

    def ready(self):
        from . import checks, context_processors  # noqa: F401  (system check, receivers)
        from .page_cache import connect_invalidation

        connect_invalidation()
