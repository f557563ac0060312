"""Sign-up for a public course: capacity, waiting list, cancel link, mail after commit, purge."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import CourseSignup, PlannedCourse, signup_from_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser(areas, admin_osaka, make_organiser):
    return make_organiser(admin_osaka, areas["osaka"], name="signup", organisation="受付の会")


def _statuses(plan):
    return list(plan.signups.order_by("pk").values_list("nickname", "status"))


def test_places_fill_up_then_the_waiting_list_takes_over(organiser, make_plan):
    plan = make_plan(organiser, capacity=2)
    for name in ("あ", "い", "う", "え"):
        services.course_signup_create(course=plan, nickname=name)
    assert _statuses(plan) == [
        ("あ", "confirmed"),
        ("い", "confirmed"),
        ("う", "waiting"),
        ("え", "waiting"),
    ]


def test_signing_up_through_the_page_asks_only_a_nickname(client, organiser, make_plan):
    plan = make_plan(organiser, capacity=5)
    form_page = client.get(reverse("course-event-signup", args=[plan.pk])).content.decode()
    assert 'name="nickname"' in form_page and 'name="email"' in form_page
    assert 'for="id_nickname"' in form_page
    response = client.post(reverse("course-event-signup", args=[plan.pk]), {"nickname": "さくら"})
    assert response.status_code == 302
    signup = CourseSignup.objects.get()
    assert response["Location"] == signup.get_absolute_url()
    assert signup.email == ""
    page = client.get(response["Location"]).content.decode()
    assert "さくら さん、申し込みを受け付けました（参加予定）。" in page
    assert mail.outbox == []


def test_an_email_given_without_asking_for_reminders_is_not_kept(client, organiser, make_plan):
    plan = make_plan(organiser)
    client.post(
        reverse("course-event-signup", args=[plan.pk]),
        {"nickname": "さくら", "email": "sakura@example.jp"},
    )
    assert CourseSignup.objects.get().email == ""


def test_asking_for_reminders_needs_an_email(client, organiser, make_plan):
    plan = make_plan(organiser)
    response = client.post(
        reverse("course-event-signup", args=[plan.pk]),
        {"nickname": "さくら", "wants_reminder": "on"},
    )
    assert "お知らせを受け取るにはメールアドレスを入力してください。" in response.content.decode()
    assert not CourseSignup.objects.exists()


def test_confirmation_mail_leaves_after_commit_with_the_cancel_link(
    client, organiser, make_plan, django_capture_on_commit_callbacks
):
    plan = make_plan(organiser)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(
            reverse("course-event-signup", args=[plan.pk]),
            {"nickname": "さくら", "wants_reminder": "on", "email": "sakura@example.jp"},
        )
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [["sakura@example.jp"]]
    signup = CourseSignup.objects.get()
    assert signup.get_absolute_url() in mail.outbox[0].body
    assert "講座が終わると削除します" in mail.outbox[0].body


def test_cancelling_moves_the_first_waiting_person_up_and_mails_them(
    client, organiser, make_plan, django_capture_on_commit_callbacks
):
    plan = make_plan(organiser, capacity=1)
    first = services.course_signup_create(course=plan, nickname="一番")
    services.course_signup_create(course=plan, nickname="二番", email="second@example.jp")
    services.course_signup_create(course=plan, nickname="三番", email="third@example.jp")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(first.get_absolute_url())
    assert response.status_code == 302
    assert _statuses(plan) == [("一番", "cancelled"), ("二番", "confirmed"), ("三番", "waiting")]
    assert [m.to for m in mail.outbox] == [["second@example.jp"]]
    assert "キャンセル待ちから参加予定になりました" in mail.outbox[0].subject
    first.refresh_from_db()
    assert first.cancelled_at is not None
    # Cancelling again changes nothing and moves nobody else up.
    client.post(first.get_absolute_url())
    assert _statuses(plan)[2] == ("三番", "waiting")


def test_a_waiting_person_who_cancels_frees_no_place(organiser, make_plan):
    plan = make_plan(organiser, capacity=1)
    services.course_signup_create(course=plan, nickname="一番")
    waiting = services.course_signup_create(course=plan, nickname="二番")
    services.course_signup_create(course=plan, nickname="三番")
    assert services.course_signup_cancel(signup=waiting) == []
    assert _statuses(plan) == [("一番", "confirmed"), ("二番", "cancelled"), ("三番", "waiting")]


def test_raising_the_capacity_moves_waiting_people_up(organiser, make_plan):
    plan = make_plan(organiser, capacity=1)
    for name in ("一番", "二番", "三番"):
        services.course_signup_create(course=plan, nickname=name)
    plan.capacity = 2
    services.planned_course_save(course=plan, user=organiser.user)
    assert [s for _n, s in _statuses(plan)] == ["confirmed", "confirmed", "waiting"]


def test_cancelling_the_course_tells_those_who_left_an_email(
    organiser, make_plan, django_capture_on_commit_callbacks
):
    plan = make_plan(organiser)
    services.course_signup_create(course=plan, nickname="一番", email="one@example.jp")
    services.course_signup_create(course=plan, nickname="二番")
    mail.outbox.clear()
    plan.status = PlannedCourse.Status.CANCELLED
    with django_capture_on_commit_callbacks(execute=True):
        services.planned_course_save(course=plan, user=organiser.user)
    assert [m.to for m in mail.outbox] == [["one@example.jp"]]
    assert "中止" in mail.outbox[0].subject


def test_no_sign_up_for_a_course_that_does_not_take_them(client, organiser, make_plan):
    closed = make_plan(organiser, signup_enabled=False)
    response = client.post(reverse("course-event-signup", args=[closed.pk]), {"nickname": "x"})
    assert "この講座は申し込みを受け付けていません" in response.content.decode()
    with pytest.raises(ValidationError):
        services.course_signup_create(course=closed, nickname="x")
    cancelled = make_plan(organiser, status=PlannedCourse.Status.CANCELLED)
    with pytest.raises(ValidationError):
        services.course_signup_create(course=cancelled, nickname="x")
    assert not CourseSignup.objects.exists()


def test_a_forged_or_tampered_link_answers_404(client, organiser, make_plan):
    plan = make_plan(organiser)
    signup = services.course_signup_create(course=plan, nickname="x")
    assert client.get(reverse("course-signup", args=["forged"])).status_code == 404
    tampered = signup.token[:-2] + ("AA" if not signup.token.endswith("AA") else "BB")
    assert client.post(reverse("course-signup", args=[tampered])).status_code == 404
    assert signup_from_token(signup.token) == signup
    signup.refresh_from_db()
    assert signup.status == CourseSignup.Status.CONFIRMED


def test_purge_deletes_emails_after_the_course_and_signups_after_the_retention(
    organiser, make_plan
):
    past = make_plan(organiser)
    upcoming = make_plan(organiser)
    services.course_signup_create(course=past, nickname="a", email="a@example.jp")
    services.course_signup_create(course=upcoming, nickname="b", email="b@example.jp")
    ended = timezone.now() - dt.timedelta(hours=1)
    PlannedCourse.objects.filter(pk=past.pk).update(
        starts_at=ended - dt.timedelta(hours=2), ends_at=ended
    )
    call_command("purge_course_signups")
    assert list(CourseSignup.objects.order_by("pk").values_list("email", flat=True)) == [
        "",
        "b@example.jp",
    ]
    assert services.course_signups_purge(now=ended + dt.timedelta(days=31)) == (1, 1)
    assert list(CourseSignup.objects.values_list("nickname", flat=True)) == ["b"]


def test_a_mail_carries_the_course_facts(organiser, make_plan, django_capture_on_commit_callbacks):
    plan = make_plan(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        services.course_signup_create(course=plan, nickname="a", email="a@example.jp")
    body = mail.outbox[0].body
    assert "市民会館" in body and "14:00〜15:30" in body and "受付の会" in body
    assert re.search(r"https?://\S+/courses/signup/\S+/", body)
