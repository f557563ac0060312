from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebsiteConfig(AppConfig):
    """The site's own pages: home, information pages and the footer help settings."""

    name = "website"
    # The label the app had when it was created: page content types, tables, permissions and
    # migrations are recorded under it, so it stays.
    label = "elearning"
    verbose_name = _("サイト")

    def ready(self):
        # Django's app loading: models may be imported only once apps are ready.
        from base.page_cache import invalidate_on_change

        from . import context_processors  # noqa: F401  (receivers)
        from .models import SiteHelpSettings

        # Every page shows the footer help.
        invalidate_on_change(SiteHelpSettings)
