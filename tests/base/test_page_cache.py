"""The visitor page cache: first-time visitors get stored pages, nobody else ever does, and
every change an editor publishes shows at once. Forms on those pages work without a token."""

import pytest
from django.conf import settings
from django.test import Client

from courses.models import LessonProgress
from organizations.models import Learner
from tests import factories
from website.models import SiteHelpSettings


def strict_client(**headers):
    """A client that enforces CSRF as a browser session would meet it."""
    return Client(enforce_csrf_checks=True, **headers)


@pytest.mark.django_db
def test_second_visitor_gets_the_stored_page_without_touching_the_database(
    page_cache_on, django_assert_num_queries
):
    course = factories.course(lessons=2)
    lesson = factories.lessons_of(course)[0]
    Client().get("/")  # a new site's first request creates its footer help settings
    for url in ("/", course.url, lesson.url):
        first = Client().get(url)
        assert first.status_code == 200
        assert not first.cookies, "a cacheable page must not set a cookie"
        with django_assert_num_queries(0):
            second = Client().get(url)
        assert second.status_code == 200
        assert second.content == first.content
        assert second["Content-Type"] == first["Content-Type"]
        assert "Cookie" in second["Vary"]
        assert "Content-Security-Policy" in second
        html = second.content.decode()
        assert "csrfmiddlewaretoken" not in html


@pytest.mark.django_db
def test_learners_and_signed_in_people_never_get_a_stored_page(page_cache_on):
    course = factories.course(lessons=3)
    first = factories.lessons_of(course)[0]
    Client().get(course.url)  # stored for visitors

    learner = Client()
    learner.post(course.url)  # 受講を始める: now a learner with a cookie
    learner.post(first.url, {"action": "complete"})
    html = learner.get(course.url).content.decode()
    assert "3 レッスン中 1 レッスン完了" in html
    assert "受講を始める" not in html
    assert "csrfmiddlewaretoken" in learner.get(first.url).content.decode()

    user = factories.user()
    signed_in = Client()
    signed_in.force_login(user)
    assert "csrfmiddlewaretoken" in signed_in.get(course.url).content.decode()
    # The visitors' copy is untouched by what the learner did.
    assert "受講を始める" in Client().get(course.url).content.decode()


@pytest.mark.django_db
def test_publishing_changes_what_visitors_see_at_once(page_cache_on):
    course = factories.course(title="古い題名", lessons=1)
    lesson = factories.lessons_of(course)[0]
    assert "古い題名" in Client().get(course.url).content.decode()
    assert "古い題名" in Client().get(lesson.url).content.decode()

    course.title = "新しい題名"
    course.save_revision().publish()
    assert "新しい題名" in Client().get(course.url).content.decode()
    assert "新しい題名" in Client().get(lesson.url).content.decode()

    lesson.unpublish()
    assert Client().get(lesson.url).status_code == 404


@pytest.mark.django_db
def test_footer_help_changes_show_on_stored_pages(page_cache_on):
    factories.home_page()
    assert "#9999" in Client().get("/").content.decode()
    help_settings = SiteHelpSettings.for_site(factories.home_page().get_site())
    help_settings.show_dial = False
    help_settings.save()
    assert "#9999" not in Client().get("/").content.decode()


@pytest.mark.django_db
def test_each_language_is_stored_separately(page_cache_on):
    course = factories.course(lessons=1)
    japanese = Client().get(course.url).content.decode()
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get(course.url).content.decode()
    assert "受講を始める" in japanese
    assert "Start the course" in english
    assert "受講を始める" in Client().get(course.url).content.decode()


@pytest.mark.django_db
def test_query_strings_are_not_stored(page_cache_on, django_assert_max_num_queries):
    course = factories.course(lessons=1)
    Client().get(course.url + "?from=mail")
    response = Client().get(course.url + "?from=mail")
    assert response.status_code == 200
    Client().get(course.url)
    with django_assert_max_num_queries(0):
        Client().get(course.url)


@pytest.mark.django_db
def test_visitor_forms_are_accepted_from_this_site_without_a_token(page_cache_on):
    course = factories.course(lessons=2)
    first = factories.lessons_of(course)[0]

    browser = strict_client(HTTP_SEC_FETCH_SITE="same-origin")
    response = browser.post(course.url)
    assert response.status_code == 302 and response.url == first.url
    assert settings.LEARNER_COOKIE_NAME in response.cookies
    # From now on the learner's pages carry the token, and their POSTs still work.
    assert "csrfmiddlewaretoken" in browser.get(first.url).content.decode()
    response = browser.post(first.url, {"action": "complete"})
    assert response.status_code == 302
    assert LessonProgress.objects.get(lesson=first).completed_at is not None

    # Browsers without Fetch Metadata send Origin instead.
    older = strict_client()
    response = older.post(course.url, HTTP_ORIGIN="http://testserver")
    assert response.status_code == 302
    assert Learner.objects.count() == 2


@pytest.mark.django_db
def test_a_visitors_first_lesson_records_no_invented_reading_time(page_cache_on):
    course = factories.course(lessons=2)
    first = factories.lessons_of(course)[0]
    html = Client().get(first.url).content.decode()
    assert 'name="opened"' not in html
    strict_client(HTTP_SEC_FETCH_SITE="same-origin").post(first.url, {"action": "complete"})
    assert LessonProgress.objects.get(lesson=first).seconds_spent == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site"},
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},
        {},
    ],
    ids=["cross-site", "same-site", "foreign-origin", "null-origin", "no-headers"],
)
def test_token_less_posts_from_elsewhere_are_refused_in_japanese(page_cache_on, headers):
    course = factories.course(lessons=1)
    response = strict_client().post(course.url, **headers)
    assert response.status_code == 403
    assert "送信を受け付けられませんでした" in response.content.decode()
    assert Learner.objects.count() == 0
    assert settings.LEARNER_COOKIE_NAME not in response.cookies


@pytest.mark.django_db
def test_signed_in_people_still_need_the_token(page_cache_on):
    course = factories.course(lessons=1)
    browser = strict_client(HTTP_SEC_FETCH_SITE="same-origin")
    browser.force_login(factories.user())
    assert browser.post(course.url).status_code == 403
    assert Learner.objects.count() == 0


@pytest.mark.django_db
def test_the_refusal_page_follows_the_interface_language():
    course = factories.course(lessons=1)
    response = strict_client(HTTP_ACCEPT_LANGUAGE="en").post(
        course.url, HTTP_SEC_FETCH_SITE="cross-site"
    )
    assert response.status_code == 403
    assert "Your form could not be accepted" in response.content.decode()
