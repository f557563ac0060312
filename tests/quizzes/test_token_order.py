"""Across many attempts, nothing about the choice identifiers of the quiz form predicts the
correct choice: not the order of the tokens, not the order the choices are shown in."""

from collections import Counter

from organizations.models import Learner
from quizzes import services
from quizzes.models import Choice
from quizzes.views import _questions_for
from tests import factories

ATTEMPTS = 160
CHOICES = 4


def test_the_rank_of_the_correct_token_is_spread_evenly(db):
    course = factories.course(lessons=1)
    # Entered right answer first, as editors usually do: the lowest id is the correct one.
    quiz = factories.quiz(
        course,
        questions=[
            ("single", [("正解", True), ("誤り1", False), ("誤り2", False), ("誤り3", False)])
        ],
    )
    correct = Choice.objects.get(question__quiz=quiz, is_correct=True)
    correct_text = correct.text
    by_token_rank, by_position = Counter(), Counter()
    seen_tokens = set()
    for _ in range(ATTEMPTS):
        attempt = services.attempt_start(learner=Learner.objects.create(), quiz=quiz)
        (question,) = _questions_for(attempt)
        tokens = [token for token, _label in question["choices"]]
        labels = [label for _token, label in question["choices"]]
        correct_token = tokens[labels.index(correct_text)]
        by_token_rank[sorted(tokens).index(correct_token)] += 1
        by_position[labels.index(correct_text)] += 1
        seen_tokens.update(tokens)
    # Every attempt names its choices afresh.
    assert len(seen_tokens) == ATTEMPTS * CHOICES
    # Expected 40 per rank; binomial sd ≈ 5.5, so 15..65 fails by chance about once in 10⁵.
    for counter in (by_token_rank, by_position):
        assert set(counter) == set(range(CHOICES)), counter
        assert all(15 <= n <= 65 for n in counter.values()), counter
