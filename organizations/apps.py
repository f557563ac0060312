from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = _("組織・地域")

    def ready(self):
        # Connects the receivers (models must be loaded first, hence here).
        from . import receivers  # noqa: F401
