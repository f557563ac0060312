"""Learners' lesson pages rendered once per progress state: each learner still gets their own
progress, windows, saved answers and working form tokens; nobody gets another's."""

import re

import pytest
from django.conf import settings
from django.test import Client

from base import page_cache
from courses.models import LessonProgress
from organizations.models import Learner
from tests import factories

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
OPENED = re.compile(r'name="opened" value="([^"]+)"')


def learner_at(course, done: int, municipality=None) -> Client:
    """A browser whose anonymous learner finished the first ``done`` lessons."""
    browser = Client(enforce_csrf_checks=True, HTTP_SEC_FETCH_SITE="same-origin")
    browser.post(course.url)
    for lesson in factories.lessons_of(course)[:done]:
        browser.post(lesson.url, {"action": "complete"})
    if municipality is not None:
        token = browser.cookies[settings.LEARNER_COOKIE_NAME].value
        from organizations.models import hash_learner_token

        Learner.objects.filter(token_hash=hash_learner_token(token)).update(
            municipality=municipality
        )
    return browser


def page(browser, url) -> str:
    response = browser.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert page_cache.CSRF_PLACEHOLDER not in html
    assert "placeholder-" not in html
    return html


@pytest.mark.django_db
def test_learners_in_the_same_state_each_get_their_own_working_tokens(page_cache_on):
    course = factories.course(lessons=3)
    second = factories.lessons_of(course)[1]
    first_learner, other_learner = learner_at(course, 1), learner_at(course, 1)
    html_a, html_b = page(first_learner, second.url), page(other_learner, second.url)

    token_a, token_b = TOKEN.search(html_a).group(1), TOKEN.search(html_b).group(1)
    assert token_a != token_b
    assert OPENED.search(html_a) and OPENED.search(html_b)
    # Apart from the tokens the two pages are the same rendering.
    assert TOKEN.sub("", OPENED.sub("", html_a)) == TOKEN.sub("", OPENED.sub("", html_b))

    # Each learner's token works for their own browser, with Django's strict CSRF check
    # (no origin headers to fall back on).
    for browser, token, html in (
        (first_learner, token_a, html_a),
        (other_learner, token_b, html_b),
    ):
        strict = Client(enforce_csrf_checks=True)
        strict.cookies = browser.cookies
        response = strict.post(
            second.url,
            {
                "csrfmiddlewaretoken": token,
                "action": "complete",
                "opened": OPENED.search(html).group(1),
            },
        )
        assert response.status_code == 302
    assert LessonProgress.objects.filter(lesson=second, completed_at__isnull=False).count() == 2


@pytest.mark.django_db
def test_each_learner_sees_their_own_progress(page_cache_on):
    course = factories.course(lessons=3)
    third = factories.lessons_of(course)[2]
    ahead, behind = learner_at(course, 2), learner_at(course, 0)
    assert "3 レッスン中 2 レッスン完了" in page(ahead, third.url)
    assert "3 レッスン中 0 レッスン完了" in page(behind, third.url)
    ahead.post(third.url, {"action": "complete"})
    assert "このレッスンは完了しています。" in page(ahead, third.url)
    assert "このレッスンは完了しています。" not in page(behind, third.url)


@pytest.mark.django_db
def test_each_learner_sees_the_windows_of_their_own_municipality(page_cache_on):
    osaka = factories.municipality()
    sakai = factories.municipality(code="271403", name="堺市")
    factories.window(name="大阪市の窓口", municipality=osaka)
    factories.window(name="堺市の窓口", municipality=sakai)
    course = factories.course(lessons=2)
    lesson = factories.lessons_of(course)[0]
    in_osaka = page(learner_at(course, 0, osaka), lesson.url)
    in_sakai = page(learner_at(course, 0, sakai), lesson.url)
    assert "大阪市の窓口" in in_osaka and "堺市の窓口" not in in_osaka
    assert "堺市の窓口" in in_sakai and "大阪市の窓口" not in in_sakai


@pytest.mark.django_db
def test_saved_answers_stay_with_the_learner_who_saved_them(page_cache_on):
    body = [("reflection", {"question": "あなたにできることは？", "hint": ""})]
    course = factories.course(lessons=1, bodies=[body])
    lesson = factories.lessons_of(course)[0]
    writer, reader = learner_at(course, 0), learner_at(course, 0)
    page(reader, lesson.url)  # the shared rendering exists before anyone saves
    block_id = re.search(r'name="block_id" value="([^"]+)"', page(writer, lesson.url)).group(1)
    response = writer.post(
        f"/my/reflections/{lesson.pk}/", {"block_id": block_id, "text": "声をかけてみる"}
    )
    assert response.status_code in (200, 302)
    assert "声をかけてみる" in page(writer, lesson.url)
    assert "声をかけてみる" not in page(reader, lesson.url)


@pytest.mark.django_db
def test_learner_lesson_page_reads_only_the_learner_and_their_progress(
    page_cache_on, django_assert_max_num_queries
):
    course = factories.course(lessons=8)
    fourth = factories.lessons_of(course)[3]
    browser = learner_at(course, 3)
    page(browser, fourth.url)  # a new site's first page creates its footer help settings
    page(browser, fourth.url)
    # The learner, their enrollment with its lesson statuses (one query), nothing else.
    with django_assert_max_num_queries(2):
        page(browser, fourth.url)
