"""The seeded quizzes measure understanding: a learner who guesses from the form of the choices
(the longest, the shortest, the first entered, every box ticked) does not pass, no multiple-choice
question is "all of the above", and every question explains why."""

import re

import pytest
from django.utils.html import strip_tags

from courses.ruby import strip_ruby
from courses.seed_content import children, citizen, staff
from quizzes.grading import percent, score_answer

QUIZZES = {"citizen": citizen.COURSE, "staff": staff.COURSE, "children": children.COURSE}


def shown(text: str) -> str:
    return strip_ruby(strip_tags(text))


def guess_longest(choices):
    return max(range(len(choices)), key=lambda i: len(shown(choices[i]["text"])))


def guess_shortest(choices):
    return min(range(len(choices)), key=lambda i: len(shown(choices[i]["text"])))


def guess_first(choices):
    return 0


def score_of(course, guess, *, tick_all: bool):
    scores = []
    for question in course["quiz"]["questions"]:
        choices = question["choices"]
        correct = {i for i, choice in enumerate(choices) if choice["correct"]}
        if question["kind"] == "multiple" and tick_all:
            selected = set(range(len(choices)))
        else:
            selected = {guess(choices)}
        scores.append(
            score_answer(question["kind"], question.get("partial_credit", False), correct, selected)
        )
    return percent(scores)


@pytest.mark.parametrize("name", QUIZZES)
@pytest.mark.parametrize("guess", [guess_longest, guess_shortest, guess_first])
@pytest.mark.parametrize("tick_all", [True, False])
def test_guessing_from_the_form_of_the_choices_does_not_pass(name, guess, tick_all):
    course = QUIZZES[name]
    assert score_of(course, guess, tick_all=tick_all) < course["quiz"]["pass_mark"]


@pytest.mark.parametrize("name", QUIZZES)
def test_no_question_is_all_of_the_above_and_every_one_explains_why(name):
    for question in QUIZZES[name]["quiz"]["questions"]:
        stem = shown(question["stem"])
        wrong = [c for c in question["choices"] if not c["correct"]]
        right = [c for c in question["choices"] if c["correct"]]
        assert right, stem
        if question["kind"] == "multiple":
            assert len(wrong) >= 2, f"effectively 'all of the above': {stem}"
        else:
            assert len(right) == 1, stem
        # An explanation that says why is more than a restated key.
        assert len(shown(question["explanation"])) >= 60, stem


def test_the_staff_quiz_keys_the_supporter_course_to_article_9_not_12():
    (question,) = [
        q for q in staff.COURSE["quiz"]["questions"] if "つながりサポーター" in shown(q["stem"])
    ]
    (key,) = [c["text"] for c in question["choices"] if c["correct"]]
    assert "第9条" in key and "普及・啓発" in key
    assert "第12条" not in key


def test_sharing_a_concern_with_the_neighbourhood_watch_is_not_marked_wrong():
    """Telling a 民生委員 or the 地域包括支援センター that someone seems unwell is ordinary
    見守り; spreading their story among neighbours is not."""
    for question in citizen.COURSE["quiz"]["questions"]:
        for choice in question["choices"]:
            text = choice["text"]
            if re.search("民生委員|地域包括支援センター", text) and "気になる" in text:
                assert choice["correct"], text
            if "近所の人たち" in text and "事情" in text:
                assert not choice["correct"], text
