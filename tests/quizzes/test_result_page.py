"""The result page as the learner reads it: what the review shows after a failure and after the
last try (per-quiz settings), whole-number scores, and the certificate as the next step."""

import re

import pytest
from django.utils.html import strip_tags

from quizzes.models import Question, QuestionnaireField, QuestionnairePage
from tests import factories

from .test_quiz_flow import answers_for, finish_lessons, open_attempt

RIGHT = "本人の話を最後まで聴く"
WRONG = "すぐに解決策を伝える"
OTHER = "家族に事情を聞いて回る"


@pytest.fixture
def course(db):
    return factories.course(lessons=1)


def make_quiz(course, **settings_):
    quiz = factories.quiz(
        course,
        questions=[
            ("single", [(RIGHT, True), (WRONG, False), (OTHER, False)]),
            ("true_false", [("○", True), ("×", False)]),
        ],
        pass_mark=100,
        **settings_,
    )
    for number, question in enumerate(Question.objects.filter(quiz=quiz), start=1):
        question.explanation = f"<p>解説その{number}</p>"
        question.save()
    return quiz


def sit(client, quiz, *, right):
    """Take one attempt and return the text of its result page."""
    attempt = open_attempt(client, quiz)
    response = client.post(quiz.url, answers_for(attempt, right=right))
    return text_of(client.get(response.url)), response.url


def text_of(response):
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r"\s+", " ", strip_tags(main))


def test_after_a_failure_the_learner_sees_what_was_wrong_but_not_the_right_choice(client, course):
    quiz = make_quiz(course, attempt_limit=3)
    finish_lessons(client, course)
    page, _url = sit(client, quiz, right=False)
    assert "今回は不合格でした" in page
    assert "2問中0問正解" in page
    assert page.count("不正解") == 2
    assert f"あなたの回答：{WRONG}" in page and "あなたの回答：×（まちがい）" in page
    assert "解説その1" in page and "解説その2" in page
    # Nothing names the right choice: neither its text nor a 正解 mark.
    assert RIGHT not in page and "○（正しい）" not in page and "（正解）" not in page
    assert "正解の選択肢は、合格したあと" in page
    assert "もう一度受ける" in page


def test_after_a_pass_the_full_answer_key_is_shown(client, course):
    quiz = make_quiz(course, attempt_limit=3)
    finish_lessons(client, course)
    page, _url = sit(client, quiz, right=True)
    assert "合格です" in page and "2問中2問正解" in page
    assert f"{RIGHT} （正解） ← あなたの回答" in page
    assert WRONG in page and OTHER in page
    assert "○（正しい） （正解）" in page and "×（まちがい）" in page
    assert "解説その1" in page


def test_the_last_allowed_attempt_opens_the_answer_key_for_every_result(client, course):
    quiz = make_quiz(course, attempt_limit=2)
    finish_lessons(client, course)
    first, first_url = sit(client, quiz, right=False)
    assert "（正解）" not in first
    last, _url = sit(client, quiz, right=False)
    assert "受験できる回数（2回）に達しました" in last
    assert f"{RIGHT} （正解）" in last
    # The first result, read again now, shows the key too.
    assert f"{RIGHT} （正解）" in text_of(client.get(first_url))


def test_per_quiz_review_settings(client, course):
    quiz = make_quiz(
        course, attempt_limit=3, review_after_failure="score", review_after_final="marks"
    )
    finish_lessons(client, course)
    failed, _url = sit(client, quiz, right=False)
    assert "2問中0問正解" in failed
    assert "不正解" not in failed and "あなたの回答" not in failed and "解説その1" not in failed
    passed, _url = sit(client, quiz, right=True)
    assert passed.count("正解") >= 2 and f"あなたの回答：{RIGHT}" in passed
    assert "（正解）" not in passed and WRONG not in passed and "解説その1" not in passed
    assert "正解の選択肢は、合格したあと" not in failed + passed  # no promise it will not keep


def test_the_review_settings_are_edited_on_the_quiz_page_in_the_admin(admin_client, course):
    quiz = make_quiz(course)
    html = admin_client.get(f"/admin/pages/{quiz.pk}/edit/").content.decode()
    assert "結果ページで見せるもの" in html
    assert 'name="review_after_failure"' in html and 'name="review_after_final"' in html
    assert "正解・不正解と解説（正解の選択肢は見せない）" in html


def test_completing_puts_the_certificate_first_and_the_questionnaire_second(client, course):
    quiz = make_quiz(course)
    questionnaire = QuestionnairePage(title="アンケート", slug="questionnaire")
    course.add_child(instance=questionnaire)
    QuestionnaireField.objects.create(
        page=questionnaire, sort_order=0, label="満足度", field_type="radio", choices="満足\nふつう"
    )
    finish_lessons(client, course)
    attempt = open_attempt(client, quiz)
    response = client.post(quiz.url, answers_for(attempt))
    html = client.get(response.url).content.decode()
    page = text_of(client.get(response.url))
    assert "すべてのレッスンと確認テストを終えて" in page and "を修了しました" in page
    buttons = re.findall(r'<a class="(button[^"]*)" href="([^"]+)">([^<]+)</a>', html)
    assert [label for _cls, _href, label in buttons] == ["修了証を受け取る", "アンケートに答える"]
    assert buttons[0][0] == "button" and "button--secondary" in buttons[1][0]


def test_the_course_page_says_not_taken_before_a_first_try(client, course):
    quiz = make_quiz(course)
    finish_lessons(client, course)
    page = text_of(client.get(course.url))
    assert "未受験" in page and "未合格" not in page
    sit(client, quiz, right=False)
    page = text_of(client.get(course.url))
    assert "未合格" in page and "未受験" not in page


def test_the_quiz_history_shows_whole_question_counts(client, course):
    quiz = make_quiz(course)
    finish_lessons(client, course)
    sit(client, quiz, right=False)
    page = text_of(client.get(quiz.url))
    assert "2問中0問正解（不合格）" in page and "%（" not in page
