import pytest
from django.conf import settings
from django.test import Client

from courses.models import Completion, Enrollment, LessonProgress
from organizations.models import Learner
from tests import factories


def start(client, course):
    return client.post(course.url)


def complete(client, lesson):
    return client.post(lesson.url, {"action": "complete", "opened": ""})


@pytest.mark.django_db
def test_reading_a_page_stores_nothing_for_a_first_time_visitor(client):
    course = factories.course(lessons=2)
    client.get("/")
    client.get(course.url)
    client.get(factories.lessons_of(course)[0].url)
    assert Learner.objects.count() == 0
    assert settings.LEARNER_COOKIE_NAME not in client.cookies


@pytest.mark.django_db
def test_anonymous_learner_progress_is_saved_and_resumed(client):
    course = factories.course(lessons=3)
    first, second, third = factories.lessons_of(course)
    response = start(client, course)
    assert response.status_code == 302 and response.url == first.url
    cookie = client.cookies[settings.LEARNER_COOKIE_NAME]
    assert int(cookie["max-age"]) >= 30 * 24 * 3600
    assert cookie["httponly"]

    response = complete(client, first)
    assert response.url == second.url
    client.get(second.url)  # opened, not finished

    # A browser restart keeps only persistent cookies: a new client with the learner cookie.
    returning = Client()
    returning.cookies[settings.LEARNER_COOKIE_NAME] = cookie.value
    home = returning.get("/").content.decode()
    assert "続きから学ぶ" in home
    assert f'href="{second.url}"' in home
    course_html = returning.get(course.url).content.decode()
    assert "3 レッスン中 1 レッスン完了" in course_html
    assert f'href="{second.url}"' in course_html
    my = returning.get("/my/").content.decode()
    assert course.title in my and "33%" in my


@pytest.mark.django_db
def test_completing_every_lesson_completes_the_course_once(client):
    osaka = factories.municipality()
    course = factories.course(lessons=2)
    first, second = factories.lessons_of(course)
    start(client, course)
    learner = Learner.objects.get()
    learner.municipality = osaka
    learner.attendee_type = "general"
    learner.save()
    complete(client, first)
    assert not Completion.objects.exists()
    response = complete(client, second)
    assert response.url == course.url
    completion = Completion.objects.get()
    assert completion.municipality == osaka
    assert completion.attendee_type == "general"
    assert completion.is_supporter
    assert "修了しました" in client.get(course.url).content.decode()
    # Submitting the last lesson again changes nothing.
    complete(client, second)
    complete(client, first)
    assert Completion.objects.count() == 1
    assert Enrollment.objects.get().completed_at == completion.completed_at


@pytest.mark.django_db
def test_time_spent_comes_from_the_signed_opening_time(client):
    import time

    from django.core import signing

    from courses.reading_time import OPENED_SALT

    course = factories.course(lessons=1)
    lesson = factories.lessons_of(course)[0]
    opened = signing.dumps(int(time.time()) - 120, salt=OPENED_SALT)
    client.post(lesson.url, {"action": "complete", "opened": opened})
    assert 119 <= LessonProgress.objects.get().seconds_spent <= 125
    # A forged value counts nothing.
    other = factories.course(lessons=1)
    client.post(factories.lessons_of(other)[0].url, {"action": "complete", "opened": "9999:x"})
    assert LessonProgress.objects.get(lesson=factories.lessons_of(other)[0]).seconds_spent == 0


@pytest.mark.django_db
def test_progress_is_carried_into_an_account_at_login(client):
    course = factories.course(lessons=2)
    first, second = factories.lessons_of(course)
    account = factories.user()
    start(client, course)
    complete(client, first)
    anonymous = Learner.objects.get()

    response = client.post(
        "/accounts/login/", {"username": account.username, "password": account.raw_password}
    )
    assert response.status_code == 302
    learner = Learner.objects.get(user=account)
    assert learner.pk == anonymous.pk  # the anonymous learner became the account's
    assert learner.token_hash is None
    assert client.cookies[settings.LEARNER_COOKIE_NAME].value == ""
    html = client.get(course.url).content.decode()
    assert "2 レッスン中 1 レッスン完了" in html


@pytest.mark.django_db
def test_login_merges_anonymous_progress_into_an_existing_account(client):
    course = factories.course(lessons=3)
    first, second, third = factories.lessons_of(course)
    account = factories.user()
    # Earlier, on another device, the account finished lessons 1 and 2.
    other_device = Client()
    other_device.force_login(account)
    start(other_device, course)
    complete(other_device, first)
    complete(other_device, second)
    # Now, in this browser, without logging in, lesson 3.
    start(client, course)
    complete(client, third)
    assert Learner.objects.count() == 2
    client.post(
        "/accounts/login/", {"username": account.username, "password": account.raw_password}
    )
    assert Learner.objects.count() == 1
    enrollment = Enrollment.objects.get()
    assert enrollment.learner.user == account
    assert LessonProgress.objects.filter(completed_at__isnull=False).count() == 3
    # All three lessons are now done: the course completes, once.
    assert Completion.objects.filter(learner__user=account).count() == 1


@pytest.mark.django_db
def test_signup_keeps_what_was_done_before(client):
    course = factories.course(lessons=2)
    start(client, course)
    complete(client, factories.lessons_of(course)[0])
    response = client.post(
        "/accounts/signup/",
        {"username": "hanako", "password1": "tsunagari-2025-pw", "password2": "tsunagari-2025-pw"},
    )
    assert response.status_code == 302
    assert LessonProgress.objects.get().enrollment.learner.user.username == "hanako"


@pytest.mark.django_db
def test_a_lesson_post_without_the_complete_action_is_refused(client):
    course = factories.course(lessons=1)
    response = client.post(factories.lessons_of(course)[0].url, {"action": "delete"})
    assert response.status_code == 400
    assert not Learner.objects.exists()


@pytest.mark.django_db
def test_profile_choice_shows_local_windows_and_rejects_a_mismatched_prefecture(client):
    factories.home_page()
    osaka = factories.municipality()
    factories.window("地域包括支援センター", municipality=osaka, topics="高齢者の介護")
    tokyo = factories.prefecture("13", "東京都")
    response = client.post(
        "/my/profile/", {"prefecture": tokyo.pk, "municipality": osaka.pk, "attendee_type": ""}
    )
    assert response.status_code == 200
    assert "選んだ都道府県の市区町村を選んでください" in response.content.decode()
    assert not Learner.objects.exists()

    response = client.post(
        "/my/profile/",
        {
            "prefecture": "27",
            "municipality": osaka.pk,
            "attendee_type": "general",
            "display_name": "つなが 太郎",
        },
    )
    assert response.status_code == 302
    learner = Learner.objects.get()
    assert (learner.municipality, learner.attendee_type, learner.display_name) == (
        osaka,
        "general",
        "つなが 太郎",
    )
    assert "地域包括支援センター" in client.get("/").content.decode()


@pytest.mark.django_db
def test_requirement_hooks_are_told_what_the_caller_has_just_met():
    from wagtail import hooks

    from courses import services

    course = factories.course(lessons=1)
    learner = Learner.objects.create()
    services.enrollment_complete_lesson(learner=learner, lesson=factories.lessons_of(course)[0])
    seen = []

    def requirement(enrollment, met):
        seen.append(met)
        return [] if "exam" in met else ["exam"]

    with hooks.register_temporarily("course_completion_requirements", requirement):
        other = factories.course(lessons=1)
        services.enrollment_complete_lesson(learner=learner, lesson=factories.lessons_of(other)[0])
        assert not services.enrollment_try_complete_course(learner=learner, course=other)[1]
        completion, created = services.enrollment_try_complete_course(
            learner=learner, course=other, met=("exam",)
        )
    assert created and completion.course_id == other.pk
    assert seen[-1] == frozenset({"exam"})


@pytest.mark.django_db
def test_only_the_courses_live_lessons_count_towards_completing_it():
    from courses import services
    from courses.models import LessonPage

    course = factories.course(lessons=2)
    draft = LessonPage(title="下書き", slug="draft", body=[factories.paragraph("本文")], live=False)
    course.add_child(instance=draft)
    first, second = factories.lessons_of(course)
    other = factories.course(lessons=1)

    # A lesson of another course, and the unpublished one, are not this course's lessons.
    hasty = Learner.objects.create()
    services.enrollment_complete_lesson(learner=hasty, lesson=factories.lessons_of(other)[0])
    services.enrollment_complete_lesson(learner=hasty, lesson=draft)
    assert not services.enrollment_complete_lesson(learner=hasty, lesson=first).completion
    assert not Completion.objects.filter(learner=hasty, course=course).exists()
    # The unpublished lesson does not hold the course back either.
    learner = Learner.objects.create()
    services.enrollment_complete_lesson(learner=learner, lesson=first)
    assert services.enrollment_complete_lesson(learner=learner, lesson=second).course_completed_now
