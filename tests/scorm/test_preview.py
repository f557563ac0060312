"""An editor's preview of a SCORM page shows the package but records nothing (no learner,
enrollment or attempt, and its API sends no commits), as a lesson's preview records no
progress (tests/courses/test_preview.py); opening the published page does record."""

import json
import re

import pytest
from django.test import Client, RequestFactory

from courses.models import Enrollment
from organizations.models import Learner
from scorm.records import ScormAttempt
from tests import factories

pytestmark = pytest.mark.django_db


def preview_of(page, user):
    """What Wagtail's preview view answers (PreviewOnEdit: ``serve_preview`` through the
    middleware with the editor's own session), for the page's draft."""
    browser = Client()
    browser.force_login(user)
    page.intro = "下書きの説明"
    page.save_revision(user=user)
    draft = page.get_latest_revision_as_object()
    original = RequestFactory().get(page.url)
    original.COOKIES = dict(browser.cookies.items())
    original.META["HTTP_COOKIE"] = browser.cookies.output(header="", sep=";").strip()
    return browser, draft.make_preview_request(original, draft.default_preview_mode)


def launch_data(response) -> dict:
    content = response.content.decode()
    found = re.search(
        r'<script id="scorm-launch-data" type="application/json">(.*?)</script>', content
    )
    return json.loads(found.group(1))


def test_previewing_a_scorm_page_records_nothing_and_a_real_launch_does(world):
    editor = factories.user(is_staff=True, is_superuser=True)
    browser, preview = preview_of(world["page"], editor)
    assert preview.status_code == 200
    content = preview.content.decode()
    assert "下書きの説明" in content
    assert "プレビューです。教材を進めても受講の記録は残りません。" in content
    data = launch_data(preview)
    assert data["preview"] is True and data["commitUrl"] == ""
    assert data["launchUrl"].startswith(f"/scorm/{world['package'].pk}/")
    assert data["cmi"]["core"]["entry"] == "ab-initio"
    assert not ScormAttempt.objects.exists()
    assert not Enrollment.objects.filter(course=world["course"]).exists()
    assert not Learner.objects.filter(user=editor).exists()

    # The published page, opened for real, does record the launch.
    response = browser.get(world["page"].url)
    assert response.status_code == 200
    assert launch_data(response)["commitUrl"].startswith("/scorm/")
    assert ScormAttempt.objects.filter(learner__user=editor).count() == 1


def test_an_assigned_staff_member_who_also_edits_keeps_no_preview_attempt(world):
    """Someone both assigned the course and allowed to edit it: their preview neither starts
    their course nor shows their own progress."""
    user = world["assigned_user"]
    user.is_superuser = user.is_staff = True
    user.save()
    _browser, preview = preview_of(world["page"], user)
    assert preview.status_code == 200
    assert not ScormAttempt.objects.exists()
    assert not Enrollment.objects.filter(course=world["course"]).exists()
