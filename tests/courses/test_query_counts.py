"""Query counts of the pages learners load most; they must not grow with the number of lessons."""

import pytest

from tests import factories


@pytest.fixture
def learner_client(client):
    course = factories.course(lessons=8)
    lessons = factories.lessons_of(course)
    client.force_login(factories.user())
    client.post(course.url)
    for lesson in lessons[:3]:
        client.post(lesson.url, {"action": "complete"})
    client.get(lessons[3].url)
    return client, course, lessons


@pytest.mark.django_db
def test_logged_in_learner_pages_use_a_fixed_number_of_queries(
    learner_client, django_assert_max_num_queries
):
    client, course, lessons = learner_client
    with django_assert_max_num_queries(10):
        assert client.get(lessons[3].url).status_code == 200
    # + one query per step other apps add (quiz, questionnaire, certificate: courses.outline)
    with django_assert_max_num_queries(13):
        assert client.get(course.url).status_code == 200
    # + one query for the staff assignments section of a logged-in user
    with django_assert_max_num_queries(11):
        assert client.get("/").status_code == 200
    with django_assert_max_num_queries(11):  # includes the certificates section
        assert client.get("/my/").status_code == 200


@pytest.mark.django_db
def test_anonymous_lesson_page_uses_a_fixed_number_of_queries(
    client, django_assert_max_num_queries
):
    course = factories.course(lessons=8)
    lesson = factories.lessons_of(course)[4]
    client.get(lesson.url)
    with django_assert_max_num_queries(7):
        assert client.get(lesson.url).status_code == 200


@pytest.mark.django_db
def test_anonymous_learner_with_a_municipality_reads_a_lesson_in_a_fixed_number_of_queries(
    client, django_assert_max_num_queries
):
    # The learner's municipality (for its consultation windows) comes with the learner.
    from organizations.models import Learner

    course = factories.course(lessons=8)
    lessons = factories.lessons_of(course)
    client.post(course.url)
    for lesson in lessons[:3]:
        client.post(lesson.url, {"action": "complete"})
    Learner.objects.update(municipality=factories.municipality())
    client.get(lessons[3].url)
    with django_assert_max_num_queries(9):
        assert client.get(lessons[3].url).status_code == 200
