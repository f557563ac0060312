"""Reads of the quizzes app: what a learner sees about a course's quiz, and item analysis."""

from dataclasses import dataclass

from django.db.models import Avg, Count, Q

from organizations.scopes import AreaScope

from .models import Attempt, Question, QuizPage, SelectedChoice


def quiz_for_course(course) -> QuizPage | None:
    """The live quiz of a course, if it has one."""
    return QuizPage.objects.live().child_of(course).first()


def has_passed(learner, quiz: QuizPage) -> bool:
    return (
        learner is not None
        and Attempt.objects.filter(quiz=quiz, learner=learner, passed=True).exists()
    )


def attempts_in_scope(
    quiz: QuizPage, scope: AreaScope, *, date_from=None, date_to=None, municipality=None
):
    """Submitted attempts of ``quiz`` the administrator may see, optionally narrowed."""
    attempts = Attempt.objects.filter(quiz=quiz, submitted_at__isnull=False)
    if not scope.is_nation:
        attempts = scope.filter(attempts)
    if date_from:
        attempts = attempts.filter(submitted_at__date__gte=date_from)
    if date_to:
        attempts = attempts.filter(submitted_at__date__lte=date_to)
    if municipality is not None:
        attempts = attempts.filter(
            Q(municipality=municipality) | Q(municipality__parent=municipality)
        )
    return attempts


def attempt_summary(attempts) -> dict:
    """Attempts, passes, pass rate and average score of a set of attempts."""
    row = attempts.aggregate(
        total=Count("pk"), passed=Count("pk", filter=Q(passed=True)), average=Avg("score_percent")
    )
    total = row["total"] or 0
    return {
        "attempts": total,
        "passed": row["passed"] or 0,
        "pass_rate": round(100 * row["passed"] / total, 1) if total else None,
        "average_score": round(float(row["average"]), 1) if row["average"] is not None else None,
    }


@dataclass(frozen=True)
class ItemRow:
    question_id: int
    question_text: str
    kind: str
    answered: int
    correct: int
    correct_rate: float | None
    top_wrong_choice: str
    top_wrong_count: int


def item_analysis(quiz: QuizPage, attempts) -> list[ItemRow]:
    """Per question: how often it was answered, the share answered correctly, and the wrong
    choice picked most often. Three queries whatever the number of questions."""
    answered = Count("answers", filter=Q(answers__attempt__in=attempts))
    correct = Count("answers", filter=Q(answers__attempt__in=attempts, answers__is_correct=True))
    questions = (
        Question.objects.filter(quiz=quiz)
        .annotate(answered=answered, correct=correct)
        .order_by("sort_order", "pk")
    )
    wrong_picks = (
        SelectedChoice.objects.filter(answer__attempt__in=attempts, choice__is_correct=False)
        .values("choice__question_id", "choice_id", "choice__text")
        .annotate(n=Count("pk"))
        .order_by("choice__question_id", "-n", "choice_id")
    )
    top_wrong = {}
    for pick in wrong_picks:
        top_wrong.setdefault(pick["choice__question_id"], pick)
    rows = []
    for question in questions:
        wrong = top_wrong.get(question.pk)
        rows.append(
            ItemRow(
                question_id=question.pk,
                question_text=str(question),
                kind=question.get_kind_display(),
                answered=question.answered,
                correct=question.correct,
                correct_rate=round(100 * question.correct / question.answered, 1)
                if question.answered
                else None,
                top_wrong_choice=wrong["choice__text"] if wrong else "",
                top_wrong_count=wrong["n"] if wrong else 0,
            )
        )
    return rows
