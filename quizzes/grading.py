"""How an answer is scored. Pure functions: the rules in one place, easy to test."""

from .records import QuestionKind


def score_answer(kind: str, partial_credit: bool, correct: set[int], selected: set[int]) -> float:
    """Score between 0 and 1 for one question.

    Single choice and ○×: 1 when the one correct choice is selected, else 0.
    Multiple choice, all or nothing: 1 when exactly the correct choices are selected.
    Multiple choice, partial credit: (correct picks − wrong picks) / number of correct choices,
    never below 0, so ticking everything earns nothing.
    """
    if kind in (QuestionKind.SINGLE, QuestionKind.TRUE_FALSE) or not partial_credit:
        return 1.0 if selected == correct else 0.0
    if not correct:
        return 0.0
    right = len(selected & correct)
    wrong = len(selected - correct)
    return max(0.0, (right - wrong) / len(correct))


def percent(scores: list[float]) -> float:
    """The attempt's score in percent, rounded to one decimal."""
    if not scores:
        return 0.0
    return round(100 * sum(scores) / len(scores), 1)
