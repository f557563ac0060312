"""A learner's name on certificates follows the learner: changed on /my/profile/, the
certificates are reissued with it; deleted with their data, it is gone from every copy."""

import json
import subprocess

import pytest
from django.core.cache import cache

from certificates import services
from certificates.models import Certificate, CertificateEvent
from certificates.rendering import _pdf_cache_key, certificate_text
from tests import factories


def pdf_text(data: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


def receive(client, course, name):
    """Complete ``course`` in this browser and receive the certificate with ``name``."""
    client.post(course.url)
    client.post(factories.lessons_of(course)[0].url, {"action": "complete"})
    certificate = Certificate.objects.get(completion__course=course)
    response = client.post(
        f"/certificates/{certificate.code}/receive/",
        {"prefecture": "", "municipality": "", "attendee_type": "", "display_name": name},
    )
    assert response.status_code == 302
    certificate.refresh_from_db()
    return certificate


def save_profile(client, name):
    response = client.post(
        "/my/profile/",
        {"prefecture": "", "municipality": "", "attendee_type": "", "display_name": name},
        follow=True,
    )
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_changing_the_profile_name_reissues_the_certificate_with_the_same_serial(client):
    course = factories.course(lessons=1)
    certificate = receive(client, course, "旧姓 花子")
    serial, code = certificate.serial, certificate.code
    old_url = certificate.get_absolute_url()
    client.get(f"/certificates/{code}.pdf")
    old_pdf_key = _pdf_cache_key(*certificate_text(certificate))
    assert cache.get(old_pdf_key) is not None

    form = client.get("/my/profile/").content.decode()
    assert "すでに受け取った修了証もその氏名で再発行します" in form
    page = save_profile(client, "新姓 花子")
    assert "登録内容を保存しました" in page
    assert f"修了証（修了証番号 {serial}）を新しい氏名「新姓 花子」で再発行しました" in page
    assert "修了証番号は変わりません" in page
    assert cache.get(old_pdf_key) is None  # the PDF with the old name is not kept

    certificate.refresh_from_db()
    assert (certificate.serial, certificate.code, certificate.version) == (serial, code, 2)
    assert certificate.name_printed == "新姓 花子"
    event = CertificateEvent.objects.get(certificate=certificate, kind="reissued")
    assert event.detail["old_name"] == "旧姓 花子" and event.detail["new_name"] == "新姓 花子"
    assert event.detail["source"] == "learner"

    printed = pdf_text(client.get(f"/certificates/{code}.pdf").content)
    assert "新姓 花子" in printed and "旧姓" not in printed
    assert "差し替え済み" in client.get(old_url).content.decode()

    # Saving again without changing the name reissues nothing.
    page = save_profile(client, "新姓 花子")
    assert "再発行" not in page
    certificate.refresh_from_db()
    assert certificate.version == 2


@pytest.mark.django_db
def test_a_revoked_certificate_keeps_its_name_and_the_learner_is_told(client):
    course = factories.course(lessons=1)
    certificate = receive(client, course, "失効 太郎")
    services.certificate_revoke(certificate=certificate, reason="重複発行", user=None)
    page = save_profile(client, "変更 太郎")
    assert f"失効している修了証（修了証番号 {certificate.serial}）の氏名は変更していません" in page
    certificate.refresh_from_db()
    assert certificate.name_printed == "失効 太郎" and certificate.version == 1


@pytest.mark.django_db
def test_clearing_the_profile_name_reissues_without_a_name(client):
    course = factories.course(lessons=1)
    certificate = receive(client, course, "名前 消子")
    page = save_profile(client, "")
    assert "氏名なしで再発行しました" in page
    certificate.refresh_from_db()
    assert certificate.name_printed == "" and certificate.version == 2
    assert "名前 消子" not in pdf_text(client.get(f"/certificates/{certificate.code}.pdf").content)


@pytest.mark.django_db
def test_deleting_learner_data_removes_their_names_from_certificate_history(client):
    first_course = factories.course(lessons=1)
    second_course = factories.course(lessons=1)
    kept = receive(client, first_course, "山田 花子")
    services.certificate_reissue(certificate=kept, name="山田 華子", user=None)
    kept.refresh_from_db()
    revoked = receive(client, second_course, "山田 華子")
    services.certificate_revoke(
        certificate=revoked, reason="山田華子さんから重複の申し出（山田 花子名義）", user=None
    )
    revoked.refresh_from_db()
    # The current PDF is in the cache, with the name printed in it.
    client.get(f"/certificates/{kept.code}.pdf")
    cached_key = _pdf_cache_key(*certificate_text(kept))
    assert cache.get(cached_key) is not None

    assert client.post("/my/delete/").status_code in (200, 302)

    stored = json.dumps(
        list(CertificateEvent.objects.values_list("detail", flat=True)), ensure_ascii=False
    )
    stored += "".join(Certificate.objects.values_list("revoke_reason", flat=True))
    stored += "".join(Certificate.objects.values_list("name_printed", flat=True))
    for name in ("山田", "花子", "華子"):
        assert name not in stored
    assert "重複の申し出" in stored  # the rest of the administrator's note stays
    assert cache.get(cached_key) is None

    kept.refresh_from_db()
    html = client.get(kept.get_absolute_url()).content.decode()
    assert "有効な修了証です" in html and "氏名非表示" in html and "山田" not in html
    assert "山田" not in pdf_text(client.get(f"/certificates/{kept.code}.pdf").content)


@pytest.mark.django_db
def test_the_learner_data_export_lists_certificates_and_their_history(client):
    course = factories.course(lessons=1)
    certificate = receive(client, course, "書出 一郎")
    save_profile(client, "書出 二郎")
    services.certificate_revoke(certificate=certificate, reason="内部の理由", user=None)
    document = client.get("/my/data.json").json()
    [exported] = document["certificates"]
    assert exported["serial"] == certificate.serial and exported["version"] == 2
    assert exported["name_printed"] == "書出 二郎" and exported["revoked_at"]
    reissue = next(e for e in exported["history"] if "new_name" in e)
    assert (reissue["old_name"], reissue["new_name"]) == ("書出 一郎", "書出 二郎")
    assert "内部の理由" not in json.dumps(document, ensure_ascii=False)
