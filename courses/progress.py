"""Read side of learning progress for pages: what the learner has done in a course.

Each function issues a fixed, small number of queries whatever the number of lessons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from organizations.learners import current_learner

from .records import Enrollment, ReflectionNote

if TYPE_CHECKING:
    from .models import LessonPage


@dataclass
class CourseProgress:
    lessons: list = field(default_factory=list)  # [(lesson, status)] status: "", started, completed
    enrollment: Enrollment | None = None
    completed_count: int = 0

    @property
    def total(self) -> int:
        return len(self.lessons)

    @property
    def percent(self) -> int:
        return round(100 * self.completed_count / self.total) if self.total else 0

    @property
    def is_completed(self) -> bool:
        return bool(self.enrollment and self.enrollment.completed_at)

    @property
    def resume_lesson(self) -> LessonPage | None:
        """Where to carry on: the last lesson opened if unfinished, else the first unfinished."""
        if not self.lessons:
            return None
        statuses = {lesson.pk: status for lesson, status in self.lessons}
        last_id = self.enrollment.last_lesson_id if self.enrollment else None
        if last_id in statuses and statuses[last_id] != "completed":
            return next(lesson for lesson, _s in self.lessons if lesson.pk == last_id)
        for lesson, status in self.lessons:
            if status != "completed":
                return lesson
        return None


def progress_for(learner, course, lessons=None) -> CourseProgress:
    """The progress of ``learner`` (may be None) through ``course``."""
    lessons = list(lessons if lessons is not None else course.lesson_list())
    enrollment = None
    status_by_lesson = {}
    if learner is not None:
        enrollment, status_by_lesson = _enrollment_and_statuses(learner, course)
    entries = [(lesson, status_by_lesson.get(lesson.pk, "")) for lesson in lessons]
    completed = sum(1 for _lesson, status in entries if status == "completed")
    return CourseProgress(lessons=entries, enrollment=enrollment, completed_count=completed)


_ENROLLMENT_COLUMNS = [field.attname for field in Enrollment._meta.concrete_fields]


def _enrollment_and_statuses(learner, course) -> tuple[Enrollment | None, dict]:
    """The learner's enrollment in ``course`` and each lesson's status, in one query: the
    enrollment's row once per lesson progress row (a LEFT JOIN), or alone when there is none."""
    rows = Enrollment.objects.filter(learner=learner, course=course).values_list(
        *_ENROLLMENT_COLUMNS, "lesson_progress__lesson_id", "lesson_progress__completed_at"
    )
    enrollment = None
    statuses = {}
    width = len(_ENROLLMENT_COLUMNS)
    for row in rows:
        if enrollment is None:
            enrollment = Enrollment.from_db(rows.db, _ENROLLMENT_COLUMNS, row[:width])
            enrollment.learner = learner  # the caller's object, not a copy to fetch again
        lesson_id, completed_at = row[width:]
        if lesson_id is not None:
            statuses[lesson_id] = "completed" if completed_at else "started"
    return enrollment, statuses


def course_progress(request, course) -> CourseProgress:
    return progress_for(current_learner(request), course)


def lesson_navigation(request, lesson) -> dict:
    """Context for a lesson page: its course, position "n of m", neighbours and progress."""
    course = lesson.course
    progress = course_progress(request, course)
    ids = [entry.pk for entry, _status in progress.lessons]
    index = ids.index(lesson.pk) if lesson.pk in ids else 0
    lessons = [entry for entry, _status in progress.lessons]
    return {
        "course": course,
        "progress": progress,
        "lesson_number": index + 1,
        "lesson_count": len(lessons),
        "previous_lesson": lessons[index - 1] if index > 0 else None,
        "next_lesson": lessons[index + 1] if index + 1 < len(lessons) else None,
        "lesson_status": {entry.pk: status for entry, status in progress.lessons}.get(
            lesson.pk, ""
        ),
    }


def saved_reflections(request, lesson) -> list:
    """個人ワーク answers this learner chose to keep on the server, for one lesson."""
    learner = current_learner(request)
    if learner is None or not lesson.has_reflections:
        return []
    return list(ReflectionNote.objects.filter(learner=learner, lesson=lesson))
