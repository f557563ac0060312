"""The attempt limit and the wait after a failure hold when a learner logs in and the attempts
of another browser (taken anonymously) join their account."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from courses.models import Completion
from organizations import services as organization_services
from organizations.models import Learner
from quizzes import services
from quizzes.models import Attempt
from tests import factories

from .test_quiz_flow import answers_for, finish_lessons


def log_in(client, account):
    response = client.post(
        "/accounts/login/", {"username": account.username, "password": account.raw_password}
    )
    assert response.status_code == 302


def take(client, quiz, *, right):
    """Start and submit one attempt in ``client``'s browser; returns the attempt."""
    client.post(quiz.url, {"action": "start"})
    attempt = Attempt.objects.filter(submitted_at__isnull=True).latest("started_at")
    response = client.post(quiz.url, answers_for(attempt, right=right))
    assert response.status_code == 302
    return attempt


@pytest.fixture
def account_browser(db):
    """A learner logged in in one browser, with the course's lessons finished there."""
    account = factories.user()
    client = Client()
    log_in(client, account)
    return account, client


def test_an_anonymous_pass_beyond_the_limit_is_not_credited(account_browser):
    account, browser_a = account_browser
    course = factories.course(lessons=1)
    quiz = factories.quiz(course, pass_mark=100, attempt_limit=2)
    finish_lessons(browser_a, course)
    take(browser_a, quiz, right=False)
    take(browser_a, quiz, right=False)
    assert "受験できる回数（2回）に達しました" in browser_a.get(quiz.url).content.decode()

    # In another browser, without logging in, the quiz opens again and is passed.
    browser_b = Client()
    anonymous_pass = take(browser_b, quiz, right=True)
    log_in(browser_b, account)

    mine = Attempt.objects.filter(learner__user=account)
    assert mine.count() == 2 and not mine.filter(passed=True).exists()
    assert not Completion.objects.exists()
    # The sitting stays in the quiz statistics, belonging to nobody.
    anonymous_pass.refresh_from_db()
    assert anonymous_pass.learner is None and anonymous_pass.passed
    for browser in (browser_a, browser_b):
        page = browser.get(quiz.url).content.decode()
        assert "受験できる回数（2回）に達しました" in page
        assert "これまで2回" in page
        assert "テストを始める" not in page and "もう一度受ける" not in page
        course_page = browser.get(course.url).content.decode()
        assert "修了しました" not in course_page
    # Its result page is no longer the learner's.
    result = quiz.url + quiz.reverse_subpage(
        "result", kwargs={"attempt_id": anonymous_pass.public_id}
    )
    assert browser_b.get(result).status_code == 404


def test_attempts_from_both_browsers_count_toward_the_limit(account_browser):
    account, browser_a = account_browser
    course = factories.course(lessons=1)
    quiz = factories.quiz(course, pass_mark=100, attempt_limit=2)
    browser_b = Client()
    take(browser_b, quiz, right=False)  # anonymous, before logging in
    take(browser_a, quiz, right=False)
    log_in(browser_b, account)
    assert Attempt.objects.filter(learner__user=account).count() == 2
    response = browser_b.post(quiz.url, {"action": "start"}, follow=True)
    assert "受験できる回数（2回）に達しました" in response.content.decode()
    assert not Attempt.objects.filter(submitted_at__isnull=True).exists()


def test_an_anonymous_pass_inside_the_wait_is_not_credited(account_browser):
    account, browser_a = account_browser
    course = factories.course(lessons=1)
    quiz = factories.quiz(course, pass_mark=100, retry_wait_minutes=30)
    finish_lessons(browser_a, course)
    take(browser_a, quiz, right=False)
    assert "少しお待ちください" in browser_a.get(quiz.url).content.decode()

    browser_b = Client()
    take(browser_b, quiz, right=True)  # ten seconds later, in the other browser
    log_in(browser_b, account)

    assert not Attempt.objects.filter(learner__user=account, passed=True).exists()
    assert not Completion.objects.exists()
    page = browser_b.get(quiz.url).content.decode()
    assert "少しお待ちください" in page and "テストを始める" not in page


def test_an_anonymous_attempt_after_the_wait_is_credited_and_completes(account_browser):
    account, browser_a = account_browser
    course = factories.course(lessons=1)
    quiz = factories.quiz(course, pass_mark=100, retry_wait_minutes=30, attempt_limit=2)
    finish_lessons(browser_a, course)
    failure = take(browser_a, quiz, right=False)
    Attempt.objects.filter(pk=failure.pk).update(
        started_at=timezone.now() - timedelta(minutes=41),
        submitted_at=timezone.now() - timedelta(minutes=40),
    )
    browser_b = Client()
    take(browser_b, quiz, right=True)
    log_in(browser_b, account)
    assert Attempt.objects.filter(learner__user=account).count() == 2
    assert Completion.objects.get().learner.user == account
    assert "修了しました" in browser_a.get(course.url).content.decode()


def test_an_anonymous_failure_that_would_have_blocked_the_account_is_left_out(account_browser):
    """The account passed while the other browser's earlier failure would have kept it waiting:
    the account's pass stands and the failure does not use one of its attempts."""
    account, browser_a = account_browser
    course = factories.course(lessons=1)
    quiz = factories.quiz(course, pass_mark=100, retry_wait_minutes=30, attempt_limit=2)
    browser_b = Client()
    early = take(browser_b, quiz, right=False)
    Attempt.objects.filter(pk=early.pk).update(
        started_at=timezone.now() - timedelta(minutes=11),
        submitted_at=timezone.now() - timedelta(minutes=10),
    )
    finish_lessons(browser_a, course)
    take(browser_a, quiz, right=True)
    log_in(browser_b, account)
    mine = Attempt.objects.filter(learner__user=account)
    assert list(mine.values_list("passed", flat=True)) == [True]
    assert Completion.objects.get().learner.user == account


def test_an_open_anonymous_attempt_beyond_the_limit_is_dropped(account_browser):
    account, browser_a = account_browser
    course = factories.course(lessons=1)
    quiz = factories.quiz(course, pass_mark=100, attempt_limit=1)
    take(browser_a, quiz, right=False)
    browser_b = Client()
    browser_b.post(quiz.url, {"action": "start"})
    stale = Attempt.objects.get(submitted_at__isnull=True)
    log_in(browser_b, account)
    assert not Attempt.objects.filter(pk=stale.pk).exists()
    # The form still open in that browser is refused with a message, not graded.
    response = browser_b.post(quiz.url, answers_for_open(stale))
    assert response.status_code == 400
    assert "この受験は見つかりません" in response.content.decode()
    assert Attempt.objects.filter(learner__user=account).count() == 1


def answers_for_open(attempt):
    """A submission for an attempt that may no longer exist (its tokens need only its id)."""
    from quizzes.tokens import choice_token

    data = {"action": "submit", "attempt": str(attempt.public_id)}
    question_ids = attempt.quiz.questions.values_list("pk", flat=True)
    for question_id in question_ids:
        data[f"q-{question_id}"] = [choice_token(attempt.public_id, 1)]
    return data


def _merge_while_starting(quiz, account):
    """One round: each learner failed once; then the merge and a start run at the same time.
    Returns the account's learner and the errors raised."""
    Attempt.objects.all().delete()
    Learner.objects.all().delete()
    target = Learner.objects.create(user=account)
    anonymous = Learner.objects.create()
    for learner in (target, anonymous):
        attempt = services.attempt_start(learner=learner, quiz=quiz)
        wrong = {
            a.question_id: [a.question.choices.filter(is_correct=False).first().pk]
            for a in attempt.answers.select_related("question")
        }
        services.attempt_submit(learner=learner, attempt_id=attempt.public_id, selections=wrong)
    barrier = threading.Barrier(2)
    errors = []

    def merge():
        try:
            barrier.wait()
            organization_services.learner_attach_to_user(learner=anonymous, user=account)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    def start():
        try:
            barrier.wait()
            services.attempt_start(learner=target, quiz=quiz)
        except services.AttemptNotAllowed:
            pass
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=merge), threading.Thread(target=start)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return target, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_login_merge_and_a_start_in_the_other_browser_never_pass_the_limit(postgres_only):
    """Logging in (merge) in one browser while the account starts an attempt in another: the
    learner row lock orders them, so the account never holds more attempts than allowed."""
    course = factories.course(lessons=1)
    quiz = factories.quiz(course, pass_mark=100, attempt_limit=2)
    account = factories.user()
    for _round in range(5):
        target, errors = _merge_while_starting(quiz, account)
        assert errors == []
        assert Attempt.objects.filter(learner=target).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_starts_at_the_last_allowed_attempt_open_one(postgres_only):
    """Two tabs press 「もう一度受ける」 at once with one attempt left: one attempt opens."""
    course = factories.course(lessons=1)
    quiz = factories.quiz(course, pass_mark=100, attempt_limit=2)
    learner = Learner.objects.create()
    attempt = services.attempt_start(learner=learner, quiz=quiz)
    wrong = {
        a.question_id: [a.question.choices.filter(is_correct=False).first().pk]
        for a in attempt.answers.select_related("question")
    }
    services.attempt_submit(learner=learner, attempt_id=attempt.public_id, selections=wrong)
    barrier = threading.Barrier(3)
    started, errors = [], []

    def start():
        try:
            barrier.wait()
            started.append(services.attempt_start(learner=learner, quiz=quiz).pk)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(started)) == 1
    assert Attempt.objects.filter(learner=learner).count() == 2
