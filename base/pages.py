"""The page tree's fixed points."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from wagtail.models import Locale, Page


def ensure_root_page() -> Page:
    """Wagtail's tree root, created (with the default locale) when the database has none, as
    after ``manage.py flush``; migrations normally create it."""
    root = Page.get_first_root_node()
    if root is None:
        # After a flush, content types were recreated with new ids: drop the cached ones.
        ContentType.objects.clear_cache()
        Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
        root = Page.add_root(instance=Page(title="Root", slug="root"))
    return root
