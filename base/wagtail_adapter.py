"""The private parts of Wagtail this project relies on, in one place.

Serving a page without a query per step of the page tree needs three things Wagtail does
internally but offers no public API for. Each is wrapped here, and
``tests/base/test_wagtail_adapter.py`` checks that it still behaves as relied on; that test
also fails as soon as the installed Wagtail is not the version these were checked against
(``CHECKED_WAGTAIL_VERSION``), so an upgrade re-reads them before it ships.

- ``Site._find_for_request``: the site lookup of ``Site.find_for_request`` without the
  per-request memo, so the site can be found once per page-cache generation and shared.
- ``request._wagtail_site``: where ``Site.find_for_request`` keeps the site of a request; a
  site put there is used by Wagtail (routing, ``pageurl``, settings) without a query.
- ``Page._cached_parent_obj``: where ``Page.route`` and treebeard's ``get_parent`` keep a
  page's parent, so a child found by its parent knows it without a query.

One more is about writing, not serving:

- ``BaseLogEntry.save`` runs ``full_clean()``, whose foreign-key validation reads the content
  type's row (and the user's) back from the database before every log entry.
  ``log_without_lookups`` writes the entry ``wagtail.log_actions.log`` would write, with the
  same checks of the action, without those reads (the content type comes from Django's cache;
  the user is the request's own).
"""

import wagtail
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from wagtail.log_actions import get_active_log_context
from wagtail.log_actions import registry as log_registry
from wagtail.models import Site

CHECKED_WAGTAIL_VERSION = (8, 0)


def installed_wagtail_version() -> tuple[int, int]:
    """The major and minor version of the installed Wagtail."""
    return tuple(wagtail.VERSION[:2])


def find_site(request) -> Site | None:
    """The site serving ``request`` (hostname and port, else the default site), looked up
    now, whatever the request already holds."""
    return Site._find_for_request(request)


def set_request_site(request, site: Site | None) -> None:
    """Make ``site`` the site Wagtail uses for ``request`` (``Site.find_for_request``)."""
    request._wagtail_site = site


def set_parent(child, parent) -> None:
    """Tell ``child`` that ``parent`` is its parent page (``get_parent()`` then returns it)."""
    child._cached_parent_obj = parent


def known_parent(page):
    """The parent ``page`` was told about (by routing or ``set_parent``), or None."""
    return getattr(page, "_cached_parent_obj", None)


def log_without_lookups(instance, action: str, *, user=None):
    """What ``wagtail.log_actions.log(instance, action, user=user)`` writes for a model
    instance (``ModelLogEntry``: title, content type, object id, the log context's user and
    uuid), with the action checked as Wagtail checks it, but without ``full_clean()``'s reads
    of the content type's and the user's rows. Returns the entry (None for a model Wagtail
    keeps no log of)."""
    log_registry.scan_for_actions()
    model = log_registry.get_log_model_for_instance(instance)
    if model is None:
        return None
    context = get_active_log_context()
    entry = model(
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
        label=model.objects.get_instance_title(instance),
        action=action,
        user=user or context.user,
        uuid=context.uuid,
        timestamp=timezone.now(),
        data={},
        object_id=str(instance.pk),
    )
    entry.clean()  # the registered-action check of full_clean(), which needs no query
    models.Model.save(entry)  # BaseLogEntry.save without its full_clean()
    return entry
