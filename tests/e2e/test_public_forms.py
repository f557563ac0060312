"""The questionnaire, the open data page and password reset, in a real browser on a phone."""

import pytest

from quizzes.models import QuestionnaireField, QuestionnairePage
from tests import factories

from .conftest import axe_violations

# Like every browser test: real transactions (the live server reads what the test writes),
# and serialized rollback, which puts the migrated rows back for the next one; a flush without
# it would leave Django's post-migrate rows for the next test's restore to collide with.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_questionnaire_reads_like_the_quiz_and_explains_errors(phone, live_server):
    course = factories.course(lessons=1)
    page = QuestionnairePage(title="アンケート", slug="questionnaire")
    course.add_child(instance=page)
    for order, (label, kind, choices, required) in enumerate(
        [
            ("満足度", "radio", "とても満足\n満足\nふつう", True),
            ("これからしたいこと", "checkboxes", "声をかける\n窓口を調べる", False),
            ("感想", "multiline", "", False),
        ]
    ):
        QuestionnaireField.objects.create(
            page=page,
            sort_order=order,
            label=label,
            field_type=kind,
            choices=choices,
            required=required,
        )
    phone.goto(live_server.url + page.url)
    assert phone.get_by_role("group", name="満足度").is_visible()
    assert phone.get_by_role("radio", name="満足", exact=True).is_visible()
    assert phone.get_by_role("textbox", name="感想").get_attribute("maxlength") == "2000"
    assert fits_the_phone(phone)
    assert axe_violations(phone) == []

    phone.get_by_role("button", name="送信する").click()
    alert = phone.get_by_role("alert")
    assert "満足度：この質問は必須です" in alert.inner_text()
    assert axe_violations(phone) == []
    phone.get_by_role("radio", name="とても満足").check()
    phone.get_by_role("button", name="送信する").click()
    assert "ご回答ありがとうございました" in phone.content()


def test_open_data_page_and_password_reset_work_on_a_phone(phone, live_server):
    phone.goto(live_server.url + "/opendata/")
    assert phone.get_by_role("heading", level=1).inner_text().startswith("オープンデータ")
    assert fits_the_phone(phone)
    assert axe_violations(phone) == []

    phone.goto(live_server.url + "/accounts/login/")
    phone.get_by_role("link", name="パスワードを忘れた方").click()
    phone.get_by_label("メールアドレス").fill("someone@example.jp")
    phone.get_by_role("button", name="再設定のメールを送る").click()
    assert phone.get_by_role("heading", level=1).inner_text() == "メールを確かめてください"
    assert fits_the_phone(phone)
    assert axe_violations(phone) == []
