"""Someone holding a paper certificate checks it on a phone: by the printed serial, by the
code, and a revoked one."""

import pytest

from certificates import services
from courses import services as course_services
from courses.models import Completion
from organizations.models import Learner
from tests import factories

from .conftest import axe_violations

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def issued(name):
    course = factories.course(lessons=1)
    learner = Learner.objects.create(display_name=name)
    course_services.enrollment_complete_lesson(
        learner=learner, lesson=factories.lessons_of(course)[0]
    )
    return Completion.objects.get(learner=learner).certificate


def test_a_phone_user_checks_a_paper_certificate(live_server, phone):
    certificate = issued("紙 確子")
    page = phone
    page.goto(live_server.url + "/certificates/verify/")
    assert axe_violations(page) == []
    page.get_by_label("確認コード（18文字）または修了証番号").fill(certificate.serial)
    page.get_by_label("修了証に印字された氏名", exact=False).fill("紙　確子")
    page.get_by_role("button", name="確認する").click()
    main = page.locator("main").inner_text()
    assert "有効な修了証です" in main and "一致します" in main and "紙 確子" not in main
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert axe_violations(page) == []

    services.certificate_revoke(certificate=certificate, reason="内部の理由", user=None)
    page.get_by_label("確認コード（18文字）または修了証番号").fill(certificate.code.lower())
    page.get_by_label("修了証に印字された氏名", exact=False).fill("")
    page.get_by_role("button", name="確認する").click()
    main = page.locator("main").inner_text()
    assert "この修了証は失効しています" in main and "内部の理由" not in main
    assert axe_violations(page) == []
    response = page.goto(live_server.url + f"/certificates/{certificate.code}.pdf")
    assert response.status == 410
    assert "この修了証は失効しています" in page.locator("main").inner_text()
    assert axe_violations(page) == []
