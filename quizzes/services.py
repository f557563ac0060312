"""Writes of the quizzes app: starting and submitting attempts. One transaction each.

The server draws the questions and keeps them with the attempt; a submission is checked against
that set, graded once (the attempt row is locked), and a pass is handed to
``courses.services`` which alone decides whether the course is now completed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from django.db import connection, transaction
from django.db.models.expressions import Col
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import services as course_services
from courses.models import Enrollment
from organizations.models import Learner

from .grading import percent, score_answer
from .records import Attempt, AttemptAnswer, Choice, Question, QuestionKind, SelectedChoice
from .tokens import choice_ids_by_token

if TYPE_CHECKING:
    from .models import QuizPage

_random = random.SystemRandom()


class QuizError(Exception):
    """A request the quiz refuses; the message is shown to the learner."""


class AttemptNotAllowed(QuizError):
    def __init__(self, message: str, retry_at: datetime | None = None):
        super().__init__(message)
        self.retry_at = retry_at


class InvalidSubmission(QuizError):
    """Tampered or malformed answers: nothing is written."""


class IncompleteSubmission(QuizError):
    """Some questions were left unanswered; the form is shown again."""

    def __init__(self, message: str, missing: list[int]):
        super().__init__(message)
        self.missing = missing


@dataclass
class Eligibility:
    allowed: bool
    reason: str = ""
    retry_at: datetime | None = None
    attempts_used: int = 0


def eligibility(*, learner: Learner | None, quiz: QuizPage, now=None) -> Eligibility:
    """Whether ``learner`` may start a new attempt now (limit and waiting time)."""
    if learner is None:
        return Eligibility(allowed=True)
    now = now or timezone.now()
    submitted = Attempt.objects.filter(quiz=quiz, learner=learner, submitted_at__isnull=False)
    used = submitted.count()
    if quiz.attempt_limit and used >= quiz.attempt_limit:
        return Eligibility(
            False,
            _("受験できる回数（%(n)d回）に達しました。") % {"n": quiz.attempt_limit},
            None,
            used,
        )
    if quiz.retry_wait_minutes:
        last = submitted.order_by("-submitted_at").first()
        if last is not None and not last.passed:
            retry_at = last.submitted_at + timedelta(minutes=quiz.retry_wait_minutes)
            if retry_at > now:
                return Eligibility(
                    False, _("もう一度受けられるまで、少しお待ちください。"), retry_at, used
                )
    return Eligibility(True, attempts_used=used)


@transaction.atomic
def attempt_start(*, learner: Learner, quiz: QuizPage) -> Attempt:
    """Draw questions for a new attempt, or return the attempt already in progress."""
    # One learner starts one attempt at a time, even from two tabs.
    Learner.objects.select_for_update().filter(pk=learner.pk).first()
    open_attempt = Attempt.objects.filter(
        quiz=quiz, learner=learner, submitted_at__isnull=True
    ).first()
    if open_attempt is not None:
        return open_attempt
    check = eligibility(learner=learner, quiz=quiz)
    if not check.allowed:
        raise AttemptNotAllowed(check.reason, check.retry_at)

    questions = list(Question.objects.filter(quiz=quiz, is_active=True).prefetch_related("choices"))
    if not questions:
        raise AttemptNotAllowed(_("このテストにはまだ問題が登録されていません。"))
    count = quiz.questions_per_attempt or len(questions)
    if count < len(questions):
        drawn = _random.sample(questions, count)
        if not quiz.shuffle_questions:
            drawn.sort(key=lambda q: (q.sort_order, q.pk))
    else:
        drawn = questions[:]
        if quiz.shuffle_questions:
            _random.shuffle(drawn)
    attempt = Attempt.objects.create(quiz=quiz, learner=learner)
    answers = []
    for position, question in enumerate(drawn, start=1):
        choice_ids = [choice.pk for choice in question.choices.all()]
        if quiz.shuffle_choices and question.kind != QuestionKind.TRUE_FALSE:
            _random.shuffle(choice_ids)
        answers.append(
            AttemptAnswer(
                attempt=attempt, question=question, position=position, choice_order=choice_ids
            )
        )
    AttemptAnswer.objects.bulk_create(answers)
    return attempt


def attempt_submit(
    *,
    learner: Learner,
    attempt_id,
    selections: dict[int, list[int]] | None = None,
    tokens: dict[int, list[str]] | None = None,
    quiz: QuizPage | None = None,
) -> tuple[Attempt, bool]:
    """Grade an attempt once. ``selections`` maps question id → chosen choice ids; a form
    submits ``tokens`` instead (question id → the opaque choice tokens of this attempt, see
    ``quizzes.tokens``), which are turned into choice ids here.

    Returns the attempt and whether this call graded it (False for a repeated submission,
    which changes nothing). Raises ``InvalidSubmission`` for another learner's attempt (or,
    when ``quiz`` is given, another quiz's), a question that was not drawn for it, or a choice
    that is not one of the question's; ``IncompleteSubmission`` when questions are unanswered.
    Nothing is written then.

    A pass completes the course when nothing else is missing, in the transaction that records
    the grade (completion, certificate and tallies come with it through ``course_completed``).

    The attempt is read, checked and graded before that transaction begins: the reading and
    the grading need no lock (the grade is written only while the attempt is still open and
    the learner's, which the ``UPDATE`` checks under the attempt's row lock), and SQLite,
    which lets one writing transaction run at a time, is held for the writes alone.
    """
    attempt, drawn, correct_by_question = _read_attempt(learner, attempt_id, quiz)
    if quiz is not None:
        attempt.quiz = quiz  # the served page, which knows its course
    if attempt.submitted_at is not None:
        return attempt, False

    if tokens is not None:
        selections = _choices_from_tokens(attempt, drawn, tokens)
    selections = selections or {}
    if not set(selections) <= set(drawn):
        raise InvalidSubmission(_("出題されていない問題への回答が含まれています。"))
    for question_id, choice_ids in selections.items():
        question = drawn[question_id]
        if not set(choice_ids) <= set(question.choice_order):
            raise InvalidSubmission(_("選択肢が正しくありません。"))
        if question.kind != QuestionKind.MULTIPLE and len(set(choice_ids)) > 1:
            raise InvalidSubmission(_("この問題で選べる選択肢は1つです。"))
    missing = [question_id for question_id in drawn if not selections.get(question_id)]
    if missing:
        raise IncompleteSubmission(_("まだ答えていない問題があります。"), missing)

    grades = []
    picks = []
    for question_id, question in drawn.items():
        selected = set(selections[question_id])
        score = score_answer(
            question.kind,
            question.partial_credit,
            correct_by_question.get(question_id, set()),
            selected,
        )
        grades.append((question.answer_id, score, score == 1.0))
        picks.extend((question.answer_id, cid) for cid in sorted(selected))
    attempt.score_percent = Decimal(str(percent([score for _id, score, _ok in grades])))
    attempt.passed = attempt.score_percent >= attempt.quiz.pass_mark
    return _record_grade(learner=learner, attempt=attempt, grades=grades, picks=picks)


class _Drawn(NamedTuple):
    """A question drawn for the attempt, as the grading reads it."""

    answer_id: int
    choice_order: list[int]
    kind: str
    partial_credit: bool


# The attempt's columns, then the answer's and its question's, then a correct choice's id.
_ATTEMPT_FIELDS = [f.attname for f in Attempt._meta.concrete_fields]
_DRAWN_FIELDS = (
    (AttemptAnswer, "id"),
    (AttemptAnswer, "question_id"),
    (AttemptAnswer, "choice_order"),
    (Question, "kind"),
    (Question, "partial_credit"),
)
_read_sql: dict[tuple[str, bool], tuple[str, list]] = {}


def _read_statement(for_quiz: bool) -> tuple[str, list]:
    """The attempt's read (``_read_attempt``) as SQL, and each column's converters from the
    database's values to Python's (the ORM's own, as its compiler applies them): built once
    per process, from the models, instead of compiling an ORM query on every submission."""
    key = (connection.vendor, for_quiz)
    if key not in _read_sql:
        quote = connection.ops.quote_name
        columns = [Col("a", f) for f in Attempt._meta.concrete_fields]
        columns += [
            Col({AttemptAnswer: "aa", Question: "q"}[model], model._meta.get_field(name))
            for model, name in _DRAWN_FIELDS
        ]
        converters = [
            connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            for col in columns
        ]
        choice = Choice._meta
        # Identifiers come from the models, never from input; values are parameters.
        sql = (
            f"SELECT {', '.join(f'{col.alias}.{quote(col.target.column)}' for col in columns)}, "  # noqa: S608
            f"c.{quote(choice.pk.column)} "
            f"FROM {quote(Attempt._meta.db_table)} a "
            f"LEFT JOIN {quote(AttemptAnswer._meta.db_table)} aa "
            f"ON aa.{quote(AttemptAnswer._meta.get_field('attempt').column)} "
            f"= a.{quote(Attempt._meta.pk.column)} "
            f"LEFT JOIN {quote(Question._meta.db_table)} q "
            f"ON q.{quote(Question._meta.pk.column)} "
            f"= aa.{quote(AttemptAnswer._meta.get_field('question').column)} "
            f"LEFT JOIN {quote(choice.db_table)} c "
            f"ON c.{quote(choice.get_field('question').column)} = q.{quote(Question._meta.pk.column)} "
            f"AND c.{quote(choice.get_field('is_correct').column)} = %s "
            f"WHERE a.{quote(Attempt._meta.get_field('public_id').column)} = %s "
            f"AND a.{quote(Attempt._meta.get_field('learner').column)} = %s"
        )
        if for_quiz:
            sql += f" AND a.{quote(Attempt._meta.get_field('quiz').column)} = %s"
        sql += (
            f" ORDER BY aa.{quote(AttemptAnswer._meta.get_field('position').column)}, "
            f"aa.{quote(AttemptAnswer._meta.pk.column)}"
        )
        _read_sql[key] = sql, list(zip(columns, converters, strict=True))
    return _read_sql[key]


def _converted(values, columns) -> list:
    """``values`` as the ORM would load them (``columns`` from ``_read_statement``)."""
    converted = []
    for value, (col, converters) in zip(values, columns, strict=True):
        for converter in converters:
            value = converter(value, col, connection)
        converted.append(value)
    return converted


def _read_attempt(
    learner: Learner, attempt_id, quiz: QuizPage | None
) -> tuple[Attempt, dict[int, _Drawn], dict[int, set[int]]]:
    """The learner's attempt ``attempt_id`` (of ``quiz`` when given), the questions drawn
    for it (question id → ``_Drawn``, in the order shown) and their correct choice ids, in one
    query: one row per (answer, correct choice), one row for an answer with no correct choice,
    and one row for an attempt whose questions were all deleted since it started.

    Plain rows, not model instances: loading the answers and questions as objects cost more
    CPU than the rest of the grading. Raises ``InvalidSubmission`` when there is no such
    attempt. Without ``quiz``, the attempt's quiz is loaded when first used.
    """
    sql, columns = _read_statement(quiz is not None)
    public_id = Attempt._meta.get_field("public_id").get_db_prep_value(attempt_id, connection)
    params = [
        Choice._meta.get_field("is_correct").get_db_prep_value(True, connection),
        public_id,
        learner.pk,
    ]
    if quiz is not None:
        params.append(quiz.pk)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        raise InvalidSubmission(_("この受験は見つかりません。"))
    n = len(_ATTEMPT_FIELDS)
    attempt = Attempt.from_db(
        connection.alias, _ATTEMPT_FIELDS, _converted(rows[0][:n], columns[:n])
    )
    drawn: dict[int, _Drawn] = {}
    correct_by_question: dict[int, set[int]] = {}
    for row in rows:
        answer_id, question_id = row[n], row[n + 1]
        if answer_id is None:
            break  # the attempt has no answers (its only row)
        if question_id not in drawn:
            _id, _question, choice_order, kind, partial_credit = _converted(
                row[n : n + 5], columns[n:]
            )
            drawn[question_id] = _Drawn(answer_id, choice_order, kind, partial_credit)
        if row[-1] is not None:
            correct_by_question.setdefault(question_id, set()).add(row[-1])
    return attempt, drawn, correct_by_question


@transaction.atomic
def _record_grade(
    *,
    learner: Learner,
    attempt: Attempt,
    grades: list[tuple[int, float, bool]],
    picks: list[tuple[int, int]],
) -> tuple[Attempt, bool]:
    """Write a graded attempt once, and complete the course on a pass (one transaction).

    ``grades``: (answer id, score, is correct) of every answer; ``picks``: (answer id, choice
    id) of every ticked choice."""
    attempt.submitted_at = timezone.now()
    attempt.municipality_id = learner.municipality_id
    # Graded once: this UPDATE takes the attempt's row lock and only succeeds while the
    # attempt is open and still this learner's (an account merge may have moved it since it
    # was read). A concurrent submission of the same attempt waits for the lock, then finds
    # it submitted and changes nothing (the answers below are written by the winner).
    locked = None
    if connection.vendor == "postgresql":
        # A pass also locks the learner's enrollment in the course, which the completion
        # check would lock next (one round trip less).
        course = attempt.quiz.course if attempt.passed else None
        graded, locked = _grade_in_one_statement(learner, attempt, grades, picks, course)
    else:
        graded = Attempt.objects.filter(
            pk=attempt.pk, learner=learner, submitted_at__isnull=True
        ).update(
            score_percent=attempt.score_percent,
            passed=attempt.passed,
            submitted_at=attempt.submitted_at,
            municipality_id=attempt.municipality_id,
        )
    if not graded:
        attempt.refresh_from_db()
        return attempt, False
    if connection.vendor != "postgresql":
        _save_grades(grades)
        SelectedChoice.objects.bulk_create(
            [SelectedChoice(answer_id=answer_id, choice_id=cid) for answer_id, cid in picks]
        )

    if attempt.passed:
        # The quiz served is the course's live quiz (one per course): passing it meets the
        # quiz requirement, which the completion check then need not look up again.
        course_services.enrollment_try_complete_course(
            learner=learner,
            course=attempt.quiz.course,
            met=("quiz",) if attempt.quiz.live else (),
            locked=locked,
        )
    return attempt, True


def _choices_from_tokens(
    attempt: Attempt, drawn: dict[int, _Drawn], tokens: dict[int, list[str]]
) -> dict[int, list[int]]:
    """The choice ids behind the tokens of a form; a token not drawn for its question (another
    attempt's, another question's, or made up) makes the whole submission invalid."""
    if not set(tokens) <= set(drawn):
        raise InvalidSubmission(_("出題されていない問題への回答が含まれています。"))
    selections = {}
    for question_id, question_tokens in tokens.items():
        known = choice_ids_by_token(attempt.public_id, drawn[question_id].choice_order)
        try:
            selections[question_id] = [known[token] for token in question_tokens]
        except KeyError as exc:
            raise InvalidSubmission(_("選択肢が正しくありません。")) from exc
    return selections


def _grade_in_one_statement(
    learner: Learner,
    attempt: Attempt,
    grades: list[tuple[int, float, bool]],
    picks: list[tuple[int, int]],
    course,
) -> tuple[int, Enrollment | None]:
    """PostgreSQL: the attempt's grade, its answers' scores and the chosen choices in one
    statement (one round trip instead of four); returns 1 when this call graded it, and the
    learner's enrollment in ``course`` (when given), locked, if this call graded it.
    ``grades`` and ``picks`` as for ``_record_grade``.

    The answers and choices are written only when the attempt's ``UPDATE`` matched (they read
    its ``RETURNING``), so a submission that finds the attempt already graded, or moved to
    another learner, writes nothing, as the separate statements did. The enrollment is locked
    after the attempt (the ``LATERAL`` reads the grade first), the order of the separate
    statements and of an account merge, and the completion check that follows reads the
    lessons in a statement of its own, so it sees what a transaction that held the
    enrollment's lock before committed.
    """
    quote = connection.ops.quote_name
    attempt_table = quote(Attempt._meta.db_table)
    answer_table = quote(AttemptAnswer._meta.db_table)
    choice_table = quote(SelectedChoice._meta.db_table)
    cases = " ".join(["WHEN %s THEN %s"] * len(grades))
    # Identifiers come from the models, never from input; values are parameters.
    sql = (
        f"WITH graded AS (UPDATE {attempt_table} SET score_percent = %s, passed = %s, "  # noqa: S608
        f"submitted_at = %s, municipality_id = %s "
        f"WHERE id = %s AND learner_id = %s AND submitted_at IS NULL RETURNING id)"
    )
    params = [
        attempt.score_percent,
        attempt.passed,
        attempt.submitted_at,
        attempt.municipality_id,
        attempt.pk,
        learner.pk,
    ]
    if grades:
        sql += (
            f", scored AS (UPDATE {answer_table} SET score = CASE id {cases} END, "  # noqa: S608
            f"is_correct = CASE id {cases} END WHERE attempt_id IN (SELECT id FROM graded) "
            f"AND id = ANY(%s))"
        )
        params += [value for answer_id, score, _ok in grades for value in (answer_id, score)]
        params += [value for answer_id, _score, ok in grades for value in (answer_id, ok)]
        params.append([answer_id for answer_id, _score, _ok in grades])
    if picks:
        sql += (
            f", picked AS (INSERT INTO {choice_table} (answer_id, choice_id) "  # noqa: S608
            f"SELECT p.answer_id, p.choice_id FROM graded, "
            f"unnest(%s::bigint[], %s::bigint[]) AS p(answer_id, choice_id))"
        )
        params += [[answer_id for answer_id, _cid in picks], [cid for _id, cid in picks]]
    enrollment_fields = [f.attname for f in Enrollment._meta.concrete_fields]
    enrollment_columns = ", ".join(quote(f.column) for f in Enrollment._meta.concrete_fields)
    sql += (
        f" SELECT g.n, e.* FROM (SELECT count(*) AS n FROM graded) AS g LEFT JOIN LATERAL "  # noqa: S608
        f"(SELECT {enrollment_columns} FROM {quote(Enrollment._meta.db_table)} "
        f"WHERE learner_id = %s AND course_id = %s AND g.n > 0 FOR UPDATE) AS e ON true"
    )
    params += [learner.pk, course.pk if course is not None else None]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        graded, *enrollment = cursor.fetchone()
    if enrollment[0] is None:
        return graded, None
    return graded, Enrollment.from_db(connection.alias, enrollment_fields, enrollment)


def _save_grades(grades: list[tuple[int, float, bool]]) -> None:
    """Write every answer's score and correctness in one UPDATE (``grades`` as for
    ``_record_grade``).

    The same statement ``bulk_update`` sends, without building one ORM ``Case``/``When``
    expression per answer and field, which cost more CPU than the rest of the grading.
    """
    if not grades:
        return
    quote = connection.ops.quote_name
    table = quote(AttemptAnswer._meta.db_table)
    cases = " ".join(["WHEN %s THEN %s"] * len(grades))
    # Identifiers come from the model, never from input; values are parameters.
    sql = (
        f"UPDATE {table} SET {quote('score')} = CASE {quote('id')} {cases} END, "  # noqa: S608
        f"{quote('is_correct')} = CASE {quote('id')} {cases} END "
        f"WHERE {quote('id')} IN ({', '.join(['%s'] * len(grades))})"
    )
    params = [value for answer_id, score, _ok in grades for value in (answer_id, score)]
    params += [value for answer_id, _score, ok in grades for value in (answer_id, ok)]
    params += [answer_id for answer_id, _score, _ok in grades]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def merge_attempts(*, source: Learner, target: Learner) -> None:
    """Attempts follow an anonymous learner into their account, within the quiz's limits.

    The account's own attempts stand as they are (a pass there may already have issued a
    certificate). The other browser's attempts join them in the order they were started, and
    each one only if the account could have started it at that moment: the attempt limit counts
    both browsers' attempts together, and no attempt may fall inside the wait after a failure
    (in either direction). An attempt that does not fit is detached from the learner: it stays
    in the quiz statistics, like the attempts of a learner who deleted their data, but it is
    neither a pass nor a used attempt of the account. An unsubmitted attempt that does not fit
    (or meets one already open in the account) is dropped, since it holds no grade.

    A course completed in the other browser before logging in stays completed (its records
    move with ``courses.services.merge_learning_records``); what the merge itself credits never
    goes beyond the limits. A credited pass may complete a course whose lessons were finished
    in the other browser.
    """
    # Lock the moving attempts: a submission of one of them in the other browser waits for
    # the merge and then grades the attempt where the merge left it.
    moving = list(
        Attempt.objects.select_for_update(of=("self",))
        .filter(learner=source)
        .select_related("quiz")
        .order_by("started_at", "pk")
    )
    by_quiz: dict[int, list[Attempt]] = {}
    for attempt in moving:
        by_quiz.setdefault(attempt.quiz_id, []).append(attempt)
    keep, detach, drop = [], [], []
    for quiz_attempts in by_quiz.values():
        quiz = quiz_attempts[0].quiz
        credited = list(Attempt.objects.filter(quiz=quiz, learner=target))
        target_has_open = any(a.submitted_at is None for a in credited)
        # Graded attempts first, then the open one (it would be the latest in any case).
        for attempt in sorted(quiz_attempts, key=lambda a: a.submitted_at is None):
            fits = _fits(quiz, attempt, credited)
            if attempt.submitted_at is None:
                fits = fits and not target_has_open
                (keep if fits else drop).append(attempt.pk)
                target_has_open = target_has_open or fits
            else:
                (keep if fits else detach).append(attempt.pk)
            if fits:
                credited.append(attempt)
    Attempt.objects.filter(pk__in=keep).update(learner=target)
    Attempt.objects.filter(pk__in=detach).update(learner=None)
    Attempt.objects.filter(pk__in=drop).delete()
    for enrollment in Enrollment.objects.filter(learner=target, completed_at__isnull=True):
        course_services.enrollment_try_complete(enrollment=enrollment)


def _fits(quiz: QuizPage, attempt: Attempt, credited: list[Attempt]) -> bool:
    """Whether ``attempt`` could have been started next to the ``credited`` attempts of one
    learner: within the attempt limit, and clear of the wait after every failure."""
    if quiz.attempt_limit and len(credited) >= quiz.attempt_limit:
        return False
    if not quiz.retry_wait_minutes:
        return True
    wait = timedelta(minutes=quiz.retry_wait_minutes)
    before = [
        a for a in credited if a.submitted_at is not None and a.submitted_at <= attempt.started_at
    ]
    if before:
        last = max(before, key=lambda a: a.submitted_at)
        if not last.passed and attempt.started_at < last.submitted_at + wait:
            return False
    # A failure here would have kept the learner waiting: an attempt the account started in
    # that time was allowed then and stands, so this failure is the one left out.
    return not (
        attempt.submitted_at is not None
        and not attempt.passed
        and any(
            attempt.submitted_at <= other.started_at < attempt.submitted_at + wait
            for other in credited
        )
    )
