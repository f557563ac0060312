"""A citizen on a phone, without an account, takes the citizen course end to end."""

import re

import pytest
from django.core.management import call_command

from certificates.models import Certificate
from courses.models import Completion, CoursePage
from quizzes.models import Attempt, Choice
from quizzes.tokens import choice_token

from .conftest import ARTIFACTS, axe_violations

# The live server reads what the test writes: real transactions, and the migrated state
# (Wagtail's root page) restored after each test.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def seeded():

    call_command("seed_demo", "--no-demo-users", verbosity=0)
    return CoursePage.objects.get(course_code="TS")


def answer_all(page, *, correct: bool):
    """Tick answers in each question fieldset: the right ones, or the first wrong one."""
    for fieldset in page.locator("fieldset.question").all():
        inputs = fieldset.locator("input").all()
        attempt = Attempt.objects.get(submitted_at__isnull=True)
        by_token = {
            choice_token(attempt.public_id, pk): pk
            for pk in Choice.objects.filter(question__quiz=attempt.quiz).values_list(
                "pk", flat=True
            )
        }
        ids = [by_token[i.get_attribute("value")] for i in inputs]
        right = set(Choice.objects.filter(pk__in=ids, is_correct=True).values_list("pk", flat=True))
        for element, pk in zip(inputs, ids, strict=True):
            if correct and pk in right:
                element.check()
        if not correct:
            wrong = next(i for i, pk in zip(inputs, ids, strict=True) if pk not in right)
            wrong.check()


def test_citizen_completes_the_course_on_a_phone(live_server, phone, seeded):
    page = phone
    page.goto(live_server.url + "/")
    assert axe_violations(page) == []
    page.get_by_role("link", name="つながりサポーター養成講座").click()
    assert axe_violations(page) == []
    page.get_by_role("button", name="受講を始める").click()

    lessons_seen = 0
    while "/quiz/" not in page.url:
        lessons_seen += 1
        assert page.locator("h1").count() == 1
        if lessons_seen == 1:
            assert axe_violations(page) == []
            # Nothing wider than the phone: no horizontal scrolling.
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.get_by_role("button", name=re.compile("このレッスンを完了")).click()
        assert lessons_seen < 20
    assert lessons_seen == seeded.get_lessons().count()

    page.get_by_role("button", name="テストを始める").click()
    assert axe_violations(page) == []
    page.get_by_role("button", name="採点する").click()  # nothing answered
    assert page.get_by_role("alert").is_visible()
    assert axe_violations(page) == []
    answer_all(page, correct=False)
    page.get_by_role("button", name="採点する").click()
    assert "不合格" in page.locator(".result").inner_text()
    assert axe_violations(page) == []
    assert not Completion.objects.exists()

    page.get_by_role("button", name="もう一度受ける").click()
    answer_all(page, correct=True)
    page.get_by_role("button", name="採点する").click()
    assert "合格です" in page.locator(".result").inner_text()
    assert "修了しました" in page.content()
    assert Completion.objects.count() == 1
    assert Attempt.objects.filter(passed=True).count() == 1

    # The certificate: name and municipality, then the PDF and its verification page.
    page.get_by_role("link", name="修了証を受け取る").click()
    assert axe_violations(page) == []
    page.get_by_label("都道府県").select_option(label="大阪府")
    page.get_by_label("お住まい・お勤めの市区町村").select_option(label="大阪市")
    page.get_by_label("受講者区分").select_option(label="一般")
    page.get_by_label("修了証に印字する氏名").fill("つながり 花子")
    page.get_by_role("button", name="この内容で修了証を発行する").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="修了証（PDF）をダウンロードする").click()
    pdf_path = download_info.value.path()
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(pdf_path).pages)
    assert "つながり 花子" in text
    certificate = Certificate.objects.get()
    assert certificate.serial in text
    verify_path = f"/certificates/verify/{certificate.code}/"
    assert verify_path in text.replace("\n", "")
    page.goto(live_server.url + verify_path)
    assert "有効な修了証です" in page.content()
    assert axe_violations(page) == []


def test_childrens_course_shows_furigana_and_reads_at_200_percent(live_server, browser, seeded):
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=1)
    page = context.new_page()
    first_lesson = CoursePage.objects.get(course_code="TSK").get_lessons().first()
    page.goto(live_server.url + first_lesson.url)
    assert page.locator("ruby rt").count() > 10
    assert "《" not in page.locator("main").inner_text()
    # Text zoomed to 200%: content reflows, nothing runs off the side.
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert axe_violations(page) == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "childrens-course-200-percent.png"), full_page=True)
    context.close()


def test_keyboard_only_learner_reaches_the_lesson(live_server, phone, seeded):
    page = phone
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "本文へ移動" in focused  # the skip link comes first
    page.keyboard.press("Enter")
    page.goto(live_server.url + seeded.url)
    button = page.get_by_role("button", name="受講を始める")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/tsunagari-supporter/[\w-]+/$"))
    assert page.locator("h1").is_visible()
