"""The one rendering and caching path of pages: what is stored, for whom, and for how long.

Two layers, both keyed under a *generation* number:

- **Whole pages for visitors** (``VisitorPageCacheMiddleware``, in the shared cache and, in
  front of it, in each process). Most
  traffic in the May campaign is people reading a course or a lesson for the first time: no
  account, no learner cookie, nothing on the page that depends on who they are. Rendering such
  a page through Wagtail costs ~10 ms of CPU; serving it from the cache costs a cache read. A
  request is a *visitor request* when it is a GET or HEAD without a query string and carries no
  session, learner or messages cookie. A page opts in with ``CachedPageMixin``; its response
  is stored only when it is a plain 200 that sets no cookie, so nothing a request personalised
  can reach another visitor. The forms on such pages carry no CSRF token (the token is per
  browser); ``base.csrf`` accepts their POSTs by the browser's own origin headers.
- **Shared renderings for everyone else** (``cached_fragment``, in each process). A page says
  what its rendering depends on (``CachedPageMixin.shared_rendering_parts``, e.g. a learner's
  progress state); it is rendered once per such state and generation, with a placeholder for
  each value that is new on every request (``register_substitution``: the CSRF token, a
  lesson's opening time), and each request puts its own values in (``substitute``).

Publishing, unpublishing, moving or deleting a page, or saving anything every page shows
(footer help, consultation windows, sites, images, documents, view restrictions) starts a new
generation and so drops everything stored at once (``invalidate_on_change``; each app registers
its own models from its ``ready()``). With ``REDIS_URL`` all web nodes see the new generation at
once; each process re-reads it at most every ``GENERATION_CHECK_SECONDS``. Deploying new code
changes the key too (``code_version``), so old templates never outlive a restart. The page
objects that routing finds (sites, children, view restrictions, lesson lists) are memoized per
generation too (``memoized``), so learners' pages skip the ORM work of finding them again.
"""

import contextlib
import hashlib
import re
import time
from collections.abc import Callable
from functools import cache as memoize
from pathlib import Path
from typing import NamedTuple

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models.signals import post_delete, post_save
from django.http import Http404, HttpResponse
from django.http.request import split_domain_port
from django.middleware.csrf import get_token
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from . import wagtail_adapter

GENERATION_KEY = "page-cache:generation"
# How long a process trusts the generation it last read from the shared cache.
GENERATION_CHECK_SECONDS = 1.0
# Headers of the stored response that must not be replayed.
_NOT_REPLAYED = {"set-cookie", "date"}
_PERSONAL_COOKIES = ("messages",)
ADMIN_PREFIXES = ("/admin/", "/django-admin/")

_generation_memo = {"value": None, "read_at": 0.0}


def cache_seconds() -> int:
    """How long a stored page lives (``PAGE_CACHE_SECONDS``; 0 turns every layer off)."""
    return int(getattr(settings, "PAGE_CACHE_SECONDS", 0))


def is_visitor_request(request) -> bool:
    """True when nothing in ``request`` could make its page differ from anyone else's."""
    if request.method not in ("GET", "HEAD") or request.META.get("QUERY_STRING"):
        return False
    if "HTTP_AUTHORIZATION" in request.META:
        return False
    cookies = request.COOKIES
    personal = (settings.SESSION_COOKIE_NAME, settings.LEARNER_COOKIE_NAME, *_PERSONAL_COOKIES)
    return not any(name in cookies for name in personal)


def mark_cacheable(request) -> None:
    """Called by a page while serving a visitor: its response may be stored."""
    request._page_cache_allowed = True


@memoize
def code_version() -> str:
    """A fingerprint of the code, templates, translations and static files this process runs.

    Part of every key, so a deployment never serves pages rendered by the previous release
    from a cache that outlived it (Redis, the file cache)."""
    base = Path(settings.BASE_DIR)
    files = set()
    for directory in [*(d for t in settings.TEMPLATES for d in t["DIRS"]), *settings.LOCALE_PATHS]:
        files.update(path for path in Path(directory).rglob("*") if path.is_file())
    for app in apps.get_app_configs():
        path = Path(app.path)
        if path.is_relative_to(base) and ".venv" not in path.parts:
            files.update(path.rglob("*.py"))
            files.update(path.rglob("*.html"))
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.exists():
        files.add(manifest)
    digest = hashlib.sha256()
    for path in sorted(files):
        stat = path.stat()
        digest.update(f"{path}:{stat.st_mtime_ns}:{stat.st_size}".encode())
    return digest.hexdigest()[:12]


# --- generations -----------------------------------------------------------------------


def _fresh_generation() -> int:
    # Never a number used before, even when the key was evicted and is set again: pages
    # stored under an older generation must stay unreachable.
    return time.time_ns() // 1_000_000


def generation() -> int:
    """The current generation of stored pages, shared by every process through the cache."""
    now = time.monotonic()
    memo = _generation_memo
    if memo["value"] is None or now - memo["read_at"] > GENERATION_CHECK_SECONDS:
        value = cache.get(GENERATION_KEY)
        if value is None:
            cache.add(GENERATION_KEY, _fresh_generation(), None)
            value = cache.get(GENERATION_KEY)
        if value is None:
            # The cache is unreachable (base/cache.py): nobody can tell this process
            # about a publish, so its page-tree memo lives one check period only, as in
            # normal operation, under a number of its own.
            value = _fresh_generation()
        memo.update(value=value, read_at=now)
    return memo["value"]


def _start_new_generation() -> None:
    try:
        value = cache.incr(GENERATION_KEY)
    except ValueError:  # the key was evicted or never set
        value = _fresh_generation()
        cache.set(GENERATION_KEY, value, None)
    _generation_memo.update(value=value, read_at=time.monotonic())


def invalidate_all(**_kwargs) -> None:
    """Drop everything stored (by starting a new generation).

    Once now, for this process, and once more when the change commits: another process could
    otherwise render the page between the two, still reading the old rows, and store that
    under the new generation."""
    _start_new_generation()
    transaction.on_commit(_start_new_generation)


class GenerationMemo:
    """A per-process dict emptied whenever a new generation starts, bounded in size.

    Values are shared by the requests of one process, so only what is the same for all of
    them goes in: published page objects, renderings with placeholders for anything
    personal. With the page cache off (``PAGE_CACHE_SECONDS=0``) nothing is kept."""

    def __init__(self, max_entries: int = 5_000):
        self.max_entries = max_entries
        self._generation = None
        self._values = {}

    def get(self, key, compute):
        """The value under ``key`` in this generation, computed (once) when missing."""
        if cache_seconds() <= 0:
            return compute()
        self._follow_generation()
        try:
            return self._values[key]
        except KeyError:
            value = compute()
            self._store(key, value)
            return value

    def peek(self, key):
        """The value under ``key`` in this generation, or None."""
        if cache_seconds() <= 0:
            return None
        self._follow_generation()
        return self._values.get(key)

    def put(self, key, value) -> None:
        """Keep ``value`` under ``key`` in the current generation."""
        if cache_seconds() > 0:
            self._follow_generation()
            self._store(key, value)

    def _follow_generation(self) -> None:
        current = generation()
        if current != self._generation:
            self._values = {}
            self._generation = current

    def _store(self, key, value) -> None:
        if len(self._values) >= self.max_entries:
            # Bounded memory: the oldest entry goes first.
            self._values.pop(next(iter(self._values)))
        self._values[key] = value


# Page objects found by routing (sites, children, restrictions, lesson lists).
_page_objects = GenerationMemo()
# Visitors' whole pages, in front of the shared cache: a hit reads no file or Redis and
# unpickles nothing (~22 KB a lesson page, at most ~11 MB a process).
_visitor_pages = GenerationMemo(max_entries=500)
# Renderings shared by requests in the same state: ~20 KB a lesson page, at most ~10 MB.
_fragments = GenerationMemo(max_entries=500)


def memoized(parts: tuple, compute: Callable):
    """``compute()`` once per generation and process for ``parts``: for published page
    objects and lists of them, never for anything about one person."""
    return _page_objects.get(parts, compute)


def cached_fragment(parts: tuple, render: Callable[[], str]) -> str:
    """The HTML ``render()`` returns for ``parts``, rendered once per generation and process.

    ``parts`` must name everything the HTML depends on (page, language, state); values that
    differ on every request are left as placeholders (``register_substitution``) and put in
    by ``substitute``."""
    return _fragments.get(parts, render)


# --- per-request substitution ----------------------------------------------------------


class Substitution(NamedTuple):
    """A value new on every request, kept out of shared renderings as ``placeholder``."""

    placeholder: str
    value: Callable  # value(request) -> str


# Template variable -> its substitution. Registered at import (CSRF, here) or from an app's
# ready() (the courses app's lesson opening time); read on every personal page.
_substitutions: dict[str, Substitution] = {}

# Stands in for the CSRF token in HTML kept for more than one request; each request's own
# token replaces it. Not a valid token, so HTML that escaped replacement fails closed (403).
CSRF_PLACEHOLDER = "csrf-placeholder-4c1f0e"


def register_substitution(name: str, placeholder: str, value: Callable) -> None:
    """Have the template variable ``name`` filled per request with ``value(request)``.

    On pages of ``CachedPageMixin`` the variable holds ``placeholder`` while rendering for
    anyone who is not a visitor (visitors' pages are stored whole and get no per-request
    value), and the rendered HTML gets the request's own value. The placeholder must be a
    string that cannot occur in a page otherwise."""
    _substitutions[name] = Substitution(placeholder, value)


def substitution_placeholders() -> dict[str, str]:
    """Every registered template variable with its placeholder, for a shared rendering."""
    return {name: entry.placeholder for name, entry in _substitutions.items()}


def substitute(request, html: str) -> str:
    """``html`` with each placeholder it holds replaced by the value for ``request``."""
    for entry in _substitutions.values():
        if entry.placeholder in html:
            html = html.replace(entry.placeholder, str(entry.value(request)))
    return html


register_substitution("csrf_token", CSRF_PLACEHOLDER, get_token)


def render_response(request, response: TemplateResponse, parts: tuple | None):
    """Render ``response`` (an unrendered TemplateResponse of a personal page) with the
    per-request values substituted; when ``parts`` is given, from the rendering shared by
    every request with the same ``parts`` (rendered here once per generation)."""
    placeholders = {
        name: placeholder
        for name, placeholder in substitution_placeholders().items()
        if name != "csrf_token"  # Django's own variable, lazily set by its context processor
    }
    response.context_data.update(placeholders)
    if parts is None:
        response.add_post_render_callback(
            lambda rendered: setattr(
                rendered, "content", substitute(request, rendered.content.decode())
            )
        )
        return response

    def render():
        response.context_data["csrf_token"] = CSRF_PLACEHOLDER
        return response.rendered_content

    html = cached_fragment(("page", get_language(), request.path, *parts), render)
    response.content = substitute(request, html)
    return response


# --- sites and routing -------------------------------------------------------------------


def memoized_site(request):
    """The Wagtail ``Site`` of ``request`` (with its root page), found once per generation."""
    hostname = split_domain_port(request._get_raw_host())[0]
    port = request.get_port()

    def find():
        site = wagtail_adapter.find_site(request)
        if site is not None:
            site.root_page = site.root_page.specific
        return site

    return memoized(("site", hostname, port), find)


class SharedPageMixin:
    """For page types whose objects may be found once per generation and shared by the
    requests of a process (``shared_child``): their view restrictions are read once too."""

    def get_view_restrictions(self):
        # Wagtail checks them before serving every page (two queries). For the shared page
        # objects (only ever served, never edited) they are read once a generation; saving a
        # restriction starts a new one. The admin gets its own instances and the queryset it
        # filters and orders.
        if not getattr(self, "_shared_route", False):
            return super().get_view_restrictions()
        return memoized(
            ("restrictions", self.pk),
            lambda: list(super(SharedPageMixin, self).get_view_restrictions()),
        )


class CachedPageMixin(SharedPageMixin):
    """For page types served through this module's two layers.

    A visitor's response may be stored whole (the visitor view is the same for every
    visitor). Anyone else's page gets the per-request values (``register_substitution``) and,
    when ``shared_rendering_parts`` names what it depends on, comes from the rendering shared
    by every request in the same state. Preview (``serve_preview``) is rendered as Wagtail
    renders it, never stored."""

    def shared_rendering_parts(self, request, context) -> tuple | None:
        """What this page's rendering for ``request`` depends on beyond the page, language
        and path, when it may be shared by every request with the same parts; None (the
        default) renders it for this request alone."""
        return None

    def serve(self, request, *args, **kwargs):
        if is_visitor_request(request):
            mark_cacheable(request)
            return super().serve(request, *args, **kwargs)
        response = super().serve(request, *args, **kwargs)
        if not isinstance(response, TemplateResponse) or response.is_rendered:
            return response
        parts = None
        if cache_seconds() > 0:
            parts = self.shared_rendering_parts(request, response.context_data)
        return render_response(request, response, parts)


def shared_child(parent, slug: str, find):
    """The specific child page of ``parent`` at ``slug``, or None: ``find(parent, slug)`` is
    called once per generation of the page cache (every request without the cache).

    Routing then goes on through the child's own ``route`` on every request, so request-bound
    routing (routable pages) keeps working; only the queries are saved."""

    def load():
        child = find(parent, slug)
        if child is None:
            return None
        wagtail_adapter.set_parent(child, parent)  # as Wagtail's Page.route does
        if isinstance(child, SharedPageMixin) and cache_seconds() > 0:
            child._shared_route = True
        return child

    return memoized(("child", parent.pk, slug), load)


def route_through_child(parent, request, path_components, find):
    """``Page.route`` for pages whose children come from ``shared_child``."""
    child = shared_child(parent, path_components[0], find)
    if child is None:
        raise Http404
    return child.route(request, path_components[1:])


def find_specific_child(parent, slug: str):
    """Wagtail's own lookup of a child page (two queries), for ``shared_child``."""
    child = parent.get_children().filter(slug=slug).first()
    return child.specific if child is not None else None


# --- the whole-page layer ------------------------------------------------------------------


def _key(request) -> str:
    raw = f"{code_version()}|{request.get_host()}|{get_language()}|{request.path}"
    return f"page-cache:{generation()}:{hashlib.sha256(raw.encode()).hexdigest()}"


def _lifetime(headers) -> int:
    """How long a page may be stored: ``PAGE_CACHE_SECONDS``, or less when the page's own
    ``Cache-Control: max-age`` says so (the course finder: its places move within minutes)."""
    seconds = cache_seconds()
    for name, value in headers:
        if name.lower() == "cache-control":
            match = _MAX_AGE.search(value)
            if match:
                seconds = min(seconds, int(match.group(1)))
    return seconds


_MAX_AGE = re.compile(r"(?:^|[,\s])max-age=(\d+)")


def _shared_page(key):
    """The page stored under ``key`` by any process, as (expires, page), or None."""
    page = cache.get(key)
    # Another process stored it: it lives here at most as long as the shared copy could.
    return None if page is None else (time.monotonic() + _lifetime(page[1]), page)


def _replay(stored) -> HttpResponse:
    status, headers, content = stored
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response.headers[name] = value
    return response


def _storable(request, response) -> bool:
    return (
        request.method == "GET"
        and getattr(request, "_page_cache_allowed", False)
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "no-store" not in response.get("Cache-Control", "")
        and "private" not in response.get("Cache-Control", "")
    )


class VisitorPageCacheMiddleware:
    """Serve visitor requests for opted-in pages from the cache; store them on a miss.

    Sits after ``LocaleMiddleware`` (the key includes the language it chose) and before
    everything that only matters to personalised requests (CSRF, authentication, messages).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if cache_seconds() > 0 and not request.path_info.startswith(ADMIN_PREFIXES):
            # Wagtail looks the site up once per request (a query); it rarely changes. In an
            # outage the view meets the error itself and answers 503 (base.views).
            with contextlib.suppress(DatabaseError):
                wagtail_adapter.set_request_site(request, memoized_site(request))
        seconds = cache_seconds()
        if seconds <= 0 or not is_visitor_request(request):
            return self.get_response(request)
        key = _key(request)
        stored = _visitor_pages.peek(key)
        if stored is None or stored[0] <= time.monotonic():
            stored = _shared_page(key)
            if stored is not None:
                _visitor_pages.put(key, stored)
        if stored is not None:
            response = _replay(stored[1])
        else:
            response = self.get_response(request)
            if _storable(request, response):
                headers = [
                    (name, value)
                    for name, value in response.items()
                    if name.lower() not in _NOT_REPLAYED
                ]
                page = (response.status_code, headers, response.content)
                lifetime = _lifetime(headers)
                if lifetime > 0:
                    cache.set(key, page, lifetime)
                    _visitor_pages.put(key, (time.monotonic() + lifetime, page))
        # Downstream caches must not hand a visitor's page to someone with a cookie.
        patch_vary_headers(response, ("Cookie",))
        return response


# --- invalidation ----------------------------------------------------------------------------


def invalidate_on_change(*models) -> None:
    """Start a new generation whenever a row of one of ``models`` is saved or deleted.

    Each app calls it from its ``AppConfig.ready()`` for the models every page shows (footer
    help, consultation windows), so this module need not know any app."""
    for model in models:
        for signal in (post_save, post_delete):
            signal.connect(
                invalidate_all,
                sender=model,
                dispatch_uid=f"page-cache-{model._meta.label_lower}-{signal is post_save}",
            )


def _on_page_delete(sender, instance, **kwargs):
    if isinstance(instance, Page):
        invalidate_all()


def connect_invalidation() -> None:
    """Start a new generation whenever Wagtail's own shared content changes: pages published,
    unpublished, moved or deleted, sites, view restrictions, images and documents."""
    page_published.connect(invalidate_all, dispatch_uid="page-cache-published")
    page_unpublished.connect(invalidate_all, dispatch_uid="page-cache-unpublished")
    post_page_move.connect(invalidate_all, dispatch_uid="page-cache-moved")
    post_delete.connect(_on_page_delete, dispatch_uid="page-cache-page-deleted")
    invalidate_on_change(PageViewRestriction, Site, get_image_model(), get_document_model())
