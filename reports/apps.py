from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("KPI・開催報告")

    def ready(self):
        # Django's app loading: checks and receivers import models, so only once apps are ready.
        from . import checks, receivers  # noqa: F401  (system checks, receivers)
