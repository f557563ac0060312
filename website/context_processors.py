from django.core.cache import cache
from django.db.models.signals import post_save
from django.dispatch import receiver
from wagtail.models import Site

from courses.windows import windows_for_request

from .models import SiteHelpSettings

HELP_CACHE_KEY = "site-help-settings:{site_id}"


@receiver(post_save, sender=SiteHelpSettings)
def _forget_help_settings(sender, instance, **kwargs):
    cache.delete(HELP_CACHE_KEY.format(site_id=instance.site_id))


def _help_settings(request):
    # Every page shows the footer help; it changes only when an editor saves it.
    site = Site.find_for_request(request)
    if site is None:
        return None
    key = HELP_CACHE_KEY.format(site_id=site.pk)
    help_settings = cache.get(key)
    if help_settings is None:
        help_settings = SiteHelpSettings.for_site(site)
        cache.set(key, help_settings, 60 * 60)
    return help_settings


def site_help(request):
    """The footer help (cached) and the learner's local consultation windows (looked up only
    when shown)."""

    def local_windows():
        _national, local, _municipality = windows_for_request(request)
        return local

    return {
        "site_help": lambda: _help_settings(request),
        "footer_local_windows": local_windows,
    }
