"""Writes of learning records. Each function is one transaction and the only way that write
happens; concurrency (double clicks, two tabs) is handled here with row locks and unique
constraints. Mandatory staff training has its own modules: ``courses.services.assignments``
(assignments and their people) and ``courses.services.reminders`` (reminder records).

Completion rule: a course is completed when every live lesson is completed and every
requirement registered by other apps through the ``course_completion_requirements`` hook is met
(the quizzes app adds "passed the quiz" for courses that require it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, connection, transaction
from django.db.models.sql import InsertQuery
from django.utils import timezone
from wagtail import hooks

from base.dates import fiscal_year_of, tokyo_date
from base.db.sql import column
from base.text_limits import check_length
from organizations.models import Learner

from ..records import Completion, Enrollment, LessonProgress, ReflectionNote
from ..signals import completion_area_changed, course_completed

if TYPE_CHECKING:
    from ..models import CoursePage, LessonPage

# A lesson left open for hours does not count as hours of study.
MAX_SECONDS_PER_VISIT = 60 * 60
REFLECTION_MAX_LENGTH = 4000


@dataclass
class LessonCompletionResult:
    progress: LessonProgress
    completion: Completion | None
    course_completed_now: bool


def _get_or_create(model, **lookup):
    """get_or_create that survives the race where another request creates the row first."""
    try:
        with transaction.atomic():
            return model.objects.get_or_create(**lookup)[0]
    except IntegrityError:
        return model.objects.get(**lookup)


def unmet_requirements(enrollment: Enrollment, met: frozenset[str] = frozenset()) -> list[str]:
    """What still stands between this enrollment and completion (empty when it may complete).

    Each ``course_completion_requirements`` hook is called as ``hook(enrollment, met)``:
    ``met`` names the requirements the caller has just met in this transaction (see
    ``enrollment_try_complete_course``), which the hook need not look up again.
    """
    total, done = _lessons_done(enrollment)
    unmet = []
    # A course with no lessons completes only when another app provides its content (the
    # scorm app's package, through the ``course_content_without_lessons`` hook).
    if done < total or not (
        total
        or any(
            hook(enrollment.course) for hook in hooks.get_hooks("course_content_without_lessons")
        )
    ):
        unmet.append("lessons")
    for requirement in hooks.get_hooks("course_completion_requirements"):
        unmet.extend(requirement(enrollment, met))
    return unmet


_lessons_sql: dict[str, str] = {}


def _lessons_done(enrollment: Enrollment) -> tuple[int, int]:
    """How many live lessons the enrollment's course has (``CoursePage.get_lessons``: its
    live ``LessonPage`` children) and how many of them the enrollment completed.

    One statement of its own, so that, after the enrollment's lock, it sees the lessons a
    transaction that held that lock committed. Its SQL is built once per process from the
    models (compiling the ORM aggregate cost more CPU than the rest of the check).
    """
    if connection.vendor not in _lessons_sql:
        quote = connection.ops.quote_name
        progress = LessonProgress._meta
        opts = progress.get_field("lesson").related_model._meta  # LessonPage
        page = opts.get_field("path").model._meta  # Wagtail's Page, which it extends

        # Identifiers come from the models, never from input; values are parameters.
        _lessons_sql[connection.vendor] = (
            f"SELECT COUNT(*), COUNT(d.{quote(progress.pk.column)}) "  # noqa: S608
            f"FROM {quote(page.db_table)} p "
            f"JOIN {quote(opts.db_table)} l ON l.{quote(opts.pk.column)} = p.{quote(page.pk.column)} "
            f"LEFT JOIN {quote(progress.db_table)} d "
            f"ON d.{column(progress, 'lesson')} = p.{quote(page.pk.column)} "
            f"AND d.{column(progress, 'enrollment')} = %s "
            f"AND d.{column(progress, 'completed_at')} IS NOT NULL "
            f"WHERE p.{column(page, 'live')} = %s "
            f"AND p.{column(page, 'path')} {connection.operators['startswith']} "
            f"AND p.{column(page, 'depth')} = %s"
        )
    course = enrollment.course
    with connection.cursor() as cursor:
        cursor.execute(
            _lessons_sql[connection.vendor],
            [
                enrollment.pk,
                True,
                f"{connection.ops.prep_for_like_query(course.path)}%",
                course.depth + 1,
            ],
        )
        total, done = cursor.fetchone()
    return total, done


@transaction.atomic
def enrollment_start(*, learner: Learner, course: CoursePage) -> Enrollment:
    """Start (or return the existing) enrollment of a learner in a course."""
    return _get_or_create(Enrollment, learner=learner, course=course)


@transaction.atomic
def enrollment_visit_lesson(*, learner: Learner, lesson: LessonPage) -> LessonProgress:
    """Record that the learner opened a lesson: it becomes the place to resume from."""
    enrollment = _get_or_create(Enrollment, learner=learner, course=lesson.course)
    progress = _get_or_create(LessonProgress, enrollment=enrollment, lesson=lesson)
    Enrollment.objects.filter(pk=enrollment.pk).update(
        last_lesson=lesson, last_activity_at=timezone.now()
    )
    return progress


@transaction.atomic
def enrollment_complete_lesson(
    *, learner: Learner, lesson: LessonPage, seconds_spent: int = 0
) -> LessonCompletionResult:
    """Mark a lesson completed and, when it was the last thing missing, complete the course.

    Submitting the same lesson twice (double click, two tabs, at the same moment) counts its
    completion once and completes the course exactly once.
    """
    course = lesson.course
    enrollment = _get_or_create(Enrollment, learner=learner, course=course)
    # Serialise everything that happens to this enrollment from here on.
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    enrollment.learner, enrollment.course = learner, course  # known: not loaded again
    progress = _get_or_create(LessonProgress, enrollment=enrollment, lesson=lesson)
    progress = LessonProgress.objects.select_for_update().get(pk=progress.pk)
    seconds_spent = max(0, min(int(seconds_spent), MAX_SECONDS_PER_VISIT))
    if progress.completed_at is None:
        progress.completed_at = timezone.now()
        progress.seconds_spent += seconds_spent
        progress.save(update_fields=["completed_at", "seconds_spent"])
    enrollment.last_lesson = lesson
    enrollment.save(update_fields=["last_lesson", "last_activity_at"])
    completion, created = _complete_if_done(enrollment)
    return LessonCompletionResult(progress, completion, created)


# Nested in the caller's transaction without a savepoint: nothing here is ever rolled back on
# its own (no exception is caught around it), so a savepoint would only cost two statements.
@transaction.atomic(savepoint=False)
def enrollment_try_complete(*, enrollment: Enrollment) -> tuple[Completion | None, bool]:
    """Complete the enrollment if nothing is missing (called after passing a quiz, for example).

    Returns the completion (or None) and whether it was created by this call.
    """
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    return _complete_if_done(enrollment)


@transaction.atomic(savepoint=False)
def enrollment_try_complete_course(
    *,
    learner: Learner,
    course: CoursePage,
    met: tuple[str, ...] = (),
    locked: Enrollment | None = None,
) -> tuple[Completion | None, bool]:
    """Complete ``learner``'s enrollment in ``course`` if nothing is missing, starting the
    enrollment if there is none (a quiz passed before opening the course).

    ``met`` names requirements the caller has just met in this transaction (the quizzes app:
    ``"quiz"`` after a pass), so that their hooks need not look them up again. Returns the
    completion (or None) and whether it was created by this call.

    ``locked``: that enrollment, already locked (``SELECT … FOR UPDATE``) in this transaction
    by the caller (the quizzes app locks it with the grade); it is not read again.
    """
    enrollment = locked
    if enrollment is None:
        enrollment = Enrollment.objects.select_for_update().filter(learner=learner, course=course)
        enrollment = enrollment.first()
    if enrollment is None:
        enrollment = Enrollment.objects.select_for_update().get(
            pk=enrollment_start(learner=learner, course=course).pk
        )
    enrollment.learner, enrollment.course = learner, course  # known: not loaded again
    return _complete_if_done(enrollment, frozenset(met))


def _complete_if_done(
    enrollment: Enrollment, met: frozenset[str] = frozenset()
) -> tuple[Completion | None, bool]:
    """Complete ``enrollment`` (locked by the caller) if nothing is missing; ``met`` as for
    ``unmet_requirements``."""
    # Completions are made only here, under the enrollment's row lock, and the enrollment's
    # ``completed_at`` is set in the same transaction; an open enrollment has no completion
    # (``courses.services.assignments._reopen`` detaches it first).
    if enrollment.completed_at is not None:
        existing = Completion.objects.filter(enrollment=enrollment).first()
        if existing is not None:
            return existing, False
    if unmet_requirements(enrollment, met):
        return None, False
    now = timezone.now()
    learner = enrollment.learner
    course = enrollment.course
    day = tokyo_date(now)
    completion = Completion(
        enrollment=enrollment,
        learner=learner,
        course=course,
        completed_at=now,
        completed_on=day,
        fiscal_year=fiscal_year_of(day),
        # The learner's own object: receivers (tallies: the prefecture) read it from here.
        municipality=learner.municipality if learner.municipality_id else None,
        attendee_type=learner.attendee_type,
        is_supporter=course.is_supporter_course,
    )
    # The unique enrollment column still guards against a second completion: should it ever
    # fire, the whole completing transaction fails and nothing is half-written. It cannot
    # under the lock and the rule above, so no savepoint is spent on catching it.
    enrollment.completed_at = now
    if connection.vendor == "postgresql":
        _insert_completion_closing(completion, enrollment)
    else:
        completion.save(force_insert=True)
        enrollment.save(update_fields=["completed_at"])
    course_completed.send(sender=Completion, completion=completion)
    return completion, True


def _insert_completion_closing(completion: Completion, enrollment: Enrollment) -> None:
    """PostgreSQL: INSERT ``completion`` and set its enrollment's ``completed_at`` in one
    statement (a data-modifying ``WITH``), one round trip instead of two.

    The INSERT is the ORM's own (fields, defaults and types as ``save()`` writes them); the
    enrollment is locked by the caller. Neither model has ``post_save`` receivers.
    """
    opts = Completion._meta
    query = InsertQuery(Completion)
    query.insert_values([f for f in opts.local_concrete_fields if not f.primary_key], [completion])
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [opts.pk]
    ((insert_sql, params),) = compiler.as_sql()
    quote = connection.ops.quote_name
    # Identifiers come from the model, never from input; values are parameters.
    closing = (
        f"WITH closed AS (UPDATE {quote(Enrollment._meta.db_table)} "  # noqa: S608
        f"SET {quote('completed_at')} = %s WHERE {quote('id')} = %s) "
    )
    with connection.cursor() as cursor:
        cursor.execute(
            closing + insert_sql,
            [
                Enrollment._meta.get_field("completed_at").get_db_prep_save(
                    enrollment.completed_at, connection
                ),
                enrollment.pk,
                *params,
            ],
        )
        completion.pk = cursor.fetchone()[0]
    completion._state.adding = False
    completion._state.db = connection.alias


@transaction.atomic
def reflection_save(*, learner: Learner, lesson: LessonPage, block_id: str, text: str):
    """Keep a 個人ワーク answer on the server because the learner asked to (empty text deletes).

    Longer than ``REFLECTION_MAX_LENGTH`` (the box's limit) is refused with
    ``ValidationError``, not cut: the learner keeps what they wrote and can shorten it."""
    text = check_length(text, REFLECTION_MAX_LENGTH)
    if not text:
        ReflectionNote.objects.filter(learner=learner, lesson=lesson, block_id=block_id).delete()
        return None
    note, _created = ReflectionNote.objects.update_or_create(
        learner=learner, lesson=lesson, block_id=block_id, defaults={"text": text}
    )
    return note


def merge_learning_records(*, source: Learner, target: Learner) -> None:
    """Move one learner's enrollments, progress and notes onto another (inside a transaction).

    Where both took the same course, lesson progress is combined (completed if either completed,
    time added up) and the earlier completion is kept.
    """
    for enrollment in Enrollment.objects.filter(learner=source).select_related("course"):
        kept = Enrollment.objects.filter(learner=target, course=enrollment.course).first()
        if kept is None:
            enrollment.learner = target
            enrollment.save(update_fields=["learner"])
            Completion.objects.filter(enrollment=enrollment).update(learner=target)
            continue
        for progress in enrollment.lesson_progress.all():
            other = kept.lesson_progress.filter(lesson=progress.lesson_id).first()
            if other is None:
                progress.enrollment = kept
                progress.save(update_fields=["enrollment"])
                continue
            other.seconds_spent += progress.seconds_spent
            if other.completed_at is None or (
                progress.completed_at and progress.completed_at < other.completed_at
            ):
                other.completed_at = progress.completed_at or other.completed_at
            other.save(update_fields=["seconds_spent", "completed_at"])
        source_completion = Completion.objects.filter(enrollment=enrollment).first()
        kept_completion = Completion.objects.filter(enrollment=kept).first()
        if source_completion and not kept_completion:
            source_completion.enrollment = kept
            source_completion.learner = target
            source_completion.save(update_fields=["enrollment", "learner"])
            kept.completed_at = source_completion.completed_at
        elif source_completion and kept_completion:
            # Finished in two browsers before the accounts were joined: both completions
            # happened (and count, by definition, once each); the second stays with the person.
            source_completion.learner = target
            source_completion.enrollment = None
            source_completion.save(update_fields=["learner", "enrollment"])
        if enrollment.last_activity_at > kept.last_activity_at and enrollment.last_lesson_id:
            kept.last_lesson_id = enrollment.last_lesson_id
        kept.save(update_fields=["completed_at", "last_lesson", "last_activity_at"])
        enrollment.delete()
    for note in ReflectionNote.objects.filter(learner=source):
        if not ReflectionNote.objects.filter(
            learner=target, lesson=note.lesson_id, block_id=note.block_id
        ).exists():
            note.learner = target
            note.save(update_fields=["learner"])
    # Anything the target now meets (all lessons done across both browsers) completes.
    for enrollment in Enrollment.objects.filter(learner=target, completed_at__isnull=True):
        _complete_if_done(Enrollment.objects.select_for_update().get(pk=enrollment.pk))


@transaction.atomic
def completion_set_area(*, completion: Completion, municipality, attendee_type: str) -> Completion:
    """Record the area and attendee type the learner confirmed for a completion (when they
    receive the certificate), so statistics count it where it belongs."""
    previous = (completion.municipality_id, completion.attendee_type)
    completion.municipality = municipality
    completion.attendee_type = attendee_type
    completion.save(update_fields=["municipality", "attendee_type"])
    if previous != (completion.municipality_id, completion.attendee_type):
        completion_area_changed.send(
            sender=Completion,
            completion=completion,
            previous_municipality_id=previous[0],
            previous_attendee_type=previous[1],
        )
    return completion
