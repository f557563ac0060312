"""A staff member runs a bought-in SCORM 1.2 package to completion in Chromium: the SCORM API
(scorm-again) in the launch page, the package in its sandboxed frame, commits to this site."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model

from courses.models import Completion
from scorm.models import ScormAttempt
from tests.courses.staff_helpers import assign, roster, staff_course
from tests.scorm.builders import package, scorm_page

from .conftest import ARTIFACTS, axe_violations

# Like every browser test: real transactions (the live server reads what the test writes),
# and serialized rollback, which puts the migrated rows back for the next one; a flush without
# it would leave Django's post-migrate rows for the next test's restore to collide with.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def assigned():
    from tests import factories

    osaka = factories.municipality()
    staff = roster(osaka, [("1001", "職員 一郎", "総務課")])["1001"]
    user = get_user_model().objects.get(pk=staff.learner.user_id)
    user.set_password("pw-Secret-1")
    user.save()
    course = staff_course(lessons=0)
    page = scorm_page(course, package())
    assign(osaka, course, target="all", starts_on=dt.date(2025, 4, 1), due_on=dt.date(2099, 3, 31))
    return {"user": user, "staff": staff, "course": course, "page": page}


def test_staff_member_runs_a_scorm_package_to_completion(live_server, browser, assigned):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    commits = []
    page.on("response", lambda r: commits.append(r.status) if "/scorm/commit/" in r.url else None)
    # Every request answered: LMSFinish's commit (sent by sendBeacon) included.
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.request.method} {r.url}") if r.status >= 400 else None
        ),
    )
    try:
        page.goto(live_server.url + "/accounts/login/?next=" + assigned["page"].url)
        page.fill("input[name=username]", assigned["user"].username)
        page.fill("input[name=password]", "pw-Secret-1")
        page.get_by_role("button", name="ログインする").click()
        page.wait_for_url(re.compile(re.escape(assigned["page"].url) + "$"))
        assert axe_violations(page) == []

        sco = page.frame_locator("#scorm-frame")
        sco.locator("#entry").filter(has_text="entry:ab-initio").wait_for()
        sco.get_by_role("button", name="次へ").click()
        sco.locator("#done").filter(has_text="commit:true").wait_for()
        attempt = ScormAttempt.objects.get(learner=assigned["staff"].learner)
        assert attempt.lesson_location == "page-2"
        assert attempt.suspend_data == "step=2;答え=はい"
        assert attempt.lesson_status == "incomplete"

        # Leave and come back: the package resumes where the learner left it.
        page.reload()
        sco = page.frame_locator("#scorm-frame")
        sco.locator("#entry").filter(has_text="entry:resume").wait_for()
        assert "resume:step=2;答え=はい|page-2" in sco.locator("#resume").inner_text()

        before = len(commits)
        sco.get_by_role("button", name="修了する").click()
        sco.locator("#done").filter(has_text="finish:truetrue").wait_for()
        # LMSCommit, then LMSFinish's own commit (a beacon): both answered before reading.
        for _wait in range(100):
            if len(commits) >= before + 2:
                break
            page.wait_for_timeout(100)
        assert commits[before:] == [200, 200]
        attempt.refresh_from_db()
        assert attempt.lesson_status == "passed"
        assert str(attempt.score_raw) == "90.00"
        assert attempt.total_seconds == 90 + 120  # two launches: 1:30, then 2:00
        completion = Completion.objects.get(course=assigned["course"])
        assert completion.learner == assigned["staff"].learner

        page.goto(live_server.url + "/my/")
        cards = page.locator("section.assignments li.course-card")
        assert "修了しました" in cards.nth(0).inner_text()
        assert errors == []
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "scorm-journey.png"), full_page=True)
        context.close()
