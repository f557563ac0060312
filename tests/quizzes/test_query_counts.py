"""Query counts of a quiz submission: the passing one writes the completion, its certificate
and the KPI tallies in the grading transaction, in a fixed number of statements."""

import pytest
from django.db import connection
from wagtail.models import ModelLogEntry

from certificates.models import Certificate, CertificateEvent
from courses.models import Completion, Enrollment
from organizations.models import Learner
from reports.models import DailyTally, MonthlyTally, PrefectureMonthlyTally
from tests import factories
from tests.quizzes.test_quiz_flow import answers_for, finish_lessons, open_attempt

# Of these, 8 are Wagtail serving the quiz page (site, root page, course, the child page and
# its specific row, ancestors and view restrictions), 1 the learner and 2 the transaction's
# savepoint in the test; the grading and completion write the rest: the certificate is
# numbered and placed in the status list by its INSERT (on PostgreSQL the serial counter is
# taken in that same statement), its 履歴 entry is one INSERT (no read-back of the content
# type), and on PostgreSQL the three tallies are one statement (reports.tallies), as are the
# grading (attempt, answers, choices and the enrollment's lock), the completion with its
# enrollment, and the certificate with its issued event (docs/benchmarks.md §8).
PASSING_SUBMIT_QUERIES = {"sqlite": 27, "postgresql": 19}
FAILED_SUBMIT_QUERIES = 15


@pytest.fixture
def learner_at_the_quiz(client, db):
    course = factories.course(lessons=5)
    osaka = factories.municipality()
    # Another learner completed the course before it had its quiz, so the serial counter
    # exists (the usual case).
    factories.completion(course, municipality=osaka)
    quiz = factories.quiz(
        course,
        pass_mark=100,
        questions=[
            ("single", [("正しい", True), ("まちがい", False)]),
            ("true_false", [("○", True), ("×", False)]),
            ("multiple", [("a", True), ("b", True), ("c", False)]),
            ("multiple_partial", [("a", True), ("b", False), ("c", True)]),
            ("single", [("正しい", True), ("まちがい", False), ("べつ", False)]),
        ],
    )
    finish_lessons(client, course)
    Learner.objects.filter(completions=None).update(municipality=osaka, attendee_type="general")
    return client, course, quiz, osaka


def test_passing_submit_completes_the_course_in_a_fixed_number_of_queries(
    learner_at_the_quiz, django_assert_max_num_queries
):
    client, course, quiz, osaka = learner_at_the_quiz
    attempt = open_attempt(client, quiz)
    data = answers_for(attempt)
    with django_assert_max_num_queries(PASSING_SUBMIT_QUERIES[connection.vendor]):
        response = client.post(quiz.url, data)
    assert response.status_code == 302
    learner = attempt.learner
    completion = Completion.objects.get(learner=learner)
    assert Enrollment.objects.get(learner=learner).completed_at == completion.completed_at
    certificate = Certificate.objects.get(completion=completion)
    assert certificate.serial == f"{course.course_code}-{completion.fiscal_year}-00000002"
    assert CertificateEvent.objects.filter(certificate=certificate, kind="issued").exists()
    # Its place in the revocation status list, written by the INSERT itself.
    assert (certificate.status_list, certificate.status_list_index) == (1, certificate.pk - 1)
    entry = ModelLogEntry.objects.get(
        action="tsunagari.certificate.issue", object_id=str(certificate.pk)
    )
    assert entry.label == certificate.serial
    day = DailyTally.objects.get(day=completion.completed_on, municipality_id=osaka.pk)
    assert day.supporters == 2 and day.prefecture_code == osaka.prefecture_id
    assert MonthlyTally.objects.get(municipality_id=osaka.pk).supporters == 2
    assert PrefectureMonthlyTally.objects.get(prefecture_code=osaka.prefecture_id).supporters == 2


def test_failed_submit_uses_fewer_queries_and_completes_nothing(
    learner_at_the_quiz, django_assert_max_num_queries
):
    client, course, quiz, osaka = learner_at_the_quiz
    attempt = open_attempt(client, quiz)
    data = answers_for(attempt, right=False)
    with django_assert_max_num_queries(FAILED_SUBMIT_QUERIES):
        response = client.post(quiz.url, data)
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None and attempt.passed is False
    assert not Completion.objects.filter(learner=attempt.learner).exists()
    assert Certificate.objects.count() == 1  # the other learner's only
    assert DailyTally.objects.get(municipality_id=osaka.pk).supporters == 1


# With the page cache on (production), Wagtail's serving of the quiz page comes from the
# shared page tree (base.page_cache): the learner, the grading and the completion remain.
PASSING_SUBMIT_QUERIES_PAGE_CACHE = {"sqlite": 19, "postgresql": 11}


def test_passing_submit_with_the_page_cache_on_reads_no_page_rows(
    learner_at_the_quiz, django_assert_max_num_queries, page_cache_on
):
    client, course, quiz, osaka = learner_at_the_quiz
    client.get(quiz.url)  # a new site's first page creates its footer help settings
    attempt = open_attempt(client, quiz)
    data = answers_for(attempt)
    with django_assert_max_num_queries(
        PASSING_SUBMIT_QUERIES_PAGE_CACHE[connection.vendor]
    ) as queries:
        response = client.post(quiz.url, data)
    assert response.status_code == 302
    # No site, page or view-restriction rows are read (the lessons check joins its pages).
    assert not any(q["sql"].startswith('SELECT "wagtailcore_') for q in queries.captured_queries)
    completion = Completion.objects.get(learner=attempt.learner)
    assert Certificate.objects.filter(completion=completion).exists()
    assert MonthlyTally.objects.get(municipality_id=osaka.pk).supporters == 2
