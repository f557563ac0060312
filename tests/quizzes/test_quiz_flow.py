import re
import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from courses import services as course_services
from courses.models import Completion
from organizations.models import Learner
from quizzes import services
from quizzes.models import Attempt, AttemptAnswer, Choice, Question, SelectedChoice
from quizzes.tokens import choice_token
from tests import factories


def finish_lessons(client, course):
    client.post(course.url)
    for lesson in factories.lessons_of(course):
        client.post(lesson.url, {"action": "complete"})


def open_attempt(client, quiz):
    client.post(quiz.url, {"action": "start"})
    return Attempt.objects.filter(submitted_at__isnull=True).latest("started_at")


def answers_for(attempt, *, right=True):
    data = {"action": "submit", "attempt": str(attempt.public_id)}
    for answer in attempt.answers.select_related("question"):
        choices = list(answer.question.choices.all())
        pick = [c for c in choices if c.is_correct == right] or choices[:1]
        data[f"q-{answer.question_id}"] = [
            choice_token(attempt.public_id, c.pk)
            for c in (pick[:1] if answer.question.kind != "multiple" else pick)
        ]
    return data


@pytest.fixture
def course_with_quiz(db):
    course = factories.course(lessons=2)
    quiz = factories.quiz(course, pass_mark=100)
    return course, quiz


def test_the_quiz_page_never_contains_the_answers(client, course_with_quiz):
    course, quiz = course_with_quiz
    finish_lessons(client, course)
    attempt = open_attempt(client, quiz)
    html = client.get(quiz.url).content.decode()
    form = html[html.index('class="quiz-form"') :]
    assert 'name="attempt"' in form
    assert "is_correct" not in html and "correct" not in form.lower()
    assert "data-" not in form
    correct_ids = set(
        Choice.objects.filter(question__quiz=quiz, is_correct=True).values_list("pk", flat=True)
    )
    wrong_ids = set(
        Choice.objects.filter(question__quiz=quiz, is_correct=False).values_list("pk", flat=True)
    )
    # Right and wrong choices are marked up exactly alike.
    for pk in correct_ids | wrong_ids:
        token = choice_token(attempt.public_id, pk)
        markup = re.search(rf'<input[^>]+value="{token}"[^>]*>', form).group(0)
        assert re.sub(r"\w{24}", "T", markup) == re.sub(
            r"\w{24}", "T", markup.replace(token, "x" * 24)
        )
    assert "<fieldset" in form and "<legend" in form
    assert attempt.answers.count() == 2


def test_passing_the_quiz_completes_the_course_once(client, course_with_quiz):
    course, quiz = course_with_quiz
    finish_lessons(client, course)
    assert not Completion.objects.exists()  # lessons alone do not complete it
    attempt = open_attempt(client, quiz)
    response = client.post(quiz.url, answers_for(attempt))
    assert response.status_code == 302
    result = client.get(response.url).content.decode()
    assert "2問中2問正解" in result and "合格です" in result and "修了しました" in result
    assert Completion.objects.count() == 1
    # Passing again does not complete again.
    attempt = open_attempt(client, quiz)
    client.post(quiz.url, answers_for(attempt))
    assert Attempt.objects.filter(passed=True).count() == 2
    assert Completion.objects.count() == 1


def test_failing_shows_lessons_to_review_and_does_not_complete(client, course_with_quiz):
    course, quiz = course_with_quiz
    lesson = factories.lessons_of(course)[0]
    Question.objects.filter(quiz=quiz).update(review_lesson=lesson)
    finish_lessons(client, course)
    attempt = open_attempt(client, quiz)
    response = client.post(quiz.url, answers_for(attempt, right=False))
    result = client.get(response.url).content.decode()
    assert "不合格" in result
    assert lesson.url in result
    assert "もう一度受ける" in result
    assert not Completion.objects.exists()


def test_a_self_check_quiz_is_not_required_for_completion(client, db):
    course = factories.course(lessons=1)
    course.quiz_required = False
    course.save()
    factories.quiz(course)
    finish_lessons(client, course)
    assert Completion.objects.count() == 1


def test_submitting_the_same_attempt_twice_grades_it_once(client, course_with_quiz):
    course, quiz = course_with_quiz
    finish_lessons(client, course)
    attempt = open_attempt(client, quiz)
    data = answers_for(attempt)
    first = client.post(quiz.url, data)
    second = client.post(quiz.url, answers_for(attempt, right=False))  # replay, other answers
    assert first.url == second.url
    attempt.refresh_from_db()
    assert attempt.passed and attempt.score_percent == 100
    assert SelectedChoice.objects.count() == 2


@pytest.mark.parametrize(
    "tamper",
    ["other_learner", "foreign_choice", "extra_question", "two_radios", "bad_uuid", "not_a_number"],
)
def test_tampered_submissions_are_refused_and_change_nothing(client, course_with_quiz, tamper):
    course, quiz = course_with_quiz
    finish_lessons(client, course)
    attempt = open_attempt(client, quiz)
    data = answers_for(attempt)
    question_ids = list(attempt.answers.values_list("question_id", flat=True))
    other_course = factories.course(lessons=1)
    other_quiz = factories.quiz(other_course)
    foreign = Choice.objects.filter(question__quiz=other_quiz).first()
    if tamper == "other_learner":
        other = Learner.objects.create()
        attempt.learner = other
        attempt.save()
    elif tamper == "foreign_choice":
        data[f"q-{question_ids[0]}"] = [choice_token(attempt.public_id, foreign.pk)]
    elif tamper == "extra_question":
        data[f"q-{foreign.question_id}"] = [choice_token(attempt.public_id, foreign.pk)]
    elif tamper == "two_radios":
        single = attempt.answers.get(question__kind="single")
        data[f"q-{single.question_id}"] = [
            choice_token(attempt.public_id, c) for c in single.choice_order[:2]
        ]
    elif tamper == "bad_uuid":
        data["attempt"] = "not-a-uuid"
    elif tamper == "not_a_number":
        data[f"q-{question_ids[0]}"] = ["1; DROP TABLE"]
    response = client.post(quiz.url, data)
    assert response.status_code == 400
    assert "回答を受け付けられませんでした" in response.content.decode()
    assert not Attempt.objects.filter(submitted_at__isnull=False).exists()
    assert not SelectedChoice.objects.exists()
    assert not Completion.objects.exists()


def test_unanswered_questions_are_pointed_out_and_answers_kept(client, course_with_quiz):
    course, quiz = course_with_quiz
    finish_lessons(client, course)
    attempt = open_attempt(client, quiz)
    data = answers_for(attempt)
    first_question = attempt.answers.first().question_id
    del data[f"q-{first_question}"]
    response = client.post(quiz.url, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "まだ答えていない問題があります" in html
    assert f'href="#question-{first_question}"' in html
    assert "checked" in html
    assert not Attempt.objects.filter(submitted_at__isnull=False).exists()


def test_random_draw_respects_the_count_and_is_stored(db):
    course = factories.course(lessons=1)
    quiz = factories.quiz(
        course,
        questions=[("single", [("a", True), ("b", False)])] * 6,
        questions_per_attempt=4,
    )
    learner = Learner.objects.create()
    attempt = services.attempt_start(learner=learner, quiz=quiz)
    drawn = list(attempt.answers.values_list("question_id", "choice_order"))
    assert len(drawn) == 4 and len({q for q, _ in drawn}) == 4
    pool = {q.pk: sorted(c.pk for c in q.choices.all()) for q in Question.objects.filter(quiz=quiz)}
    for question_id, order in drawn:
        assert sorted(order) == pool[question_id]
    # Starting again while it is open returns the same attempt and the same questions.
    again = services.attempt_start(learner=learner, quiz=quiz)
    assert again.pk == attempt.pk
    assert list(again.answers.values_list("question_id", "choice_order")) == drawn


def test_attempt_limit_and_waiting_time(db):
    course = factories.course(lessons=1)
    quiz = factories.quiz(course, attempt_limit=2, retry_wait_minutes=30, pass_mark=100)
    learner = Learner.objects.create()

    def fail_once():
        attempt = services.attempt_start(learner=learner, quiz=quiz)
        wrong = {
            a.question_id: [a.question.choices.filter(is_correct=False).first().pk]
            for a in attempt.answers.select_related("question")
        }
        services.attempt_submit(learner=learner, attempt_id=attempt.public_id, selections=wrong)
        return attempt

    first = fail_once()
    with pytest.raises(services.AttemptNotAllowed) as excinfo:
        services.attempt_start(learner=learner, quiz=quiz)
    assert excinfo.value.retry_at is not None
    Attempt.objects.filter(pk=first.pk).update(submitted_at=timezone.now() - timedelta(minutes=31))
    fail_once()
    with pytest.raises(services.AttemptNotAllowed, match="回数"):
        services.attempt_start(learner=learner, quiz=quiz)
    assert Attempt.objects.count() == 2


def test_anonymous_attempts_follow_the_learner_into_an_account(client, course_with_quiz):
    course, quiz = course_with_quiz
    finish_lessons(client, course)
    attempt = open_attempt(client, quiz)
    client.post(quiz.url, answers_for(attempt))
    account = factories.user()
    client.post(
        "/accounts/login/", {"username": account.username, "password": account.raw_password}
    )
    assert Attempt.objects.get().learner.user == account
    assert Completion.objects.get().learner.user == account


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_submits_of_one_attempt_grade_it_once(postgres_only):
    course = factories.course(lessons=1)
    quiz = factories.quiz(course, pass_mark=50)
    learner = Learner.objects.create()
    from courses import services as course_services

    course_services.enrollment_complete_lesson(
        learner=learner, lesson=factories.lessons_of(course)[0]
    )
    attempt = services.attempt_start(learner=learner, quiz=quiz)
    selections = {
        a.question_id: [a.question.choices.filter(is_correct=True).first().pk]
        for a in attempt.answers.select_related("question")
    }
    barrier = threading.Barrier(4)
    graded, errors = [], []

    def submit():
        try:
            barrier.wait()
            _attempt, did_grade = services.attempt_submit(
                learner=learner, attempt_id=attempt.public_id, selections=selections
            )
            graded.append(did_grade)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert graded.count(True) == 1
    assert SelectedChoice.objects.count() == 2
    assert AttemptAnswer.objects.filter(score__isnull=False).count() == 2
    assert Completion.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_pass_while_the_last_lesson_is_being_completed_completes_the_course(postgres_only):
    """The last lesson's transaction holds the enrollment when the quiz is passed in another
    tab: the pass waits for it and then sees the lesson, so the course completes (once)."""
    course = factories.course(lessons=2)
    quiz = factories.quiz(course, pass_mark=50)
    learner = Learner.objects.create()
    first, last = factories.lessons_of(course)
    course_services.enrollment_complete_lesson(learner=learner, lesson=first)
    attempt = services.attempt_start(learner=learner, quiz=quiz)
    selections = {
        a.question_id: [a.question.choices.filter(is_correct=True).first().pk]
        for a in attempt.answers.select_related("question")
    }
    lesson_done, release = threading.Event(), threading.Event()
    errors = []

    def last_lesson():
        try:
            with transaction.atomic():
                course_services.enrollment_complete_lesson(learner=learner, lesson=last)
                lesson_done.set()  # the enrollment is locked until this commits
                release.wait(10)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            lesson_done.set()
            connection.close()

    def pass_quiz():
        try:
            services.attempt_submit(
                learner=learner, attempt_id=attempt.public_id, selections=selections
            )
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    lesson = threading.Thread(target=last_lesson)
    lesson.start()
    lesson_done.wait(10)
    submit = threading.Thread(target=pass_quiz)
    submit.start()
    submit.join(1)
    assert submit.is_alive()  # waiting for the enrollment's lock
    release.set()
    lesson.join()
    submit.join()
    assert errors == []
    assert Completion.objects.filter(learner=learner).count() == 1
    assert Attempt.objects.get(pk=attempt.pk).passed is True
