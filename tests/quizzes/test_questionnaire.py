import csv
import io

import pytest
from wagtail.contrib.forms.models import FormSubmission

from courses.models import Completion
from organizations.models import AdminScope
from quizzes.models import QuestionnaireField, QuestionnairePage
from tests import factories


@pytest.fixture
def questionnaire(db):
    course = factories.course(lessons=1)
    page = QuestionnairePage(title="アンケート", slug="questionnaire")
    course.add_child(instance=page)
    QuestionnaireField.objects.create(
        page=page,
        sort_order=0,
        label="満足度",
        field_type="radio",
        choices="とても満足\n満足\nふつう",
        required=True,
    )
    QuestionnaireField.objects.create(
        page=page,
        sort_order=1,
        label="これからしたいこと",
        field_type="checkboxes",
        choices="声をかける\n窓口を調べる",
        required=False,
    )
    QuestionnaireField.objects.create(
        page=page,
        sort_order=2,
        label="感想",
        field_type="multiline",
        required=False,
    )
    return course, page


def names(page):
    """The form field names Wagtail derives from the labels."""
    return [field.clean_name for field in page.form_fields.order_by("sort_order")]


def test_completed_learner_is_invited_and_answers_anonymously(client, questionnaire):
    course, page = questionnaire
    assert "アンケートに答える" not in client.get(course.url).content.decode()
    client.post(course.url)
    client.post(factories.lessons_of(course)[0].url, {"action": "complete"})
    assert Completion.objects.exists()
    assert "アンケートに答える" in client.get(course.url).content.decode()

    satisfaction, plans, comment = names(page)
    response = client.post(page.url, {satisfaction: "満足", comment: "よかった"})
    assert response.status_code == 200
    submission = FormSubmission.objects.get()
    # Only the answers are stored: nothing that identifies the learner.
    assert set(submission.form_data) == {satisfaction, plans, comment}
    assert [f.name for f in FormSubmission._meta.concrete_fields] == [
        "id",
        "form_data",
        "page",
        "submit_time",
    ]
    assert "ご回答ありがとうございました" in client.get(page.url).content.decode()
    assert "回答済み" in client.get(course.url).content.decode()


def test_a_required_question_left_blank_is_pointed_out(client, questionnaire):
    _course, page = questionnaire
    response = client.post(page.url, {names(page)[2]: "x"})
    assert response.status_code == 200
    assert "入力内容を確認してください" in response.content.decode()
    assert not FormSubmission.objects.exists()


def test_summary_equals_an_independent_count_and_exports(client, questionnaire):
    _course, page = questionnaire
    s, p, c = names(page)
    answers = [
        {s: "満足", p: ["声をかける"], c: ""},
        {s: "満足", p: ["声をかける", "窓口を調べる"], c: "a"},
        {s: "ふつう", p: [], c: "b"},
    ]
    for data in answers:
        FormSubmission.objects.create(page=page, form_data=data)
    admin = factories.user()
    from django.contrib.auth.models import Permission

    admin.user_permissions.add(Permission.objects.get(codename="access_admin"))
    AdminScope.objects.create(user=admin, level="nation")
    client.force_login(admin)
    url = f"/admin/reports/questionnaire/{page.pk}/"
    assert "回答数：3件" in client.get(url).content.decode()
    content = b"".join(client.get(url + "?export=csv").streaming_content).decode("utf-8-sig")
    rows = {(r["質問"], r["回答"]): int(r["件数"]) for r in csv.DictReader(io.StringIO(content))}
    assert rows[("満足度", "満足")] == 2
    assert rows[("満足度", "ふつう")] == 1
    assert rows[("満足度", "とても満足")] == 0
    assert rows[("これからしたいこと", "声をかける")] == 2
    assert rows[("これからしたいこと", "窓口を調べる")] == 1
    assert rows[("感想", "（記入あり）")] == 2


def test_each_question_says_whether_it_must_be_answered(client, questionnaire):
    _course, page = questionnaire
    html = client.get(page.url).content.decode()
    # Choice questions are grouped like the quiz's, with the choices as labelled radio buttons.
    assert html.count('<fieldset class="question') == 2
    assert html.count('class="tag tag--required"') == 1
    assert html.count('class="tag tag--optional"') == 2
    assert 'maxlength="2000"' in html and "2,000 文字まで" in html


def test_errors_are_plain_japanese_and_nothing_is_saved(client, questionnaire):
    _course, page = questionnaire
    satisfaction, plans, comment = names(page)
    response = client.post(
        page.url,
        {satisfaction: "999999", plans: ["声をかける", "存在しない"], comment: "あ" * 9000},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "選択肢の中から選んでください。" in html
    assert "2,000 文字以内で書いてください（いま 9,000 文字です）。" in html
    # None of Django's default wordings reach the visitor.
    assert "候補にありません" not in html and "でなければなりません" not in html
    assert not FormSubmission.objects.exists()


def test_a_required_question_left_empty_is_named(client, questionnaire):
    _course, page = questionnaire
    response = client.post(page.url, {})
    html = response.content.decode()
    assert "この質問は必須です。答えてから送信してください。" in html
    assert "満足度：この質問は必須です" in html
    assert not FormSubmission.objects.exists()


def test_a_comment_longer_than_the_form_says_is_refused_in_japanese(client, questionnaire):
    _course, page = questionnaire
    satisfaction, _plans, comment = names(page)
    html = client.get(page.url).content.decode()
    assert "2,000 文字まで" in html and 'maxlength="2000"' in html
    response = client.post(page.url, {satisfaction: "満足", comment: "あ" * 9000})
    assert "2,000 文字以内で書いてください（いま 9,000 文字です）。" in response.content.decode()
    assert not FormSubmission.objects.exists()


def test_line_breaks_count_as_one_character_as_in_the_browser(client, questionnaire):
    _course, page = questionnaire
    satisfaction, _plans, comment = names(page)
    # 2,000 characters in the box (1,000 of them line breaks), sent as CR LF: 3,000 bytes.
    text = "あ\r\n" * 1000
    response = client.post(page.url, {satisfaction: "満足", comment: text})
    assert response.status_code == 200
    assert FormSubmission.objects.count() == 1
