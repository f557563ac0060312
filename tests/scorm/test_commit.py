"""The SCORM 1.2 API's commits: what is stored per learner, resuming, and completing the course
once through the courses app (so 受講率 and certificates follow)."""

import json
import re

import pytest
from django.test import Client

from courses.models import Completion, Enrollment, StaffAssignee
from scorm.models import ScormAttempt

from .builders import manifest, package, package_bytes, scorm_page

pytestmark = pytest.mark.django_db


def launch(client, world):
    """Open the launch page as the browser does; the launch data it hands to launch.js."""
    response = client.get(world["page"].url)
    assert response.status_code == 200
    found = re.search(
        r'<script id="scorm-launch-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(found.group(1))


def post(client, data, body):
    return client.post(
        data["commitUrl"],
        json.dumps(body),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=data["csrfToken"],
    )


def cmi(**core):
    suspend = core.pop("suspend_data", None)
    body = {"cmi": {"core": core}}
    if suspend is not None:
        body["cmi"]["suspend_data"] = suspend
    return body


@pytest.fixture
def learner_client(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["assigned_user"])
    return client


def attempt(world):
    return ScormAttempt.objects.get(learner=world["assigned"].learner, package=world["package"])


def test_status_score_time_and_place_are_stored(learner_client, world):
    data = launch(learner_client, world)
    response = post(
        learner_client,
        data,
        cmi(
            lesson_status="incomplete",
            lesson_location="page-3",
            score={"raw": "45", "min": "0", "max": "100"},
            session_time="00:05:30.50",
            suspend_data="step=3",
        ),
    )
    assert response.status_code == 200
    assert response.json() == {
        "result": "true",
        "errorCode": 0,
        "lesson_status": "incomplete",
        "course_completed": False,
    }
    stored = attempt(world)
    assert stored.lesson_status == "incomplete"
    assert stored.lesson_location == "page-3"
    assert stored.suspend_data == "step=3"
    assert (str(stored.score_raw), str(stored.score_min), str(stored.score_max)) == (
        "45.00",
        "0.00",
        "100.00",
    )
    assert str(stored.total_seconds) == "330.50"
    # Started, not completed: 受講中.
    assert Enrollment.objects.filter(course=world["course"], completed_at=None).count() == 1


def test_session_time_adds_up_across_commits_and_launches(learner_client, world):
    data = launch(learner_client, world)
    post(learner_client, data, cmi(session_time="00:01:00"))
    post(learner_client, data, cmi(session_time="00:03:00"))  # the same launch, later
    assert attempt(world).total_seconds == 180
    again = launch(learner_client, world)
    post(learner_client, again, cmi(session_time="00:00:30"))
    assert attempt(world).total_seconds == 210


def test_the_next_launch_resumes_where_the_learner_left_off(learner_client, world):
    data = launch(learner_client, world)
    assert data["cmi"]["core"]["entry"] == "ab-initio"
    post(
        learner_client,
        data,
        cmi(
            lesson_status="incomplete",
            lesson_location="page-2",
            session_time="00:10:00",
            suspend_data="答え=はい",
        ),
    )
    resumed = launch(learner_client, world)["cmi"]
    assert resumed["core"]["entry"] == "resume"
    assert resumed["core"]["lesson_location"] == "page-2"
    assert resumed["core"]["lesson_status"] == "incomplete"
    assert resumed["core"]["total_time"] == "0000:10:00.00"
    assert resumed["suspend_data"] == "答え=はい"
    assert resumed["core"]["student_name"] == "職員 一郎"


def test_passing_completes_the_course_once(learner_client, world):
    data = launch(learner_client, world)
    first = post(learner_client, data, cmi(lesson_status="passed", score={"raw": "90"}))
    assert first.json()["course_completed"] is True
    second = post(learner_client, data, cmi(lesson_status="passed", score={"raw": "95"}))
    assert second.status_code == 200
    assert Completion.objects.filter(course=world["course"]).count() == 1
    completion = Completion.objects.get(course=world["course"])
    assert completion.learner == world["assigned"].learner
    assert completion.is_supporter is False
    # The assignment counts it (受講率), as for any staff course.
    assignee = StaffAssignee.objects.get(staff_member=world["assigned"])
    assert assignee.completed_at == completion.completed_at


def test_completed_counts_as_done_too(learner_client, world):
    data = launch(learner_client, world)
    assert post(learner_client, data, cmi(lesson_status="completed")).json()["course_completed"]


def test_failed_or_incomplete_completes_nothing(learner_client, world):
    data = launch(learner_client, world)
    post(learner_client, data, cmi(lesson_status="failed", score={"raw": "20"}))
    post(learner_client, data, cmi(lesson_status="incomplete"))
    assert not Completion.objects.exists()


def test_a_mastery_score_must_be_reached(client, world):
    pkg = package(package_bytes(manifest_xml=manifest(mastery="80")))
    page = world["page"]
    page.package = pkg
    page.save_revision().publish()
    learner_client = Client(enforce_csrf_checks=True)
    learner_client.force_login(world["assigned_user"])
    data = launch(learner_client, world)
    low = post(learner_client, data, cmi(lesson_status="passed", score={"raw": "70"}))
    assert low.json()["course_completed"] is False
    high = post(learner_client, data, cmi(lesson_status="passed", score={"raw": "80"}))
    assert high.json()["course_completed"] is True


def test_a_course_with_lessons_too_completes_when_both_are_done(world):
    from courses.services import enrollment_complete_lesson
    from tests import factories
    from tests.courses.staff_helpers import staff_course

    course = staff_course(lessons=1)
    scorm_page(course, world["package"], slug="scorm-2")
    learner = world["assigned"].learner
    lesson = factories.lessons_of(course)[0]
    result = enrollment_complete_lesson(learner=learner, lesson=lesson)
    assert result.completion is None  # the package is not done yet
    from scorm import services
    from scorm.cmi import parse_commit

    _attempt, completion = services.attempt_commit(
        learner=learner,
        package=world["package"],
        course=course,
        session_key="a" * 32,
        commit=parse_commit(cmi(lesson_status="passed")),
    )
    assert completion is not None and completion.course == course


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (cmi(lesson_status="finished"), "lesson_status"),
        (cmi(lesson_status=1), "lesson_status"),
        (cmi(score={"raw": "abc"}), "score.raw"),
        (cmi(score={"raw": "150"}), "0〜100"),
        (cmi(score={"raw": True}), "数値"),
        (cmi(score="90"), "cmi.core.score"),
        (cmi(session_time="90 minutes"), "HHHH:MM:SS.SS"),
        (cmi(session_time="00:75:00"), "HHHH:MM:SS.SS"),
        (cmi(lesson_location="x" * 256), "255"),
        (cmi(suspend_data="x" * 4097), "4,096"),
        (cmi(suspend_data=["a"]), "文字列"),
        ({"cmi": "passed"}, "オブジェクト"),
        ([1, 2], "オブジェクト"),
    ],
)
def test_a_bad_commit_is_refused_and_nothing_is_written(learner_client, world, body, words):
    data = launch(learner_client, world)
    post(learner_client, data, cmi(lesson_status="incomplete", suspend_data="kept"))
    # A commit with one good and one bad element writes neither.
    if isinstance(body, dict) and isinstance(body.get("cmi"), dict):
        body["cmi"]["core"].setdefault("lesson_location", "should-not-be-stored")
    response = post(learner_client, data, body)
    assert response.status_code == 400
    assert words in response.json()["error"]
    stored = attempt(world)
    assert (stored.lesson_status, stored.suspend_data, stored.lesson_location) == (
        "incomplete",
        "kept",
        "",
    )
    assert not Completion.objects.exists()


def test_a_body_that_is_not_json_is_refused(learner_client, world):
    data = launch(learner_client, world)
    response = learner_client.post(
        data["commitUrl"], "cmi=1", content_type="text/plain", HTTP_X_CSRFTOKEN=data["csrfToken"]
    )
    assert response.status_code == 400
    assert "JSON" in response.json()["error"]


def test_a_commit_without_the_csrf_token_is_refused(learner_client, world):
    data = launch(learner_client, world)
    response = learner_client.post(
        data["commitUrl"], json.dumps(cmi(lesson_status="passed")), content_type="application/json"
    )
    assert response.status_code == 403
    assert not Completion.objects.exists()


def test_the_finishing_commit_may_carry_the_token_in_its_body(learner_client, world):
    """LMSFinish's commit comes by sendBeacon (text/plain, no headers), the token in the body."""
    data = launch(learner_client, world)
    body = {**cmi(lesson_status="completed"), "csrf_token": data["csrfToken"]}
    response = learner_client.post(data["commitUrl"], json.dumps(body), content_type="text/plain")
    assert response.status_code == 200
    assert Completion.objects.count() == 1


def test_a_wrong_token_in_the_body_is_refused(learner_client, world):
    data = launch(learner_client, world)
    body = {**cmi(lesson_status="completed"), "csrf_token": "x" * 64}
    response = learner_client.post(data["commitUrl"], json.dumps(body), content_type="text/plain")
    assert response.status_code == 403
    assert not Completion.objects.exists()


@pytest.mark.parametrize("who", ["unassigned_user", "other_city_user"])
def test_others_cannot_commit_to_the_package(world, who):
    owner = Client(enforce_csrf_checks=True)
    owner.force_login(world["assigned_user"])
    commit_url = launch(owner, world)["commitUrl"]
    other = Client()
    other.force_login(world[who])
    response = other.post(commit_url, json.dumps(cmi(lesson_status="passed")), "application/json")
    assert response.status_code == 403
    assert not Completion.objects.exists()


def test_a_commit_for_a_replaced_package_is_refused(learner_client, world):
    data = launch(learner_client, world)
    page = world["page"]
    page.package = package()
    page.save_revision().publish()
    response = post(learner_client, data, cmi(lesson_status="passed"))
    assert response.status_code == 409


def test_the_course_page_lists_the_package_step(learner_client, world):
    response = learner_client.get(world["course"].url)
    html = response.content.decode()
    assert world["page"].title in html
    assert "教材を開く" in html


def test_the_learner_data_export_includes_the_attempt(learner_client, world):
    from wagtail import hooks

    data = launch(learner_client, world)
    post(learner_client, data, cmi(lesson_status="incomplete", suspend_data="s"))
    exported = {}
    for hook in hooks.get_hooks("learner_data_export"):
        exported.update(hook(world["assigned"].learner))
    assert exported["scorm_attempts"][0]["suspend_data"] == "s"


def test_the_training_office_sees_the_package_in_progress_then_completed(learner_client, world):
    from courses.queries import assignment_figures
    from organizations.scopes import NATION

    def figures():
        row = assignment_figures(NATION)[0]
        return row.assigned, row.in_progress, row.completed, row.completion_rate

    assert figures() == (1, 0, 0, 0.0)
    data = launch(learner_client, world)  # launching starts the course: 受講中
    assert figures() == (1, 1, 0, 0.0)
    post(learner_client, data, cmi(lesson_status="passed"))
    assert figures() == (1, 0, 1, 100.0)
