"""開催計画 in the admin: validation with Japanese errors, and who reaches which plan."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from base.dates import tokyo_date
from events import services
from events.models import PlannedCourse

pytestmark = pytest.mark.django_db
DENIED = {302, 403, 404}


def _form(course, organiser=None, **changes):
    data = {
        "course": course.pk,
        "held_on": (tokyo_date() + dt.timedelta(days=5)).isoformat(),
        "start_time": "14:00",
        "end_time": "15:30",
        "delivery": "in_person",
        "venue_name": "市民会館",
        "venue_address": "大阪市北区1-1",
        "online_url": "",
        "instructor_name": "講師 花子",
        "capacity": "30",
        "is_public": "on",
        "signup_enabled": "on",
        "notes": "",
        "status": "scheduled",
    }
    if organiser is not None:
        data["organiser"] = organiser.pk
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def organiser(areas, admin_osaka, make_organiser):
    return make_organiser(admin_osaka, areas["osaka"], name="org-a", organisation="北区の会")


def test_organiser_plans_a_course_for_themselves(client, organiser, citizen_course):
    client.force_login(organiser.user)
    response = client.post(reverse("plannedcourse:add"), _form(citizen_course))
    assert response.status_code == 302, response.content.decode()[:3000]
    plan = PlannedCourse.objects.get()
    assert plan.organiser == organiser
    assert plan.municipality == organiser.municipality
    assert plan.created_by == organiser.user
    assert plan.starts_at.hour == 5  # 14:00 in Tokyo is 05:00 UTC
    assert (plan.ends_at - plan.starts_at) == dt.timedelta(minutes=90)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"end_time": "13:00"}, "終了時刻は開始時刻より後にしてください。"),
        ({"end_time": "14:00"}, "終了時刻は開始時刻より後にしてください。"),
        ({"capacity": "0"}, "定員は 1 人以上にしてください。"),
        ({"venue_address": ""}, "対面の講座では会場の住所を入力してください。"),
        (
            {"delivery": "live_online", "venue_address": ""},
            "ライブ配信の講座では配信の URL を入力してください。",
        ),
        (
            {"delivery": "live_online", "online_url": "http://example.jp/live"},
            "配信の URL は https:// で始まるものにしてください。",
        ),
        ({"held_on": "2020-04-01"}, "過ぎた日付の講座は計画できません。"),
        ({"is_public": None}, "申し込みは公開した講座でのみ受け付けられます。"),
    ],
)
def test_invalid_plans_are_refused_with_a_japanese_message(
    client, organiser, citizen_course, changes, message
):
    client.force_login(organiser.user)
    response = client.post(reverse("plannedcourse:add"), _form(citizen_course, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PlannedCourse.objects.exists()


def test_a_live_online_course_needs_no_venue(client, organiser, citizen_course):
    client.force_login(organiser.user)
    response = client.post(
        reverse("plannedcourse:add"),
        _form(
            citizen_course,
            delivery="live_online",
            venue_name="",
            venue_address="",
            online_url="https://meet.example.jp/room",
        ),
    )
    assert response.status_code == 302
    assert PlannedCourse.objects.get().is_online


def test_a_past_plan_may_still_be_corrected(organiser, make_plan, client):
    plan = make_plan(organiser)
    PlannedCourse.objects.filter(pk=plan.pk).update(held_on=dt.date(2024, 5, 1))
    plan.refresh_from_db()
    plan.instructor_name = "講師 次郎"
    plan.full_clean()  # no "past date" refusal for an existing plan
    saved = services.planned_course_save(course=plan, user=organiser.user)
    assert saved.sequence == 1


def test_staff_courses_are_not_offered(client, organiser, citizen_course):
    from tests import factories

    staff_course = factories.course(audience="staff", lessons=1)
    client.force_login(organiser.user)
    response = client.post(reverse("plannedcourse:add"), _form(staff_course))
    assert response.status_code == 200
    assert not PlannedCourse.objects.exists()


def test_organiser_sees_only_their_own_plans(
    client, areas, admin_osaka, admin_sakai, organiser, make_organiser, make_plan
):
    other_same_city = make_organiser(
        admin_osaka, areas["osaka"], name="org-a2", organisation="中央区の会"
    )
    other_city = make_organiser(admin_sakai, areas["sakai"], name="org-b", organisation="堺の会")
    mine = make_plan(organiser, venue_name="北区会館")
    theirs = make_plan(other_same_city, venue_name="中央区会館")
    sakai = make_plan(other_city, venue_name="堺会館", venue_address="堺市堺区1")

    client.force_login(organiser.user)
    listing = client.get(reverse("plannedcourse:index")).content.decode()
    assert "北区の会" in listing
    assert "中央区の会" not in listing and "堺の会" not in listing
    for plan in (theirs, sakai):
        for view in ("edit", "inspect", "delete", "history"):
            url = reverse(f"plannedcourse:{view}", args=[plan.pk])
            assert client.get(url).status_code in DENIED, url
        response = client.post(
            reverse("plannedcourse:edit", args=[plan.pk]),
            _form(plan.course, instructor_name="書き換え"),
        )
        assert response.status_code in DENIED
        assert client.post(reverse("plannedcourse:delete", args=[plan.pk])).status_code in DENIED
        plan.refresh_from_db()
        assert plan.instructor_name == "講師 花子"
    assert client.get(reverse("plannedcourse:inspect", args=[mine.pk])).status_code == 200
    # Nor can an organiser claim another organiser's plan through the form.
    response = client.post(
        reverse("plannedcourse:add"), _form(mine.course, organiser=other_same_city)
    )
    assert response.status_code == 302
    assert PlannedCourse.objects.latest("pk").organiser == organiser
    with pytest.raises(PermissionDenied):
        theirs.instructor_name = "書き換え"
        services.planned_course_save(course=theirs, user=organiser.user)


def test_municipal_administrator_sees_every_plan_of_their_area_only(
    client, areas, admin_osaka, admin_sakai, organiser, make_organiser, make_plan
):
    other_same_city = make_organiser(
        admin_osaka, areas["osaka"], name="org-a2", organisation="中央区の会"
    )
    other_city = make_organiser(admin_sakai, areas["sakai"], name="org-b", organisation="堺の会")
    make_plan(organiser)
    make_plan(other_same_city)
    sakai = make_plan(other_city)
    client.force_login(admin_osaka)
    listing = client.get(reverse("plannedcourse:index")).content.decode()
    assert "北区の会" in listing and "中央区の会" in listing
    assert "堺の会" not in listing
    assert client.get(reverse("plannedcourse:edit", args=[sakai.pk])).status_code in DENIED
    organisers = client.get(reverse("organisers:index")).content.decode()
    assert "北区の会" in organisers and "堺の会" not in organisers


def test_administrator_plans_for_an_organiser_of_their_area_only(
    client, areas, admin_osaka, admin_sakai, organiser, make_organiser, citizen_course
):
    other_city = make_organiser(admin_sakai, areas["sakai"], name="org-b", organisation="堺の会")
    client.force_login(admin_osaka)
    refused = client.post(reverse("plannedcourse:add"), _form(citizen_course, other_city))
    assert refused.status_code == 200
    assert not PlannedCourse.objects.exists()
    accepted = client.post(reverse("plannedcourse:add"), _form(citizen_course, organiser))
    assert accepted.status_code == 302
    assert PlannedCourse.objects.get().organiser == organiser


def test_a_suspended_or_pending_organiser_reaches_no_plan(organiser, make_plan, client):
    make_plan(organiser)
    Organiser = type(organiser)
    Organiser.objects.filter(pk=organiser.pk).update(status=Organiser.Status.SUSPENDED)
    client.force_login(organiser.user)
    listing = client.get(reverse("plannedcourse:index"))
    assert "北区の会" not in listing.content.decode()


def test_organiser_admin_home_and_plan_screen_show_their_own_sign_ups(client, organiser, make_plan):
    plan = make_plan(organiser, capacity=1)
    services.course_signup_create(course=plan, nickname="ひまわり")
    services.course_signup_create(course=plan, nickname="たんぽぽ")
    client.force_login(organiser.user)
    home = client.get(reverse("wagtailadmin_home"))
    assert home.status_code == 200
    # The sidebar menu (JSON for the admin's script) leads to the plans, not to the KPI.
    assert reverse("plannedcourse:index") in home.content.decode()
    assert reverse("kpi_dashboard") not in home.content.decode()
    page = client.get(reverse("plannedcourse:inspect", args=[plan.pk])).content.decode()
    assert "申し込み：1 / 1 人" in page
    assert "ひまわり" in page and "たんぽぽ" in page
    assert "キャンセル待ち：1 人" in page
    assert plan.get_absolute_url() in page
