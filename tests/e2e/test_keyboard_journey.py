"""Journey 1 without a mouse: a citizen takes the whole course, the quiz and the certificate
with the keyboard only (Tab, Shift+Tab, Enter, Space, arrow keys), on a phone-sized screen."""

import re

import pytest
from django.core.management import call_command

from certificates.models import Certificate
from courses.models import Completion, CoursePage
from quizzes.models import Attempt, Choice
from quizzes.tokens import choice_token

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def seeded():
    call_command("seed_demo", "--no-demo-users", verbosity=0)
    return CoursePage.objects.get(course_code="TS")


def focused(page) -> dict:
    return page.evaluate(
        """() => { const e = document.activeElement;
            return {tag: e.tagName, text: (e.innerText || e.value || '').trim(),
                    type: e.type || '', value: e.value || '', label: e.labels && e.labels[0]
                    ? e.labels[0].innerText.trim() : '', visible: e.offsetParent !== null}; }"""
    )


def tab_to(page, matches, *, limit=200):
    """Press Tab until the focused element satisfies ``matches``; fail if it never does."""
    for _press in range(limit):
        page.keyboard.press("Tab")
        element = focused(page)
        if matches(element):
            assert element["visible"], element  # focus never lands on something unseen
            return element
    raise AssertionError("not reachable with the keyboard")


def choose_with_arrows(page, text, *, limit=2500):
    """In the focused <select>, move with ArrowDown until ``text`` is selected."""
    for _press in range(limit):
        selected = page.evaluate(
            "() => { const s = document.activeElement; return s.options[s.selectedIndex].text; }"
        )
        if selected.strip() == text:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{text} cannot be chosen with the keyboard")


def press_button(page, name):
    tab_to(page, lambda e: e["tag"] in ("BUTTON", "A") and name in e["text"])
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_keyboard_only_citizen_completes_course_quiz_and_certificate(live_server, phone, seeded):
    page = phone
    page.goto(live_server.url + seeded.url)
    press_button(page, "受講を始める")
    for _lesson in range(seeded.get_lessons().count()):
        press_button(page, "このレッスンを完了")
    page.wait_for_url(re.compile(r"/quiz/"))
    press_button(page, "テストを始める")

    # Each question: focus its first choice with Tab, move to the right one with the arrow
    # keys (radio groups) or tick each right one with Space (checkboxes).
    attempt = Attempt.objects.get(submitted_at__isnull=True)
    by_token = {
        choice_token(attempt.public_id, pk): pk
        for pk in Choice.objects.filter(question__quiz=attempt.quiz).values_list("pk", flat=True)
    }
    for fieldset in page.locator("fieldset.question").all():
        inputs = fieldset.locator("input").all()
        ids = [by_token[i.get_attribute("value")] for i in inputs]
        right = set(Choice.objects.filter(pk__in=ids, is_correct=True).values_list("pk", flat=True))
        first_id = inputs[0].get_attribute("id")
        tab_to(page, lambda e, first_id=first_id: e["tag"] == "INPUT")
        assert page.evaluate("document.activeElement.id") in [i.get_attribute("id") for i in inputs]
        kind = inputs[0].get_attribute("type")
        current = ids.index(by_token[focused(page)["value"]])
        if kind == "radio":
            target = next(index for index, pk in enumerate(ids) if pk in right)
            for _step in range(target - current):
                page.keyboard.press("ArrowDown")
            for _step in range(current - target):
                page.keyboard.press("ArrowUp")
            page.keyboard.press("Space")
        else:
            for index, pk in enumerate(ids):
                if index > current:
                    page.keyboard.press("Tab")
                if pk in right:
                    page.keyboard.press("Space")
        assert first_id
    press_button(page, "採点する")
    assert "合格です" in page.locator(".result").inner_text()
    assert Completion.objects.count() == 1

    press_button(page, "修了証を受け取る")
    tab_to(page, lambda e: e["label"].startswith("都道府県"))
    choose_with_arrows(page, "大阪府")
    tab_to(page, lambda e: "市区町村" in e["label"])
    choose_with_arrows(page, "大阪市")
    tab_to(page, lambda e: "氏名" in e["label"])
    page.keyboard.type("キーボード 太郎")
    press_button(page, "この内容で修了証を発行する")
    certificate = Certificate.objects.get()
    assert certificate.name_printed == "キーボード 太郎"
    assert certificate.completion.municipality.code == "271004"
