"""Repeated wrong passwords lock that username out for a while; the right one then fails too."""

import pytest
from django.test import override_settings
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
@pytest.mark.parametrize("url_name", ["login", "wagtailadmin_login"])
def test_repeated_wrong_passwords_lock_the_login(client, url_name):
    from axes.utils import reset

    reset()
    user = factories.user(username="staff99")
    url = reverse(url_name)
    for _attempt in range(3):
        response = client.post(url, {"username": "staff99", "password": "wrong-password"})
    response = client.post(url, {"username": "staff99", "password": user.raw_password})
    assert response.status_code == 429
    assert "しばらくログインできません" in response.content.decode()
    assert "_auth_user_id" not in client.session


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_a_correct_password_before_the_limit_logs_in_and_resets(client):
    from axes.utils import reset

    reset()
    user = factories.user(username="staff98")
    client.post(reverse("login"), {"username": "staff98", "password": "nope"})
    response = client.post(reverse("login"), {"username": "staff98", "password": user.raw_password})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
