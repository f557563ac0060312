"""Read side of learning progress for pages: what the learner has done in a course.

Each function issues a fixed, small number of queries whatever the number of lessons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from organizations.learners import current_learner

from .records import Enrollment, LessonProgress, ReflectionNote

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


# The two queries of every learner's lesson page, written out in SQL (Django's documented
# ``raw()``): building and compiling them through the ORM cost several times what running them
# does (docs/benchmarks.md, "Learner's lesson page: profile").
_STATUSES_SQL = (
    "SELECT e.*, p.lesson_id AS progress_lesson_id, p.completed_at AS progress_completed_at"  # noqa: S608 - our table names, values are parameters
    f" FROM {Enrollment._meta.db_table} e"
    f" LEFT JOIN {LessonProgress._meta.db_table} p ON p.enrollment_id = e.id"
    " WHERE e.learner_id = %s AND e.course_id = %s"
)
_NOTES_SQL = (
    f"SELECT * FROM {ReflectionNote._meta.db_table}"  # noqa: S608 - as above
    " WHERE learner_id = %s AND lesson_id = %s ORDER BY id"
)


def _enrollment_and_statuses(learner, course) -> tuple[Enrollment | None, dict]:
    """The learner's enrollment in ``course`` and each lesson's status, in one query: the
    enrollment's row once per lesson progress row (a LEFT JOIN), or alone when there is none."""
    enrollment = None
    statuses = {}
    for row in Enrollment.objects.raw(_STATUSES_SQL, [learner.pk, course.pk]):
        if enrollment is None:
            enrollment = row
            enrollment.learner = learner  # the caller's object, not a copy to fetch again
        if row.progress_lesson_id is not None:
            statuses[row.progress_lesson_id] = (
                "completed" if row.progress_completed_at else "started"
            )
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
    return list(ReflectionNote.objects.raw(_NOTES_SQL, [learner.pk, lesson.pk]))
