import pytest

from quizzes.grading import percent, score_answer


@pytest.mark.parametrize(
    ("kind", "partial", "correct", "selected", "expected"),
    [
        ("single", False, {1}, {1}, 1.0),
        ("single", False, {1}, {2}, 0.0),
        ("single", False, {1}, set(), 0.0),
        ("true_false", False, {1}, {1}, 1.0),
        ("true_false", False, {1}, {2}, 0.0),
        ("multiple", False, {1, 2}, {1, 2}, 1.0),
        ("multiple", False, {1, 2}, {1}, 0.0),
        ("multiple", False, {1, 2}, {1, 2, 3}, 0.0),
        ("multiple", True, {1, 2}, {1, 2}, 1.0),
        ("multiple", True, {1, 2}, {1}, 0.5),
        ("multiple", True, {1, 2}, {1, 3}, 0.0),
        ("multiple", True, {1, 2, 3}, {1, 2, 4}, 1 / 3),
        ("multiple", True, {1, 2}, {1, 2, 3, 4}, 0.0),  # ticking everything earns nothing
    ],
)
def test_every_question_type_and_credit_mode_is_graded(kind, partial, correct, selected, expected):
    assert score_answer(kind, partial, correct, selected) == pytest.approx(expected)


def test_percent_is_rounded_to_one_decimal():
    assert percent([1, 1, 0]) == 66.7
    assert percent([]) == 0.0
