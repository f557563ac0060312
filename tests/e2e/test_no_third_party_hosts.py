"""No page of the product, admin included, makes the browser ask a host other than the site's
own (no avatars from gravatar.com, no web fonts or scripts from a CDN): on LGWAN such requests
fail, and each one tells a third party who is reading what.

Chromium logs in as each demo user and follows every same-origin link it finds (GET only,
bounded), recording every request the pages make — documents, images, fonts, scripts, XHR.
"""

import os
import re
from urllib.parse import parse_qsl, urldefrag, urlsplit

import pytest
from django.core.management import call_command
from django.db import connection
from playwright.sync_api import Error as PlaywrightError

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # What a page loads does not depend on the database: one crawl per CI run (on SQLite).
    pytest.mark.skipif(connection.vendor == "postgresql", reason="the crawl runs once, on SQLite"),
]

# Pages per user; CRAWL_MAX_PAGES=300 for a deeper run by hand. Pages are counted by kind
# (ids folded), so the budget reaches every screen rather than every row of one list.
MAX_PAGES = int(os.environ.get("CRAWL_MAX_PAGES", "60"))
# Links that change something or end the session even on GET, or lead to downloads.
AVOID = re.compile(
    r"/logout|/delete|/unpublish|/revisions/\d+/revert|/lock/|/unlock/|/copy/|"
    r"/export|export=|\.csv|\.xlsx|\.zip|\.pdf|/download|/documents/\d+/|"
    r"/delete-my-data|/my/data|/set-password|/i18n/setlang"
)
USERS = [
    ("anonymous", None, "/"),
    ("admin", "/admin/login/", "/admin/"),
    ("osaka-admin", "/admin/login/", "/admin/"),
    ("osaka-manager", "/admin/login/", "/admin/"),
    ("staff01", "/accounts/login/", "/my/"),
]


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True  # demo accounts exist only in development
    call_command("seed_demo", verbosity=0)
    settings.DEBUG = False


def same_origin_links(page, origin):
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    for href in hrefs:
        url, _fragment = urldefrag(href)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" == origin and not AVOID.search(url):
            yield url


def kind_of(url: str) -> str:
    """A page's kind: its path with numbers folded, and the names of its query parameters
    (``/admin/pages/12/edit/?p=2`` and ``/admin/pages/31/edit/?p=5`` are one kind)."""
    parts = urlsplit(url)
    names = sorted({name for name, _value in parse_qsl(parts.query)})
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(names)


def crawl(page, origin, start):
    """Visit one page of each kind, breadth-first from ``start``; return the pages visited."""
    queue, seen, visited = [origin + start], {kind_of(origin + start)}, []
    while queue and len(visited) < MAX_PAGES:
        url = queue.pop(0)
        try:
            page.goto(url, wait_until="load")
        except PlaywrightError:  # a download or an aborted navigation: no page to read
            continue
        visited.append(url)
        if not page.url.startswith(origin):
            continue
        for link in same_origin_links(page, origin):
            if kind_of(link) not in seen:
                seen.add(kind_of(link))
                queue.append(link)
    return visited


@pytest.mark.parametrize("username, login_url, start", USERS, ids=[u[0] for u in USERS])
def test_no_page_requests_another_host(live_server, browser, seeded, username, login_url, start):
    origin = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    foreign = []

    def record(request):
        url = request.url
        if url.startswith(("data:", "blob:", "about:")):
            return
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != origin:
            foreign.append(f"{url} (from {request.frame.url if request.frame else '?'})")

    # Nothing leaves the machine: requests to other hosts are recorded, then refused.
    def route(route_):
        parts = urlsplit(route_.request.url)
        if f"{parts.scheme}://{parts.netloc}" == origin:
            route_.continue_()
        else:
            route_.abort()

    context.on("request", record)
    context.route("**/*", route)
    page = context.new_page()
    try:
        if login_url:
            page.goto(origin + login_url)
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", "changeme")
            page.locator("form button[type=submit]").first.click()
            page.wait_for_load_state("load")
            assert "login" not in urlsplit(page.url).path, f"{username} could not log in"
        visited = crawl(page, origin, start)
    finally:
        context.close()
    assert len(visited) >= 3, visited
    assert foreign == [], "\n".join(sorted(set(foreign))[:30])
