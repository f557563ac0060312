from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = _("組織・地域")

    def ready(self):
        # Django's app loading: checks and receivers may import models only once apps are ready.
        from . import checks, receivers  # noqa: F401  (system checks, receivers)
