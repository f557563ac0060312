import json

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from courses.models import Completion, Enrollment, ReflectionNote
from organizations.models import AdminScope, Learner
from tests import factories


@pytest.fixture
def finished(client, db):
    course = factories.course(
        lessons=1, bodies=[[("reflection", {"question": "どうしますか", "hint": ""})]]
    )
    lesson = factories.lessons_of(course)[0]
    client.post(course.url)
    client.post(
        f"/my/reflections/{lesson.pk}/", {"block_id": lesson.body[0].id, "text": "母に話す"}
    )
    client.post(lesson.url, {"action": "complete"})
    return course


def test_learner_downloads_everything_kept_about_them(client, finished):
    response = client.get("/my/data.json")
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["enrollments"][0]["course"] == finished.title
    assert data["completions"][0]["course"] == finished.title
    assert data["reflections"][0]["text"] == "母に話す"
    assert "quiz_attempts" in data


def test_anonymous_learner_deletes_their_data_and_statistics_stay(client, finished):
    assert client.get("/my/delete/").status_code == 200
    response = client.post("/my/delete/")
    assert response.status_code == 302
    assert not Learner.objects.exists()
    assert not Enrollment.objects.exists() and not ReflectionNote.objects.exists()
    completion = Completion.objects.get()  # the supporter still counts, without the person
    assert completion.learner is None and completion.course == finished
    assert client.cookies[settings.LEARNER_COOKIE_NAME].value == ""


def test_citizen_account_is_deleted_with_its_data(client, finished):
    account = factories.user()
    client.post(
        "/accounts/login/", {"username": account.username, "password": account.raw_password}
    )
    client.post("/my/delete/")
    assert not get_user_model().objects.filter(pk=account.pk).exists()
    assert Completion.objects.count() == 1


def test_administrators_cannot_delete_themselves_here(client, db):
    user = factories.user()
    AdminScope.objects.create(
        user=user, level="municipality", municipality=factories.municipality()
    )
    Learner.objects.create(user=user)
    client.force_login(user)
    response = client.post("/my/delete/")
    assert response.status_code == 200
    assert "研修の担当者にお問い合わせください" in response.content.decode()
    assert get_user_model().objects.filter(pk=user.pk).exists()
