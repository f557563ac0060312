"""近くの講座を探す on a phone: find a course by prefecture, open it, sign up, cancel."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission

from base.dates import tokyo_date
from events import services
from events.models import CourseSignup, Organiser, PlannedCourse
from organizations.models import AdminScope
from tests import factories
from tsunagari.management.commands.seed_demo import MUNICIPAL_ADMIN_PERMISSIONS

from .conftest import axe_violations

# Like every browser test: real transactions (the live server reads what the test writes),
# and serialized rollback, which puts the migrated rows back for the next one; a flush without
# it would leave Django's post-migrate rows for the next test's restore to collide with.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.fixture
def public_course(django_user_model):
    osaka = factories.municipality()
    factories.municipality(code="261009", name="京都市", pref=factories.prefecture("26", "京都府"))
    admin = django_user_model.objects.create_user("osaka-admin", password="pw-Secret-1")
    admin.user_permissions.add(
        *[
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in MUNICIPAL_ADMIN_PERMISSIONS
        ]
    )
    AdminScope.objects.create(user=admin, level="municipality", municipality=osaka)
    organiser = services.organiser_invite(
        organiser=Organiser(
            municipality=osaka,
            organisation_type="npo",
            organisation_name="NPO法人 大阪つながりネット",
            name="大阪 次郎",
            email="jiro@example.jp",
        ),
        invited_by=admin,
    )
    course = factories.course(audience="citizen", lessons=1, title="つながりサポーター養成講座")
    return services.planned_course_save(
        course=PlannedCourse(
            organiser=organiser,
            course=course,
            held_on=tokyo_date() + dt.timedelta(days=10),
            start_time=dt.time(14),
            end_time=dt.time(15, 30),
            venue_name="大阪市立総合生涯学習センター 第1研修室",
            venue_address="大阪市北区梅田1-2-2-500 大阪駅前第2ビル5階",
            instructor_name="大阪 次郎",
            capacity=1,
            is_public=True,
            signup_enabled=True,
        ),
        user=organiser.user,
    )


def test_find_a_course_sign_up_and_cancel_on_a_phone(phone, live_server, public_course):
    phone.goto(live_server.url + "/courses/find/")
    assert phone.get_by_role("heading", level=1).inner_text() == "近くの講座を探す"
    assert fits_the_phone(phone)
    assert axe_violations(phone) == []
    phone.get_by_label("都道府県").select_option(label="大阪府")
    phone.get_by_role("button", name="この条件で探す").click()
    assert "prefecture=27" in phone.url
    link = phone.get_by_role("link", name="つながりサポーター養成講座")
    link.click()
    assert phone.get_by_role("heading", level=1).inner_text() == "つながりサポーター養成講座"
    assert "残り 1 人" in phone.content()
    assert fits_the_phone(phone)
    assert axe_violations(phone) == []

    phone.get_by_role("link", name="申し込む").click()
    # The click only starts the navigation: measure the sign-up page once it is there.
    nickname = phone.get_by_label("ニックネーム")
    nickname.wait_for()
    assert fits_the_phone(phone)
    assert axe_violations(phone) == []
    nickname.fill("ひまわり")
    phone.get_by_role("button", name="申し込む").click()
    assert "ひまわり さん、申し込みを受け付けました（参加予定）。" in phone.content()
    assert axe_violations(phone) == []
    own_page = phone.url

    phone.get_by_role("button", name="申し込みを取り消す").click()
    assert phone.url == own_page
    assert "この申し込みは取り消しました。" in phone.content()
    assert CourseSignup.objects.get().status == CourseSignup.Status.CANCELLED


def test_the_finder_is_usable_with_the_keyboard_only(phone, live_server, public_course):
    phone.goto(live_server.url + "/courses/find/")
    phone.keyboard.press("Tab")  # the skip link
    phone.keyboard.press("Enter")
    for _ in range(30):
        phone.keyboard.press("Tab")
        focused = phone.evaluate("document.activeElement.id")
        if focused == "id_prefecture":
            break
    assert phone.evaluate("document.activeElement.id") == "id_prefecture"
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.id") == "id_municipality"
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.textContent").strip() == "この条件で探す"
    with phone.expect_navigation():
        phone.keyboard.press("Enter")
    assert "つながりサポーター養成講座" in phone.content()
