"""The day-before reminder (once per sign-up, after the commit) and suspending an organiser
(who can then no longer sign in or plan), with reactivation."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from events import services
from events.models import CourseSignup, Organiser

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser(admin_osaka, areas, make_organiser):
    return make_organiser(admin_osaka, areas["osaka"], name="organiser-a")


def test_sign_ups_with_an_email_are_reminded_the_day_before_once(
    organiser, make_plan, django_capture_on_commit_callbacks
):
    tomorrow = make_plan(organiser, days=1)
    later = make_plan(organiser, days=2)
    with django_capture_on_commit_callbacks(execute=True):
        reminded = services.course_signup_create(
            course=tomorrow, nickname="ひまわり", email="himawari@example.jp"
        )
        services.course_signup_create(course=tomorrow, nickname="名無し")
        services.course_signup_create(course=later, nickname="あさって", email="later@example.jp")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sent = services.course_reminders_send()
    # Nothing leaves before the commit.
    assert sent == 1 and mail.outbox == [] and len(callbacks) == 1
    callbacks[0]()
    assert [message.to for message in mail.outbox] == [["himawari@example.jp"]]
    assert "明日" in mail.outbox[0].subject
    assert reminded.get_absolute_url() in mail.outbox[0].body

    mail.outbox.clear()
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_course_reminders", stdout=out)
    assert "0 件" in out.getvalue()
    assert mail.outbox == []
    assert CourseSignup.objects.get(pk=reminded.pk).reminded_at is not None


def test_cancelled_courses_and_cancelled_sign_ups_get_no_reminder(
    organiser, make_plan, django_capture_on_commit_callbacks
):
    plan = make_plan(organiser, days=1)
    other = make_plan(organiser, days=1, start=dt.time(10), end=dt.time(11, 30))
    signup = services.course_signup_create(course=plan, nickname="a", email="a@example.jp")
    services.course_signup_create(course=other, nickname="b", email="b@example.jp")
    services.course_signup_cancel(signup=signup)
    other.status = other.Status.CANCELLED
    services.planned_course_save(course=other, user=organiser.user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.course_reminders_send() == 0
    assert mail.outbox == []


def test_an_administrator_suspends_and_reactivates_an_organiser(
    client, organiser, admin_osaka, admin_sakai, make_plan
):
    organiser.user.set_password("pw-Organiser-1")
    organiser.user.save()
    plan = make_plan(organiser)
    url = reverse("organisers:suspend", args=[organiser.pk])

    client.force_login(admin_sakai)
    assert client.post(url).status_code in (302, 403)
    assert Organiser.objects.get(pk=organiser.pk).status == Organiser.Status.ACTIVE

    client.force_login(admin_osaka)
    page = client.get(url)
    assert page.status_code == 200 and "停止する" in page.content.decode()
    assert client.post(url).status_code == 302
    organiser.refresh_from_db()
    organiser.user.refresh_from_db()
    assert organiser.status == Organiser.Status.SUSPENDED
    assert not organiser.user.is_active
    # The plans stay for the administrators; the organiser can no longer sign in.
    assert client.get(reverse("plannedcourse:edit", args=[plan.pk])).status_code == 200
    client.logout()
    assert not client.login(username=organiser.user.username, password="pw-Organiser-1")

    client.force_login(admin_osaka)
    assert "再開する" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    organiser.refresh_from_db()
    assert organiser.status == Organiser.Status.ACTIVE
    client.logout()
    assert client.login(username=organiser.user.username, password="pw-Organiser-1")
    assert client.get(reverse("plannedcourse:edit", args=[plan.pk])).status_code == 200


def test_a_pending_organiser_cannot_be_suspended(admin_osaka, areas):
    pending = services.organiser_register(
        municipality=areas["osaka"],
        organisation_type="npo",
        organisation_name="新しい会",
        name="新人",
        email="new@example.jp",
    )
    with pytest.raises(services.ValidationError):
        services.organiser_suspend(organiser=pending, user=admin_osaka)
    with pytest.raises(services.ValidationError):
        services.organiser_reactivate(organiser=pending, user=admin_osaka)
