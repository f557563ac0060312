"""A staff member logs in, finds the overdue assignment first on /my/, completes it."""

import re

import pytest
from django.core.management import call_command

from .conftest import ARTIFACTS, axe_violations

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True  # demo accounts exist only in development
    call_command("seed_demo", verbosity=0)
    settings.DEBUG = False


def test_staff_member_completes_the_overdue_assignment(live_server, browser, seeded):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = context.new_page()
    try:
        page.goto(live_server.url + "/accounts/login/?next=/my/")
        page.fill("input[name=username]", "staff01")
        page.fill("input[name=password]", "changeme")
        page.get_by_role("button", name="ログインする").click()
        page.wait_for_url(re.compile(r"/my/$"))

        section = page.locator("section.assignments")
        cards = section.locator("li.course-card")
        assert cards.count() == 2
        first = cards.nth(0)
        assert "ふりかえり研修" in first.inner_text()
        assert "期限を過ぎています" in first.inner_text()
        assert "期限まであと" in cards.nth(1).inner_text()
        assert axe_violations(page) == []

        first.get_by_role("link").click()
        page.get_by_role("button", name="受講を始める").click()
        for _lesson in range(10):
            page.get_by_role("button", name=re.compile("このレッスンを完了")).click()
            if "修了しました" in page.content():
                break
        assert "修了しました" in page.content()

        page.goto(live_server.url + "/my/")
        cards = page.locator("section.assignments li.course-card")
        done = [cards.nth(i).inner_text() for i in range(cards.count())]
        # The remaining assignment is now the most urgent; the finished one is last and done.
        assert "職員向け 孤独・孤立対策研修" in done[0]
        assert "ふりかえり研修" in done[-1] and "修了しました" in done[-1]
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "staff-journey.png"), full_page=True)
        context.close()
