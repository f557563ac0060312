"""Builders for test data: small, focused page trees and areas, made in each test."""

import itertools

from django.contrib.auth import get_user_model
from wagtail.models import Site

from base.pages import ensure_root_page
from courses.models import ConsultationWindow, CoursePage, LessonPage
from organizations.models import Municipality, Prefecture
from website.models import HomePage

_counter = itertools.count(1)


def prefecture(code="27", name="大阪府"):
    pref, _created = Prefecture.objects.get_or_create(
        code=code, defaults={"lgcode": f"{code}0000", "name": name}
    )
    return pref


def municipality(code="271004", name="大阪市", pref=None, parent=None, kind="city"):
    pref = pref or prefecture()
    obj, _created = Municipality.objects.get_or_create(
        code=code,
        defaults={"prefecture": pref, "name": name, "parent": parent, "kind": kind},
    )
    return obj


def home_page() -> HomePage:
    home = HomePage.objects.first()
    if home is not None:
        return home
    root = ensure_root_page()
    for page in root.get_children():
        if page.slug == "home":
            page.delete()
    home = HomePage(title="ホーム", slug="home")
    root.add_child(instance=home)
    site = Site.objects.filter(is_default_site=True).first()
    if site:
        site.root_page = home
        site.save()
    else:
        Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    return home


def paragraph(text: str):
    return ("paragraph", f"<p>{text}</p>")


def course(*, title=None, audience="citizen", lessons=3, bodies=None, home=None) -> CoursePage:
    """A published course with ``lessons`` published lessons (bodies default to one paragraph)."""
    n = next(_counter)
    home = home or home_page()
    page = CoursePage(
        title=title or f"コース{n}",
        slug=f"course-{n}",
        audience=audience,
        course_code=f"C{n}",
        summary="概要",
        estimated_minutes=10,
    )
    home.add_child(instance=page)
    for i in range(lessons):
        body = bodies[i] if bodies else [paragraph(f"レッスン{i + 1}の本文")]
        lesson = LessonPage(title=f"レッスン{i + 1}", slug=f"lesson-{i + 1}", body=body)
        page.add_child(instance=lesson)
    return page


def lessons_of(course_page: CoursePage) -> list[LessonPage]:
    return list(course_page.get_lessons())


def window(name="地域包括支援センター", municipality=None, **fields):
    """A window learners can reach: windows with neither phone nor website are never shown."""
    if not fields.get("phone") and not fields.get("url"):
        fields.setdefault("phone", "06-0000-0000")
    return ConsultationWindow.objects.create(name=name, municipality=municipality, **fields)


def user(username=None, password="pass-Word-123", **fields):
    username = username or f"user{next(_counter)}"
    obj = get_user_model().objects.create_user(username=username, password=password, **fields)
    obj.raw_password = password
    return obj


def quiz(course_page, *, questions=None, **settings_):
    """A live quiz under ``course_page``. ``questions``: list of (kind, [(text, correct)...])."""
    from quizzes.models import Choice, Question, QuizPage

    page = QuizPage(title="確認テスト", slug="quiz", **settings_)
    course_page.add_child(instance=page)
    if questions is None:
        questions = [
            ("single", [("正しい", True), ("まちがい", False), ("べつのまちがい", False)]),
            ("true_false", [("○", True), ("×", False)]),
        ]
    for order, (kind, choices) in enumerate(questions):
        question = Question(
            quiz=page,
            kind=kind,
            stem=f"<p>問題{order + 1}</p>",
            sort_order=order,
            partial_credit=kind == "multiple_partial",
        )
        if kind == "multiple_partial":
            question.kind = "multiple"
        question.save()
        for text, correct in choices:
            Choice.objects.create(question=question, text=text, is_correct=correct)
    return page


def completion(course_page, *, municipality=None, attendee_type="general", at=None):
    """Complete ``course_page`` as a new anonymous learner, through the real services, at ``at``
    (an aware datetime; now when omitted). Returns the Completion."""
    from unittest import mock

    from django.utils import timezone

    from courses import services
    from organizations.models import Learner

    learner = Learner.objects.create(municipality=municipality, attendee_type=attendee_type)
    with mock.patch.object(services.timezone, "now", return_value=at or timezone.now()):
        result = None
        for lesson in lessons_of(course_page):
            result = services.enrollment_complete_lesson(learner=learner, lesson=lesson)
    return result.completion


def training_session(course_page, *, municipality, held_on, organiser="市民講座", **counts):
    """A reported in-person session saved through the service (national scope)."""
    from organizations.scopes import NATION
    from reports.models import TrainingSession
    from reports.services import training_session_save

    session = TrainingSession(
        held_on=held_on,
        municipality=municipality,
        organiser_type="municipality",
        organiser_name=organiser,
        course=course_page,
        instructor_name="講師",
        **(counts or {"attendees_general": 10}),
    )
    return training_session_save(session=session, scope=NATION)
