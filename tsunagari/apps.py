from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TsunagariConfig(AppConfig):
    """The project: settings, URLs and the demo-content command; no models."""

    name = "tsunagari"
    verbose_name = _("つながり")
