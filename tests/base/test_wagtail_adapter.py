"""The private parts of Wagtail that ``base.wagtail_adapter`` wraps still behave as relied on.

Pinned to the Wagtail version they were checked against: upgrading Wagtail fails the first
test until each wrapper has been re-read against the new release (and the constant moved)."""

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry, Page, Site

from base import wagtail_adapter
from certificates.models import Certificate
from tests import factories


def test_the_installed_wagtail_is_the_version_the_adapter_was_checked_against():
    assert wagtail_adapter.installed_wagtail_version() == wagtail_adapter.CHECKED_WAGTAIL_VERSION


@pytest.mark.django_db
def test_find_site_looks_the_site_up_whatever_the_request_holds(django_assert_num_queries):
    home = factories.home_page()
    site = Site.objects.get(is_default_site=True)
    request = RequestFactory().get("/", HTTP_HOST="testserver")
    request._wagtail_site = None  # what Site.find_for_request would have memoized
    with django_assert_num_queries(1):
        found = wagtail_adapter.find_site(request)
    assert found == site
    assert found.root_page_id == home.pk


@pytest.mark.django_db
def test_a_site_set_on_the_request_is_the_one_wagtail_uses(django_assert_num_queries):
    factories.home_page()
    site = Site.objects.get(is_default_site=True)
    request = RequestFactory().get("/", HTTP_HOST="testserver")
    wagtail_adapter.set_request_site(request, site)
    with django_assert_num_queries(0):
        assert Site.find_for_request(request) is site


@pytest.mark.django_db
def test_a_parent_set_on_a_page_is_what_get_parent_returns(django_assert_num_queries):
    course = factories.course(lessons=1)
    lesson = Page.objects.get(pk=factories.lessons_of(course)[0].pk).specific
    wagtail_adapter.set_parent(lesson, course)
    with django_assert_num_queries(0):
        assert lesson.get_parent() is course
        assert wagtail_adapter.known_parent(lesson) is course


@pytest.mark.django_db
def test_wagtails_own_routing_tells_the_child_its_parent():
    course = factories.course(lessons=1)
    lesson = factories.lessons_of(course)[0]
    home = course.get_parent().specific
    assert wagtail_adapter.known_parent(Page.objects.get(pk=lesson.pk)) is None
    request = RequestFactory().get(lesson.url)
    # Wagtail's Page.route itself (our pages route through base.page_cache instead).
    routed = Page.route(home, request, [course.slug, lesson.slug]).page
    assert routed.pk == lesson.pk
    parent = wagtail_adapter.known_parent(routed)
    assert parent is not None and parent.pk == course.pk


@pytest.mark.django_db
def test_log_without_lookups_writes_what_wagtails_log_writes_in_one_query(
    django_assert_num_queries,
):
    completion = factories.completion(factories.course(lessons=1))
    certificate = Certificate.objects.get(completion=completion)
    ModelLogEntry.objects.all().delete()
    theirs = log(certificate, "tsunagari.certificate.issue")
    with django_assert_num_queries(1):  # the INSERT alone
        ours = wagtail_adapter.log_without_lookups(certificate, "tsunagari.certificate.issue")
    fields = ["content_type_id", "label", "action", "data", "uuid", "user_id", "object_id"]
    fields += ["revision_id", "content_changed", "deleted"]
    stored = ModelLogEntry.objects.in_bulk([theirs.pk, ours.pk])
    assert [getattr(stored[ours.pk], f) for f in fields] == [
        getattr(stored[theirs.pk], f) for f in fields
    ]
    with pytest.raises(ValidationError):  # an unregistered action, refused as Wagtail does
        wagtail_adapter.log_without_lookups(certificate, "tsunagari.no_such_action")
