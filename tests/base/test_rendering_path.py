"""The one rendering path of ``base.page_cache``: shared renderings kept per generation, and
per-request values put in from one registry."""

import pytest
from django.test import RequestFactory

from base import page_cache


@pytest.mark.django_db
def test_a_fragment_is_rendered_once_per_generation(page_cache_on):
    renders = []

    def render():
        renders.append(1)
        return f"<p>{len(renders)}</p>"

    assert page_cache.cached_fragment(("test", 1), render) == "<p>1</p>"
    assert page_cache.cached_fragment(("test", 1), render) == "<p>1</p>"
    assert page_cache.cached_fragment(("test", 2), render) == "<p>2</p>"
    page_cache.invalidate_all()
    assert page_cache.cached_fragment(("test", 1), render) == "<p>3</p>"


@pytest.mark.django_db
def test_nothing_is_kept_with_the_cache_off(settings):
    settings.PAGE_CACHE_SECONDS = 0
    renders = []
    for _ in range(2):
        page_cache.cached_fragment(("test", 1), lambda: renders.append(1) or "x")
    assert len(renders) == 2


def test_each_request_gets_its_own_values_for_the_registered_placeholders():
    # Registered by base (CSRF) and by the courses app's ready() (the opening time).
    placeholders = page_cache.substitution_placeholders()
    assert placeholders["csrf_token"] == page_cache.CSRF_PLACEHOLDER
    assert "opened_token" in placeholders
    html = f"<input value='{placeholders['csrf_token']}'><input value='{placeholders['opened_token']}'>"
    first = page_cache.substitute(RequestFactory().get("/"), html)
    second = page_cache.substitute(RequestFactory().get("/"), html)
    assert "placeholder" not in first and "placeholder" not in second
    assert first != second  # each browser its own CSRF token
