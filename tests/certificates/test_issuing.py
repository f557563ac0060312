import math
import re
import threading

import pytest
from django.core.cache import cache
from django.db import connection

from certificates import services
from certificates.models import CODE_ALPHABET, Certificate, CertificateEvent
from courses import services as course_services
from courses.models import Completion
from organizations.models import Learner
from tests import factories


def complete(course, learner=None):
    learner = learner or Learner.objects.create()
    for lesson in factories.lessons_of(course):
        course_services.enrollment_complete_lesson(learner=learner, lesson=lesson)
    return Completion.objects.get(learner=learner, course=course)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.mark.django_db
def test_completing_a_course_issues_one_numbered_certificate():
    course = factories.course(lessons=1)
    first = complete(course).certificate
    second = complete(course).certificate
    fy = first.fiscal_year
    assert first.serial == f"{course.course_code}-{fy}-00000001"
    assert second.serial == f"{course.course_code}-{fy}-00000002"
    assert services.certificate_issue(completion=first.completion) == first
    assert Certificate.objects.count() == 2
    assert CertificateEvent.objects.filter(kind="issued").count() == 2


@pytest.mark.django_db
def test_verification_codes_are_long_random_and_unambiguous():
    course = factories.course(lessons=1)
    codes = [complete(course).certificate.code for _ in range(20)]
    assert len(set(codes)) == 20
    for code in codes:
        assert re.fullmatch(f"[{CODE_ALPHABET}]+", code)
        assert len(code) * math.log2(len(CODE_ALPHABET)) >= 80
    assert not set("01OIL") & set(CODE_ALPHABET)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_serials_are_unique_and_gapless_under_concurrent_completions(postgres_only):
    course = factories.course(lessons=1)
    lesson = factories.lessons_of(course)[0]
    learners = [Learner.objects.create() for _ in range(12)]
    barrier = threading.Barrier(len(learners))
    errors = []

    def finish(learner):
        try:
            barrier.wait()
            course_services.enrollment_complete_lesson(learner=learner, lesson=lesson)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=finish, args=(learner,)) for learner in learners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    sequences = sorted(Certificate.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, 13))
    assert Certificate.objects.values("serial").distinct().count() == 12


@pytest.mark.django_db
def test_anonymous_learner_confirms_name_and_area_before_downloading(client):
    osaka = factories.municipality()
    course = factories.course(lessons=1)
    client.post(course.url)
    client.post(factories.lessons_of(course)[0].url, {"action": "complete"})
    certificate = Certificate.objects.get()
    course_html = client.get(course.url).content.decode()
    claim_url = f"/certificates/{certificate.code}/receive/"
    assert claim_url in course_html and "修了証を受け取る" in course_html

    form = client.get(claim_url).content.decode()
    assert "修了証に印字する氏名" in form
    response = client.post(
        claim_url,
        {
            "prefecture": "27",
            "municipality": osaka.pk,
            "attendee_type": "workplace",
            "display_name": "大阪 花子",
        },
    )
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.name_printed == "大阪 花子" and certificate.name_confirmed_at
    completion = certificate.completion
    completion.refresh_from_db()
    assert (completion.municipality, completion.attendee_type) == (osaka, "workplace")
    page = client.get(claim_url).content.decode()
    assert f"/certificates/{certificate.code}.pdf" in page
    assert certificate.serial in client.get("/my/").content.decode()

    # Someone else (another browser) cannot claim it.
    from django.test import Client

    assert Client().get(claim_url).status_code == 404


@pytest.mark.django_db
def test_verification_shows_valid_then_revoked_and_unknown_is_404(client):
    course = factories.course(lessons=1)
    certificate = complete(course).certificate
    services.certificate_reissue(certificate=certificate, name="訂正 後子", user=None)
    url = f"/certificates/verify/{certificate.code}/"
    html = client.get(url).content.decode()
    assert "有効な修了証です" in html and "訂正 後子" in html and certificate.serial in html
    certificate.refresh_from_db()
    assert certificate.version == 2
    services.certificate_revoke(certificate=certificate, reason="誤って発行", user=None)
    html = client.get(url).content.decode()
    assert "失効しています" in html and "誤って発行" not in html  # the reason is internal

    unknown = client.get("/certificates/verify/ABCDEFGHJKMNPQRSTW/")
    assert unknown.status_code == 404
    assert "この確認コードの修了証はありません" in unknown.content.decode()
    assert client.get("/certificates/verify/<script>/").status_code == 404
    assert client.get(f"/certificates/verify/{certificate.code.lower()}/").status_code == 200


@pytest.mark.django_db
def test_verification_is_rate_limited_per_client(client):
    for _ in range(30):
        assert client.get("/certificates/verify/ABCDEFGHJKMNPQRSTW/").status_code == 404
    response = client.get("/certificates/verify/ABCDEFGHJKMNPQRSTW/")
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    other = client.get("/certificates/verify/ABCDEFGHJKMNPQRSTW/", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 404


@pytest.mark.django_db
def test_deleting_learner_data_keeps_the_certificate_verifiable_without_the_name(client):
    course = factories.course(lessons=1)
    client.post(course.url)
    client.post(factories.lessons_of(course)[0].url, {"action": "complete"})
    certificate = Certificate.objects.get()
    services.certificate_reissue(certificate=certificate, name="消える 名前", user=None)
    client.post("/my/delete/")
    html = client.get(f"/certificates/verify/{certificate.code}/").content.decode()
    assert "有効な修了証です" in html and "氏名非表示" in html and "消える 名前" not in html


@pytest.mark.django_db
def test_site_and_course_settings_change_what_is_printed():
    from datetime import date

    from wagtail.models import Site

    from certificates.models import CertificateSettings, CourseCertificateOptions
    from certificates.rendering import certificate_content

    course = factories.course(lessons=1)
    certificate = complete(course).certificate
    site_settings = CertificateSettings.for_site(Site.objects.get(is_default_site=True))
    site_settings.issuer_name = "大阪市長"
    site_settings.save()
    content = certificate_content(certificate)
    assert content.issuer_name == "大阪市長"
    assert "年（" in content.date_text  # 和暦 with the Western year by default
    CourseCertificateOptions.objects.create(
        course=course,
        issuer_name="大阪市 福祉局長",
        era_only=True,
        body_template="{course}を修了したことを証します。",
    )
    content = certificate_content(certificate)
    assert content.issuer_name == "大阪市 福祉局長"
    assert "（" not in content.date_text and content.date_text.startswith("令和")
    assert content.body == f"{course.title}を修了したことを証します。"
    assert certificate.completion.completed_on <= date.today()


@pytest.mark.django_db
def test_a_new_logo_reaches_the_cached_pdf():
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file
    from wagtail.models import Site

    from certificates.models import CertificateSettings
    from certificates.rendering import certificate_pdf

    certificate = complete(factories.course(lessons=1)).certificate
    before = certificate_pdf(certificate)
    assert certificate_pdf(certificate) == before  # served from the cache
    site_settings = CertificateSettings.for_site(Site.objects.get(is_default_site=True))
    site_settings.logo = Image.objects.create(title="ロゴ", file=get_test_image_file())
    site_settings.save()
    after = certificate_pdf(certificate)
    assert after != before and b"/Image" in after
