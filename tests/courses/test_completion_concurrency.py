import threading

import pytest
from django.db import connection

from courses import services
from courses.models import Completion, LessonProgress
from courses.signals import course_completed
from organizations.models import Learner
from tests import factories


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_last_lesson_submitted_twice_at_the_same_time_completes_once(postgres_only):
    course = factories.course(lessons=2)
    first, last = factories.lessons_of(course)
    learner = Learner.objects.create()
    services.enrollment_complete_lesson(learner=learner, lesson=first)

    received = []

    def on_completed(sender, completion, **kwargs):
        received.append(completion.pk)

    course_completed.connect(on_completed)
    barrier = threading.Barrier(4)
    errors = []

    def submit():
        try:
            barrier.wait()
            services.enrollment_complete_lesson(learner=learner, lesson=last, seconds_spent=30)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    try:
        threads = [threading.Thread(target=submit) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        course_completed.disconnect(on_completed)

    assert errors == []
    assert Completion.objects.count() == 1
    assert len(received) == 1
    assert LessonProgress.objects.get(lesson=last).seconds_spent == 30


@pytest.mark.django_db
def test_completion_is_unique_per_enrollment_in_the_database():
    from django.db import IntegrityError, transaction

    course = factories.course(lessons=1)
    learner = Learner.objects.create()
    result = services.enrollment_complete_lesson(
        learner=learner, lesson=factories.lessons_of(course)[0]
    )
    completion = result.completion
    with pytest.raises(IntegrityError), transaction.atomic():
        Completion.objects.create(
            enrollment=completion.enrollment,
            course=course,
            completed_at=completion.completed_at,
            completed_on=completion.completed_on,
            fiscal_year=completion.fiscal_year,
            is_supporter=True,
        )
