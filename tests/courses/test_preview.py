"""Progress is recorded by a real visit to a lesson, never by an editor's preview of it."""

import pytest
from django.test import Client, RequestFactory

from courses import services
from courses.models import Enrollment, LessonProgress
from organizations.models import Learner
from tests import factories


@pytest.mark.django_db
def test_previewing_a_draft_lesson_records_no_progress_and_a_real_visit_does():
    course = factories.course(lessons=2)
    lesson = factories.lessons_of(course)[1]
    editor = factories.user(is_staff=True, is_superuser=True)
    learner = Learner.objects.create(user=editor)
    services.enrollment_start(learner=learner, course=course)
    # A draft: the lesson edited and saved, not published.
    lesson.title = "下書きのレッスン"
    lesson.save_revision(user=editor)
    draft = lesson.get_latest_revision_as_object()

    browser = Client()
    browser.force_login(editor)
    original = RequestFactory().get(lesson.url)
    original.COOKIES = dict(browser.cookies.items())
    original.META["HTTP_COOKIE"] = browser.cookies.output(header="", sep=";").strip()
    # What Wagtail's preview view calls (PreviewOnEdit): serve_preview through the middleware,
    # with the editor's own session.
    preview = draft.make_preview_request(original, draft.default_preview_mode)
    assert preview.status_code == 200
    assert "下書きのレッスン" in preview.content.decode()
    assert not LessonProgress.objects.filter(lesson=lesson).exists()
    assert Enrollment.objects.get(learner=learner).last_lesson_id is None

    assert browser.get(lesson.url).status_code == 200
    assert LessonProgress.objects.filter(enrollment__learner=learner, lesson=lesson).exists()
    assert Enrollment.objects.get(learner=learner).last_lesson_id == lesson.pk
