"""The course finder for visitors comes from the site's one page cache, for its short max-age
only; filtered pages and anyone with a personal cookie get a fresh rendering."""

import pytest
from django.test import Client
from django.urls import reverse

from base import page_cache


@pytest.fixture
def organiser(areas, admin_osaka, make_organiser):
    return make_organiser(admin_osaka, areas["osaka"])


def test_visitors_get_the_finder_from_the_page_cache(
    page_cache_on, organiser, make_plan, django_assert_num_queries
):
    make_plan(organiser)
    Client().get("/")  # a new site's first request creates its footer help settings
    finder = reverse("course-finder")
    first = Client().get(finder)
    assert not first.cookies
    assert first.status_code == 200 and "市民会館" in first.content.decode()
    with django_assert_num_queries(0):
        second = Client().get(finder)
    assert second.content == first.content
    assert "public" in second["Cache-Control"] and "Cookie" in second["Vary"]


def test_filtered_and_personal_finder_pages_are_rendered_afresh(
    page_cache_on, organiser, make_plan, django_assert_max_num_queries
):
    make_plan(organiser)
    finder = reverse("course-finder")
    Client().get(finder)
    filtered = Client().get(finder, {"prefecture": "27"})
    assert "市民会館" in filtered.content.decode()
    personal = Client()
    personal.cookies["sessionid"] = "x"
    response = personal.get(finder)
    assert "private" in response["Cache-Control"]
    # Nothing personal was stored: a visitor still gets the visitors' page.
    assert "public" in Client().get(finder)["Cache-Control"]


def test_a_page_is_stored_no_longer_than_its_max_age(settings):
    settings.PAGE_CACHE_SECONDS = 600
    assert page_cache._lifetime([("Cache-Control", "public, max-age=60")]) == 60
    assert page_cache._lifetime([("Cache-Control", "max-age=3600")]) == 600
    assert page_cache._lifetime([("Content-Type", "text/html")]) == 600
