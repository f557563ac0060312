"""Check-in on a 360 px phone, keyboard only, no JavaScript needed: type the number on the
screen, pick an attendee type, check in, take the card; the pages fit and pass axe."""

import datetime as dt

import pytest
from django.utils import timezone

from base.dates import tokyo_date
from events import checkin_codes, services
from events.models import CheckIn, PlannedCourse, QuestionnaireAnswer
from tests import factories
from tests.events.conftest import areas, make_admin, make_organiser  # noqa: F401 - fixtures

from .conftest import ARTIFACTS, axe_violations

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.fixture
def open_course(areas, make_admin, make_organiser):  # noqa: F811 - fixtures
    admin = make_admin("osaka-admin", areas["osaka"])
    organiser = make_organiser(admin, areas["osaka"], organisation="NPO法人 大阪つながりネット")
    course = services.planned_course_save(
        course=PlannedCourse(
            organiser=organiser,
            course=factories.course(
                audience="citizen", lessons=1, title="つながりサポーター養成講座"
            ),
            held_on=tokyo_date() + dt.timedelta(days=3),
            start_time=dt.time(14),
            end_time=dt.time(15, 30),
            venue_name="大阪市立総合生涯学習センター 第1研修室",
            venue_address="大阪市北区梅田1-2-2-500 大阪駅前第2ビル5階",
            instructor_name="大阪 次郎",
            capacity=30,
        ),
        user=organiser.user,
    )
    starts = timezone.now() - dt.timedelta(minutes=5)
    PlannedCourse.objects.filter(pk=course.pk).update(
        starts_at=starts, ends_at=starts + dt.timedelta(minutes=90)
    )
    course.refresh_from_db()
    return course, organiser


def test_check_in_and_take_the_card_with_the_keyboard_on_a_phone(browser, live_server, open_course):
    course, organiser = open_course
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="ja-JP", java_script_enabled=False
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/courses/{course.pk}/check-in/")
    assert fits_the_phone(page)
    page.keyboard.press("Tab")
    page.focus("input[name=code]")
    page.keyboard.type(checkin_codes.current_code(course.pk))
    page.keyboard.press("Enter")
    page.wait_for_selector("text=この講座に受付します")
    assert fits_the_phone(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "checkin-form.png"), full_page=True)
    page.focus("input[name=attendee_type][value=general]")
    page.keyboard.press("Space")
    page.focus("button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=受付しました")
    assert CheckIn.objects.filter(course=course).count() == 1
    page.focus("input[name=name]")
    page.keyboard.type("つなが りこ")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=サポーターカードができました")
    assert fits_the_phone(page)
    page.screenshot(path=str(ARTIFACTS / "checkin-done.png"), full_page=True)
    for target in page.query_selector_all("main a.button, main button"):
        box = target.bounding_box()
        assert box["height"] >= 44, target.inner_text()
    context.close()
    with_js = browser.new_context(viewport={"width": 360, "height": 740}, locale="ja-JP")
    axe_page = with_js.new_page()
    axe_page.goto(f"{live_server.url}/courses/{course.pk}/check-in/")
    assert axe_violations(axe_page) == []
    with_js.close()


def test_the_organisers_slide_on_a_projector(browser, live_server, open_course):
    course, organiser = open_course
    organiser.user.set_password("pw-Secret-1")
    organiser.user.save()
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="ja-JP")
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", organiser.user.username)
    page.fill("input[name=password]", "pw-Secret-1")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/admin/events/plans/checkin/{course.pk}/")
    digits = page.inner_text(".slide__digits")
    assert checkin_codes.is_valid(course.pk, digits)
    assert page.query_selector(".slide__qr svg") is not None
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "checkin-slide.png"))
    context.close()


def test_answer_the_questionnaire_with_the_keyboard_on_a_phone(browser, live_server, open_course):
    """After checking in, the attendee answers the course's questionnaire on a 360 px phone
    without JavaScript, keyboard only; the form's targets are large and it passes axe."""
    course, _organiser = open_course
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="ja-JP", java_script_enabled=False
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/courses/{course.pk}/check-in/")
    page.focus("input[name=code]")
    page.keyboard.type(checkin_codes.current_code(course.pk))
    page.keyboard.press("Enter")
    page.wait_for_selector("text=この講座に受付します")
    page.focus("input[name=attendee_type][value=general]")
    page.keyboard.press("Space")
    page.focus("button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=受付しました")
    page.focus("a:has-text('アンケートに答える')")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=講座のアンケート")
    assert fits_the_phone(page)
    for choice in (
        "understanding][value=mostly",
        "satisfaction][value=very",
        "reach_out][value=yes",
    ):
        page.focus(f"input[name={choice}]")
        page.keyboard.press("Space")
    for label in page.query_selector_all("main .choice"):
        assert label.bounding_box()["height"] >= 44, label.inner_text()
    page.focus("textarea[name=comment]")
    page.keyboard.type("声のかけ方がよく分かりました")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "checkin-questionnaire.png"), full_page=True)
    page.focus("main button[type=submit]")
    assert page.query_selector("main button[type=submit]").bounding_box()["height"] >= 44
    page.keyboard.press("Enter")
    page.wait_for_selector("text=回答ありがとうございました")
    assert fits_the_phone(page)
    answer = QuestionnaireAnswer.objects.get(course=course)
    assert (answer.understanding, answer.satisfaction, answer.reach_out) == (
        "mostly",
        "very",
        "yes",
    )
    assert answer.comment == "声のかけ方がよく分かりました"
    questionnaire_url = page.url
    cookies = context.cookies()
    context.close()
    # axe needs JavaScript: the same browser's cookie in a context that runs it.
    with_js = browser.new_context(viewport={"width": 360, "height": 740}, locale="ja-JP")
    with_js.add_cookies(cookies)
    axe_page = with_js.new_page()
    QuestionnaireAnswer.objects.all().delete()  # to see the form itself again
    axe_page.goto(questionnaire_url)
    assert axe_page.query_selector("textarea[name=comment]") is not None
    assert axe_violations(axe_page) == []
    with_js.close()
