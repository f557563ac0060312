"""The admin's HTML loads nothing from another host: no gravatar.com avatars (the e-mail hash
would leak, and LGWAN blocks them), no CDN scripts, styles or fonts. The browser test
``tests/e2e/test_no_third_party_hosts.py`` checks the requests themselves; this one is quick."""

import re

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

# Attributes that make the browser fetch something (links a person clicks are not requests).
RESOURCE = re.compile(
    r"<(?:img|script|iframe|source|video|audio)\b[^>]*?\s(?:src|srcset)=\"([^\"]+)\"|"
    r"<link\b[^>]*?\shref=\"([^\"]+)\"",
    re.I,
)
PAGES = [
    "/admin/",
    "/admin/account/",
    "/admin/snippets/courses/consultationwindow/",
    "/admin/department/",
    "/admin/reports/site-history/",
    "/admin/users/",
]


def foreign_resources(html):
    urls = [a or b for a, b in RESOURCE.findall(html)]
    return [url for url in urls if url.startswith(("http:", "https:", "//"))]


@pytest.mark.parametrize("url", PAGES)
def test_admin_pages_load_nothing_from_another_host(client, url):
    factories.home_page()
    user = factories.user("national", is_superuser=True, is_staff=True, email="kokka@example.lg.jp")
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "gravatar" not in html
    assert foreign_resources(html) == []
