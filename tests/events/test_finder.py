"""近くの講座を探す: filters, ordering, each course's page, and what the public never sees."""

import datetime as dt

import pytest
from django.urls import reverse

from events.models import PlannedCourse

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisers(areas, admin_osaka, admin_sakai, make_admin, make_organiser):
    admin_kyoto = make_admin("kyoto-admin", areas["kyoto"])
    return {
        "osaka": make_organiser(admin_osaka, areas["osaka"], name="o1", organisation="大阪の会"),
        "sakai": make_organiser(admin_sakai, areas["sakai"], name="o2", organisation="堺の会"),
        "kyoto": make_organiser(admin_kyoto, areas["kyoto"], name="o3", organisation="京都の会"),
    }


def _titles(response):
    return [course.pk for course in response.context["courses"]]


def test_upcoming_public_courses_are_listed_soonest_first(client, organisers, make_plan):
    later = make_plan(organisers["osaka"], days=20)
    soon = make_plan(organisers["sakai"], days=2)
    middle = make_plan(organisers["kyoto"], days=9)
    response = client.get(reverse("course-finder"))
    assert response.status_code == 200
    assert _titles(response) == [soon.pk, middle.pk, later.pk]


def test_private_cancelled_and_past_courses_are_not_listed(client, organisers, make_plan):
    listed = make_plan(organisers["osaka"])
    private = make_plan(organisers["osaka"], is_public=False, signup_enabled=False)
    cancelled = make_plan(organisers["osaka"], status=PlannedCourse.Status.CANCELLED)
    over = make_plan(organisers["osaka"])
    PlannedCourse.objects.filter(pk=over.pk).update(
        ends_at=over.ends_at - dt.timedelta(days=30),
        starts_at=over.starts_at - dt.timedelta(days=30),
    )
    assert _titles(client.get(reverse("course-finder"))) == [listed.pk]
    assert private.pk and cancelled.pk


def test_filter_by_prefecture_and_by_municipality(client, organisers, make_plan):
    osaka = make_plan(organisers["osaka"], days=3)
    sakai = make_plan(organisers["sakai"], days=4)
    kyoto = make_plan(organisers["kyoto"], days=5)
    by_prefecture = client.get(reverse("course-finder"), {"prefecture": "27"})
    assert _titles(by_prefecture) == [osaka.pk, sakai.pk]
    by_city = client.get(reverse("course-finder"), {"prefecture": "27", "municipality": "271403"})
    assert _titles(by_city) == [sakai.pk]
    assert _titles(client.get(reverse("course-finder"), {"prefecture": "26"})) == [kyoto.pk]
    # The municipality list offers the chosen prefecture's places with courses only.
    options = by_prefecture.content.decode()
    assert 'value="271004"' in options and 'value="271403"' in options
    assert 'value="261009"' not in options


def test_a_designated_citys_search_includes_its_wards(
    client, areas, admin_osaka, make_organiser, make_plan
):
    from tests import factories

    ward = factories.municipality(code="271276", name="北区", parent=areas["osaka"], kind="ward")
    organiser = make_organiser(admin_osaka, ward, name="ward", organisation="北区の会")
    plan = make_plan(organiser)
    response = client.get(reverse("course-finder"), {"prefecture": "27", "municipality": "271004"})
    assert _titles(response) == [plan.pk]
    assert 'value="271004"' in response.content.decode()
    response = client.get(reverse("course-finder"), {"municipality": "271276"})
    assert _titles(response) == [plan.pk]


def test_an_invalid_filter_lists_everything_rather_than_failing(client, organisers, make_plan):
    plan = make_plan(organisers["osaka"])
    response = client.get(reverse("course-finder"), {"prefecture": "zz", "municipality": "<x>"})
    assert response.status_code == 200
    assert _titles(response) == [plan.pk]


def test_the_finder_form_works_without_javascript(client, organisers, make_plan):
    make_plan(organisers["osaka"])
    html = client.get(reverse("course-finder")).content.decode()
    assert '<form method="get"' in html
    assert '<label for="id_prefecture">' in html and '<label for="id_municipality">' in html
    assert "<h1" in html and "近くの講座を探す" in html
    assert "<script>" not in html and "style=" not in html


def test_course_page_shows_date_place_organiser_and_remaining(client, organisers, make_plan):
    from events import services

    plan = make_plan(organisers["osaka"], capacity=3)
    services.course_signup_create(course=plan, nickname="ひまわり")
    response = client.get(plan.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert plan.held_on.strftime("%Y年").lstrip("0") in html
    assert "14:00" in html and "15:30" in html
    assert "市民会館" in html and "大阪市北区中之島1-3-20" in html
    assert "大阪の会" in html and "講師 花子" in html
    assert "3 人" in html and "残り 2 人" in html
    assert reverse("course-event-ics", args=[plan.pk]) in html
    assert reverse("course-event-signup", args=[plan.pk]) in html


def test_visitors_get_cacheable_pages_and_people_with_a_session_private_ones(
    client, organisers, make_plan
):
    plan = make_plan(organisers["osaka"])
    for url in (
        reverse("course-finder"),
        plan.get_absolute_url(),
        reverse("course-event-ics", args=[plan.pk]),
    ):
        response = client.get(url)
        assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]
        assert "Cookie" in response["Vary"]
    client.force_login(organisers["osaka"].user)
    response = client.get(plan.get_absolute_url())
    assert "private" in response["Cache-Control"]
    assert (
        "no-cache" in client.get(reverse("course-event-signup", args=[plan.pk]))["Cache-Control"]
        or "max-age=0"
        in client.get(reverse("course-event-signup", args=[plan.pk]))["Cache-Control"]
    )


@pytest.mark.parametrize("route", ["course-event", "course-event-ics", "course-event-signup"])
def test_a_course_that_is_not_public_answers_404_to_everyone(
    client, organisers, make_plan, admin_osaka, route
):
    private = make_plan(organisers["osaka"], is_public=False, signup_enabled=False)
    url = reverse(route, args=[private.pk])
    assert client.get(url).status_code == 404
    # Not even its organiser or its administrator reaches it on the public site.
    client.force_login(organisers["osaka"].user)
    assert client.get(url).status_code == 404
    client.force_login(admin_osaka)
    assert client.get(url).status_code == 404
    assert client.post(url, {"nickname": "x"}).status_code in (404, 405)
    assert not private.signups.exists()


def test_a_cancelled_public_course_says_so_on_its_page(client, organisers, make_plan):
    plan = make_plan(organisers["osaka"], status=PlannedCourse.Status.CANCELLED)
    html = client.get(plan.get_absolute_url()).content.decode()
    assert "この講座は中止になりました。" in html
    assert reverse("course-event-signup", args=[plan.pk]) not in html


def test_the_finder_reads_the_same_number_of_queries_for_one_course_or_many(
    client, organisers, make_plan
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as context:
            response = client.get(reverse("course-finder"), {"prefecture": "27"})
        return len(context), len(response.context["courses"])

    make_plan(organisers["osaka"], days=1)
    queries()  # the first request of a site stores its footer settings
    one, listed = queries()
    assert listed == 1
    for days in range(2, 9):
        make_plan(organisers["osaka"], days=days)
        make_plan(organisers["sakai"], days=days)
    many, listed = queries()
    assert listed == 15
    assert many == one  # no query per course (N+1)
    assert one <= 8
