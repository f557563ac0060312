"""Reads of the quizzes app: what a learner sees about a course's quiz, and item analysis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Avg, Count, Q

from organizations.scopes import AreaScope

from .records import Attempt, Question, SelectedChoice

if TYPE_CHECKING:
    from .models import QuizPage


def has_passed(learner, quiz: QuizPage) -> bool:
    """Whether ``learner`` (a Learner or its id) has passed ``quiz``."""
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


CHOICE_FIELD_TYPES = {"radio", "dropdown", "checkboxes", "multiselect", "checkbox"}


@dataclass(frozen=True)
class QuestionnaireRow:
    question: str
    answer: str
    count: int
    share: float | None  # percent of submissions


def questionnaire_summary(page) -> tuple[int, list[QuestionnaireRow]]:
    """Per question and option, how many anonymous submissions chose it; for free-text
    questions, how many answered. Returns (number of submissions, rows)."""
    fields = list(page.get_form_fields())
    counts: dict[str, dict[str, int]] = {field.clean_name: {} for field in fields}
    total = 0
    for data in (
        page.get_submission_class()
        .objects.filter(page=page)
        .values_list("form_data", flat=True)
        .iterator()
    ):
        total += 1
        for field in fields:
            value = data.get(field.clean_name)
            if field.field_type in CHOICE_FIELD_TYPES:
                values = value if isinstance(value, list) else [value]
                for item in values:
                    if item in (None, ""):
                        continue
                    key = (
                        str(item)
                        if field.field_type != "checkbox"
                        else ("はい" if item else "いいえ")
                    )
                    counts[field.clean_name][key] = counts[field.clean_name].get(key, 0) + 1
            elif value not in (None, ""):
                counts[field.clean_name]["（記入あり）"] = (
                    counts[field.clean_name].get("（記入あり）", 0) + 1
                )
    rows = []
    for field in fields:
        options = [c.strip() for c in field.choices.replace(",", "\n").splitlines() if c.strip()]
        seen = counts[field.clean_name]
        ordered = options + [key for key in seen if key not in options]
        if field.field_type not in CHOICE_FIELD_TYPES:
            ordered = ["（記入あり）"]
        for option in ordered:
            count = seen.get(option, 0)
            rows.append(
                QuestionnaireRow(
                    question=field.label,
                    answer=option,
                    count=count,
                    share=round(100 * count / total, 1) if total else None,
                )
            )
    return total, rows
