import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from wagtail.models import Page

from courses.models import Audience, ConsultationWindow, CoursePage, LessonPage
from events.models import PlannedCourse
from organizations.models import AdminScope, Department
from organizations.units import department_path_names
from quizzes.models import Question, QuizPage
from website.models import StandardPage


def content_snapshot():
    pages = [
        (page.specific_class.__name__, page.url_path, page.title, page.live)
        for page in Page.objects.order_by("path")
    ]
    lessons = [
        (lesson.slug, list(lesson.body.raw_data)) for lesson in LessonPage.objects.order_by("path")
    ]
    windows = list(ConsultationWindow.objects.order_by("pk").values_list("name", "municipality_id"))
    return pages, lessons, windows


@pytest.mark.django_db
def test_seed_demo_installs_the_three_courses_and_twice_leaves_the_same_content(settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    first = content_snapshot()
    call_command("seed_demo", verbosity=0)
    assert content_snapshot() == first

    # The short staff refresher (STF2) has no quiz; the checks below are about the main courses.
    courses = {
        course.audience: course for course in CoursePage.objects.live().exclude(course_code="STF2")
    }
    assert set(courses) == {Audience.CITIZEN, Audience.CHILDREN, Audience.STAFF}
    assert courses[Audience.CITIZEN].get_lessons().count() >= 5
    assert courses[Audience.CHILDREN].get_lessons().count() >= 3
    assert courses[Audience.STAFF].get_lessons().count() >= 4
    children_text = " ".join(
        str(lesson.body.raw_data) for lesson in courses[Audience.CHILDREN].get_lessons()
    )
    assert "《" in children_text  # furigana for the children's course
    for course, minimum in (
        (courses[Audience.CITIZEN], 8),
        (courses[Audience.CHILDREN], 5),
        (courses[Audience.STAFF], 8),
    ):
        quiz = QuizPage.objects.child_of(course).get()
        assert Question.objects.filter(quiz=quiz).count() >= minimum
    assert StandardPage.objects.filter(slug__in=["privacy", "accessibility"]).count() == 2
    assert ConsultationWindow.objects.filter(municipality__isnull=True).exists()
    assert ConsultationWindow.objects.filter(municipality__code="271004").count() >= 5

    users = get_user_model().objects
    assert users.get(username="admin").is_superuser
    assert AdminScope.objects.get(user__username="osaka-admin").municipality.code == "271004"
    assert users.get(username="staff01").learner.municipality.code == "271004"
    manager_scope = AdminScope.objects.get(user__username="osaka-manager")
    assert manager_scope.level == "department"
    # Demo logins plus the accounts of staff01's colleagues on the demo roster.
    assert users.filter(password__startswith="!").count() == 4
    assert users.count() == 9
    # The demo organiser's public course is on 「近くの講座を探す」, once.
    listed = PlannedCourse.objects.listed()
    assert listed.filter(organiser__user__username="osaka-organiser").count() == 1


@pytest.mark.django_db
def test_seed_demo_creates_no_accounts_when_debug_is_off(settings):
    settings.DEBUG = False
    call_command("seed_demo", verbosity=0)
    assert not get_user_model().objects.exists()
    assert CoursePage.objects.count() == 4


@pytest.mark.django_db
def test_seeded_site_serves_every_lesson(settings, client):
    call_command("seed_demo", verbosity=0)
    for lesson in LessonPage.objects.live():
        response = client.get(lesson.url)
        assert response.status_code == 200, lesson.url
    for slug in ("privacy", "accessibility", "about"):
        assert client.get(f"/{slug}/").status_code == 200


@pytest.mark.django_db
def test_demo_staff_member_has_one_overdue_and_one_later_assignment(settings, client):
    from courses.queries import assignments_for_learner

    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    staff = get_user_model().objects.get(username="staff01")
    items = assignments_for_learner(staff.learner)
    assert [(item.course.course_code, item.overdue) for item in items] == [
        ("STF2", True),
        ("STF", False),
    ]
    client.force_login(staff)
    page = client.get("/my/").content.decode()
    assert page.index("ふりかえり研修") < page.index("職員向け 孤独・孤立対策研修")


@pytest.mark.django_db
def test_demo_units_are_a_tree_and_the_manager_of_a_bureau_sees_its_subtree(settings, client):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    units = Department.objects.filter(municipality__code="271004")
    first = sorted(department_path_names({units.first().municipality_id}).values())
    call_command("seed_demo", verbosity=0)
    # Idempotent: the same units, none doubled.
    assert sorted(department_path_names({units.first().municipality_id}).values()) == first
    assert first == [
        "市民局",
        "市民局/区政支援室",
        "市民局/区政支援室/区政係",
        "福祉局",
        "福祉局/地域福祉課",
        "福祉局/地域福祉課/地域支援係",
        "福祉局/地域福祉課/庶務係",
        "福祉局/生活福祉課",
    ]
    staff01 = get_user_model().objects.get(username="staff01").learner.staff_member
    assert staff01.department.name == "地域支援係"
    assert staff01.department.parent.parent.name == "福祉局"
    scope = AdminScope.objects.get(user__username="osaka-manager")
    assert (scope.department.name, scope.department.parent) == ("福祉局", None)

    client.force_login(get_user_model().objects.get(username="osaka-manager"))
    html = client.get(reverse("staff_members:index")).content.decode()
    # The 局's 係 and 課 below it, not another 局.
    assert "大阪 花子" in html and "難波 さくら" in html
    assert "梅田 健" not in html and "天王寺 みどり" not in html
