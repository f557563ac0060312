"""The children's course reads at a child's level: every kanji a child sees carries its reading.

The course is the seeded one (courses/seed_content/children.py), walked as a child walks it:
the course page before and after starting, each lesson, the quiz, a failed and a passed result,
the certificate form and the certificate itself.
"""

import io
import re
from datetime import date

import pytest
from bs4 import BeautifulSoup, NavigableString
from django.urls import reverse
from pypdf import PdfReader

from certificates.models import Certificate
from certificates.rendering import cards_pdf, certificate_pdf, certificate_text
from courses import wording
from courses.models import CoursePage
from courses.seed_content.children import COURSE as CHILDREN_COURSE
from courses.seed_content.citizen import COURSE as CITIZEN_COURSE
from quizzes.models import Attempt, QuizPage
from quizzes.tokens import choice_token
from tests import factories
from tsunagari.management.commands.seed_demo import Command as SeedDemo

KANJI = re.compile(r"[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF々〆]")
# The longest ruby base: longer runs are phrases, and a child looking up one word would have
# to read the reading of the whole phrase.
LONGEST_BASE = 4
# Inside these a kanji is the data of a place or a person (municipality names in a select,
# consultation windows with their official names), not wording the course can give readings to.
NOT_WORDING = ("select", "script", "style", "textarea")
NOT_WORDING_CLASSES = ("window__name", "window__topics", "window__value", "window__about")


def kanji_outside_ruby(html: str) -> list[str]:
    """Every run of text in the page's header, main content and the children's help that has
    a kanji not inside a <ruby> base, with the kanji (empty list: the page is fine)."""
    soup = BeautifulSoup(html, "html.parser")
    regions = [soup.find("header"), soup.find("main"), soup.select_one(".help__children")]
    found = []
    for region in regions:
        assert region is not None, "the page lacks a region a child reads"
        for text in region.find_all(string=True):
            if not isinstance(text, NavigableString) or not KANJI.search(text):
                continue
            if any(parent.name in NOT_WORDING for parent in text.parents):
                continue
            if any(
                set(parent.get("class") or ()) & set(NOT_WORDING_CLASSES) for parent in text.parents
            ):
                continue
            if text.find_parent("ruby") is not None and text.find_parent("rt") is None:
                continue
            found.append(text.strip())
    return found


def long_ruby_bases(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    bases = []
    for ruby in soup.find_all("ruby"):
        base = "".join(t for t in ruby.find_all(string=True, recursive=False))
        if len(base) > LONGEST_BASE:
            bases.append(base)
    return bases


def assert_child_can_read(response, where: str):
    assert response.status_code == 200, where
    html = response.content.decode()
    assert kanji_outside_ruby(html) == [], where
    assert long_ruby_bases(html) == [], where


@pytest.fixture
def children_course(db):
    factories.municipality()  # the claim form offers a municipality
    seed = SeedDemo()
    seed.created = []
    home = seed.install_home()
    seed.install_windows()
    return seed.install_course(home, CHILDREN_COURSE)


def answers(attempt, *, right: bool) -> dict:
    data = {"action": "submit", "attempt": str(attempt.public_id)}
    for answer in attempt.answers.select_related("question"):
        choices = list(answer.question.choices.all())
        pick = [c for c in choices if c.is_correct == right] or choices[:1]
        if answer.question.kind != "multiple":
            pick = pick[:1]
        data[f"q-{answer.question_id}"] = [choice_token(attempt.public_id, c.pk) for c in pick]
    return data


def test_every_page_of_the_childrens_course_has_readings_on_every_kanji(client, children_course):
    course = children_course
    assert_child_can_read(client.get(course.url), "course page, not started")
    start = client.post(course.url)
    assert start.status_code == 302
    assert_child_can_read(client.get(course.url), "course page, started")
    for lesson in course.get_lessons():
        assert_child_can_read(client.get(lesson.url), f"lesson {lesson.slug}")
        reflections = [block.id for block in lesson.body if block.block_type == "reflection"]
        if reflections:
            saved = client.post(
                reverse("save-reflection", args=[lesson.pk]),
                {"block_id": reflections[0], "text": "メモ"},
            )
            assert saved.status_code == 302
            assert_child_can_read(client.get(lesson.url), f"lesson {lesson.slug}, answer saved")
        assert client.post(lesson.url, {"action": "complete"}).status_code == 302
    quiz = QuizPage.objects.child_of(course).get()
    assert_child_can_read(client.get(quiz.url), "quiz page")
    client.post(quiz.url, {"action": "start"})
    attempt = Attempt.objects.filter(submitted_at__isnull=True).latest("started_at")
    assert_child_can_read(client.get(quiz.url), "quiz questions")
    failed = client.post(quiz.url, answers(attempt, right=False))
    assert_child_can_read(client.get(failed.url), "result, failed")
    assert_child_can_read(client.get(quiz.url), "quiz page with the failed attempt")
    client.post(quiz.url, {"action": "start"})
    attempt = Attempt.objects.filter(submitted_at__isnull=True).latest("started_at")
    passed = client.post(quiz.url, answers(attempt, right=True))
    result = client.get(passed.url)
    assert "合格" in result.content.decode()
    assert_child_can_read(result, "result, passed")
    assert_child_can_read(client.get(course.url), "course page, completed")

    certificate = Certificate.objects.get()
    claim = client.get(f"/certificates/{certificate.code}/receive/")
    assert_child_can_read(claim, "certificate claim form")
    assert "ニックネーム" in claim.content.decode()
    issued = client.post(
        f"/certificates/{certificate.code}/receive/", {"display_name": "ハル"}, follow=True
    )
    assert_child_can_read(issued, "the child's certificate page")
    certificate.refresh_from_db()
    assert certificate.name_printed == "ハル"


def test_the_childrens_buttons_and_headings_are_worded_for_children(client, children_course):
    course = children_course
    page = client.get(course.url).content.decode()
    assert "<ruby>始<rp>（</rp><rt>はじ</rt><rp>）</rp></ruby>める" in page
    assert "受講を始める" not in page
    client.post(course.url)
    lesson = course.get_lessons().first()
    html = client.get(lesson.url).content.decode()
    assert "このレッスンを完了して次へ進む" not in html
    assert "<rt>すす</rt>" in html  # このレッスンを 終《お》えて、つぎへ 進《すす》む
    assert "個人ワーク" not in html and "事例" not in re.sub(r"<[^>]+>", "", html)
    assert "ほかの人" in re.sub(r"<rp>.*?</rp>|<rt>.*?</rt>|<[^>]+>", "", html)
    # The help in the footer: the line for under-18s comes before the lines for adults.
    soup = BeautifulSoup(html, "html.parser")
    help_section = soup.select_one(".help")
    links = [a["href"] for a in help_section.find_all("a")]
    assert links.index("https://www.notalone-cao.go.jp/under18/") < links.index(
        "https://www.notalone-cao.go.jp/"
    )


def test_a_general_course_keeps_its_general_wording(client, db):
    seed = SeedDemo()
    seed.created = []
    course = seed.install_course(seed.install_home(), CITIZEN_COURSE)
    page = client.get(course.url).content.decode()
    assert "受講を始める" in page and "<ruby>" not in page
    client.post(course.url)
    html = client.get(course.get_lessons().first().url).content.decode()
    assert "このレッスンを完了して次へ進む" in html
    assert "help__children" not in html


def test_in_english_the_childrens_course_falls_back_to_the_general_translation(
    client, children_course
):
    client.cookies["django_language"] = "en"
    page = client.get(children_course.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Start the course" in page


def kanji_without_reading(text: str) -> str:
    """The kanji of ``text`` that are not the base of a 漢字《かんじ》 reading."""
    return "".join(KANJI.findall(re.sub(r"(?:｜[^《]+|[\u3400-\u9FFF々]+)《[^》]+》", "", text)))


def test_the_childrens_certificate_and_card_print_readings_in_a_childs_words(children_course):
    CoursePage.objects.filter(pk=children_course.pk).update(quiz_required=False)
    course = CoursePage.objects.get(pk=children_course.pk)
    certificate = factories.completion(course).certificate
    certificate.name_printed = "ハル"
    certificate.save()
    content, _images = certificate_text(certificate)
    # The name is the child's own; the issuer is the operator's official name.
    for text in (content.title, content.body, content.printed_date, content.serial_label):
        assert text and kanji_without_reading(text) == "", text
    assert content.honorific == "さん" and "さいごまで" in content.body
    # The verification page (read by adults) shows the course and date without notation.
    assert "《" not in content.course_title and "《" not in content.date_text

    pdf_text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(certificate_pdf(certificate))).pages
    )
    assert "しゅうりょうしょう" in pdf_text and "ハル" in pdf_text
    assert "《" not in pdf_text and "》" not in pdf_text
    card_text = PdfReader(io.BytesIO(cards_pdf(certificate))).pages[0].extract_text()
    assert "《" not in card_text and "こうざ" in card_text


def test_a_citizens_certificate_keeps_its_formal_wording(db):
    seed = SeedDemo()
    seed.created = []
    course = seed.install_course(seed.install_home(), CITIZEN_COURSE)
    CoursePage.objects.filter(pk=course.pk).update(quiz_required=False)
    course = CoursePage.objects.get(pk=course.pk)
    content, _images = certificate_text(factories.completion(course).certificate)
    assert content.title == "修了証" and not content.ruby and content.honorific == "様"
    assert "課程を修了した" in content.body


def test_the_catalogue_covers_every_key_the_templates_ask_for():
    from pathlib import Path

    root = Path(__file__).parents[2]
    keys = set()
    for path in (root / "templates").rglob("*.html"):
        keys |= set(re.findall(r'{% wording "([a-z0-9_]+)"', path.read_text()))
    for path in [
        *root.glob("*/hooks.py"),
        root / "courses" / "views.py",
        root / "certificates" / "views.py",
    ]:
        keys |= set(re.findall(r'for_course\(\s*course,\s*"([a-z0-9_]+)"', path.read_text()))
    assert keys and keys <= set(wording.CHILDREN), keys - set(wording.CHILDREN)


def test_every_childrens_entry_has_readings_split_word_by_word():
    for key, text in wording.CHILDREN.items():
        assert kanji_without_reading(text) == "", key
        for base in re.findall(r"([\u3400-\u9FFF々]+)《", text):
            assert len(base) <= LONGEST_BASE, (key, base)


def test_readings_of_minutes_and_dates_follow_the_number():
    assert wording.minutes_with_ruby(5) == "5分《ふん》"
    assert wording.minutes_with_ruby(4) == "4分《ぷん》"
    assert wording.date_with_ruby(date(2026, 4, 1)) == "2026年《ねん》4月《しがつ》1日《ついたち》"
    assert wording.date_with_ruby(date(2026, 12, 15)) == "2026年《ねん》12月《がつ》15日《にち》"


@pytest.fixture
def national_admin(django_user_model):
    return django_user_model.objects.create_superuser("national", password="pw-Secret-1")


def test_readings_never_reach_the_admin_choosers_or_exports(
    client, children_course, national_admin
):
    course = children_course
    lesson = course.get_lessons().first()
    assert str(course) == "こども向け つながりサポーター講座"
    assert course.get_admin_display_title() == "こども向け つながりサポーター講座"
    assert "《" not in str(lesson) and "《" not in str(QuizPage.objects.child_of(course).get())
    client.force_login(national_admin)
    for url in (
        f"/admin/pages/{course.get_parent().pk}/",  # the explorer: the course among its siblings
        f"/admin/pages/{course.pk}/",  # the course's lessons
        f"/admin/choose-page/{course.pk}/",  # the page chooser
        f"/admin/pages/{lesson.pk}/edit/",  # breadcrumbs and header of the editor
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        # What an editor types (form values) keeps the readings; what the admin shows does not.
        shown = re.sub(
            r'<textarea.*?</textarea>|value="[^"]*"|data-[a-z-]+="[^"]*"',
            "",
            response.content.decode(),
            flags=re.S,
        )
        assert "《" not in shown, url

    factories.training_session(
        course, municipality=factories.municipality(), held_on=date(2025, 5, 20), attendees_child=8
    )
    response = client.get("/admin/trainingsession/?export=csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert "こども向け つながりサポーター講座" in body and "《" not in body


def test_completing_a_childrens_course_without_a_quiz_congratulates_in_a_childs_words(
    client, children_course
):
    CoursePage.objects.filter(pk=children_course.pk).update(quiz_required=False)
    course = CoursePage.objects.get(pk=children_course.pk)
    client.post(course.url)
    response = None
    for lesson in course.get_lessons():
        response = client.post(lesson.url, {"action": "complete"}, follow=True)
    assert_child_can_read(response, "course page, just completed")
    assert "おめでとう！" in response.content.decode()
