"""The public side of certificates as a citizen meets it: the verification page and form, the
PDF and card of revoked and reissued certificates, search-engine hints and the rate limit."""

import subprocess

import pytest
from django.test import Client
from django.utils import timezone

from certificates import services
from courses import services as course_services
from courses.models import Completion
from organizations.models import Learner
from tests import factories

REASON = "内部メモ：本人確認の誤りのため（担当 佐藤）"


def issue(name="確認 太郎"):
    course = factories.course(lessons=1)
    learner = Learner.objects.create(display_name=name)
    for lesson in factories.lessons_of(course):
        course_services.enrollment_complete_lesson(learner=learner, lesson=lesson)
    return Completion.objects.get(learner=learner, course=course).certificate


def japanese_day(moment) -> str:
    local = timezone.localtime(moment)
    return f"{local.year}年{local.month}月{local.day}日"


def pdf_text(data: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


@pytest.mark.django_db
def test_a_revoked_certificate_pdf_and_card_answer_410_with_the_date_and_no_reason(client):
    certificate = issue()
    assert client.get(f"/certificates/{certificate.code}.pdf").status_code == 200
    services.certificate_revoke(certificate=certificate, reason=REASON, user=None)
    certificate.refresh_from_db()
    day = japanese_day(certificate.revoked_at)
    for path in (
        f"/certificates/{certificate.code}.pdf",
        f"/certificates/{certificate.code}/card.pdf",
        f"/certificates/{certificate.code}/card.pdf?name=0",
    ):
        response = client.get(path)
        assert response.status_code == 410, path
        assert response["Content-Type"].startswith("text/html")
        html = response.content.decode()
        assert "この修了証は失効しています" in html and day in html
        assert "内部メモ" not in html and "佐藤" not in html
        assert 'lang="ja"' in html
    # The learner's own page says so instead of offering downloads that would fail.
    verify = client.get(f"/certificates/verify/{certificate.code}/").content.decode()
    assert "失効" in verify and day in verify
    assert f"/certificates/{certificate.code}.pdf" not in verify


@pytest.mark.django_db
def test_the_revocation_reason_is_in_no_public_response(client):
    certificate = issue()
    services.certificate_revoke(certificate=certificate, reason=REASON, user=None)
    responses = [
        client.get(f"/certificates/verify/{certificate.code}/"),
        client.get(f"/certificates/verify/{certificate.code}/?v=1"),
        client.get("/certificates/verify/", {"q": certificate.code}),
        client.get("/certificates/verify/", {"q": certificate.serial}),
        client.get("/certificates/verify/", {"q": certificate.serial, "name": "確認 太郎"}),
        client.get(f"/certificates/{certificate.code}.pdf"),
        client.get(f"/certificates/{certificate.code}/card.pdf"),
        client.get(f"/certificates/{certificate.code}.json"),
    ]
    for response in responses:
        body = response.content.decode()
        assert response.status_code < 500
        assert "内部メモ" not in body and "佐藤" not in body and "本人確認の誤り" not in body
        assert "理由" not in body


@pytest.mark.django_db
def test_a_replaced_version_shows_as_replaced_with_a_link_to_the_current_one(client):
    certificate = issue(name="旧 氏名")
    first_url = certificate.get_absolute_url()
    assert "?v=" not in first_url
    services.certificate_reissue(certificate=certificate, name="新 氏名", user=None)
    certificate.refresh_from_db()
    current_url = certificate.get_absolute_url()
    assert current_url.endswith("?v=2")

    # The reissued PDF prints (and its QR code carries) the URL of its own version.
    printed = pdf_text(client.get(f"/certificates/{certificate.code}.pdf").content)
    assert "新 氏名" in printed and "?v=2" in printed.replace("\n", "")

    old = client.get(first_url).content.decode()
    assert "差し替え済み" in old and "第1版" in old and "第2版" in old
    assert f'href="{current_url}"' in old
    assert "新 氏名" in old and "旧 氏名" not in old
    current = client.get(current_url).content.decode()
    assert "差し替え済み" not in current and "有効な修了証です" in current
    # Nonsense version numbers do not claim anything.
    for v in ("abc", "9", "0"):
        html = client.get(f"/certificates/verify/{certificate.code}/?v={v}").content.decode()
        assert "差し替え済み" not in html


@pytest.mark.django_db
def test_the_verify_form_finds_a_certificate_by_code_or_serial(client):
    certificate = issue(name="照合 花子")
    form = client.get("/certificates/verify/")
    assert form.status_code == 200
    html = form.content.decode()
    assert 'name="q"' in html and "確認コード" in html and "修了証番号" in html

    # The code, typed in lower case with spaces, leads to the page the QR code opens.
    typed = " ".join(certificate.code[i : i + 6] for i in range(0, 18, 6)).lower()
    response = client.get("/certificates/verify/", {"q": typed})
    assert response.status_code == 200
    html = response.content.decode()
    assert "有効な修了証です" in html and "照合 花子" in html
    assert f"/certificates/{certificate.code}.pdf" in html
    # After a reissue the typed code cannot tell which paper the person holds: it says so.
    services.certificate_reissue(certificate=certificate, name="照合 花子", user=None)
    html = client.get("/certificates/verify/", {"q": certificate.code}).content.decode()
    assert "有効な修了証です" in html and "差し替え前の版" in html and "差し替え済み" not in html

    # The serial (sequential, easy to guess) confirms validity but never shows the name.
    fullwidth = certificate.serial.translate(
        {ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    ).replace("-", "－")
    by_serial = client.get("/certificates/verify/", {"q": fullwidth})
    assert by_serial.status_code == 200
    html = by_serial.content.decode()
    assert "有効な修了証です" in html and certificate.serial in html
    assert "照合 花子" not in html and certificate.code not in html
    assert "氏名は表示しません" in html

    matched = client.get("/certificates/verify/", {"q": certificate.serial, "name": "照合　花子"})
    assert "一致します" in matched.content.decode()
    wrong = client.get("/certificates/verify/", {"q": certificate.serial, "name": "別人 次郎"})
    assert "一致しません" in wrong.content.decode()
    assert "照合 花子" not in wrong.content.decode()

    missing = client.get("/certificates/verify/", {"q": "ZZZ-2026-99999999"})
    assert missing.status_code == 404
    assert "修了証が見つかりません" in missing.content.decode()
    assert client.get("/certificates/verify/", {"q": "<script>" * 20}).status_code == 404


@pytest.mark.django_db
def test_pages_and_files_that_show_a_name_are_not_for_search_engines(client):
    certificate = issue()
    responses = {
        "verify": client.get(f"/certificates/verify/{certificate.code}/"),
        "form": client.get("/certificates/verify/"),
        "serial": client.get("/certificates/verify/", {"q": certificate.serial}),
        "unknown": client.get("/certificates/verify/ABCDEFGHJKMNPQRSTW/"),
        "pdf": client.get(f"/certificates/{certificate.code}.pdf"),
        "card": client.get(f"/certificates/{certificate.code}/card.pdf"),
        "credential": client.get(f"/certificates/{certificate.code}.json"),
    }
    for label, response in responses.items():
        assert "noindex" in response.get("X-Robots-Tag", ""), label
        if response["Content-Type"].startswith("text/html"):
            assert '<meta name="robots" content="noindex' in response.content.decode(), label


@pytest.mark.django_db
def test_serial_lookups_share_the_rate_limit_of_codes(client):
    certificate = issue()
    for _ in range(15):
        assert client.get(f"/certificates/verify/{certificate.code}/").status_code == 200
    for _ in range(15):
        assert client.get("/certificates/verify/", {"q": certificate.serial}).status_code == 200
    limited = client.get("/certificates/verify/", {"q": certificate.serial})
    assert limited.status_code == 429 and limited["Retry-After"] == "60"
    assert "しばらくお待ちください" in limited.content.decode()
    assert client.get(f"/certificates/{certificate.code}.pdf").status_code == 429
    # Opening the empty form costs nothing.
    assert client.get("/certificates/verify/").status_code == 200


@pytest.mark.django_db
def test_behind_the_load_balancer_each_citizen_has_their_own_budget(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    balancer = "10.0.0.2"
    first = Client(REMOTE_ADDR=balancer, HTTP_X_FORWARDED_FOR="203.0.113.10")
    second = Client(REMOTE_ADDR=balancer, HTTP_X_FORWARDED_FOR="203.0.113.20")
    url = "/certificates/verify/ABCDEFGHJKMNPQRSTW/"
    for _ in range(30):
        assert first.get(url).status_code == 404
    assert first.get(url).status_code == 429
    # Another citizen behind the same balancer still has a full budget.
    assert second.get(url).status_code == 404

    # Putting a fresh address on the left of the header (the balancer appends the real one)
    # does not buy a new budget.
    spoofed = Client(REMOTE_ADDR=balancer, HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.10")
    assert spoofed.get(url).status_code == 429


@pytest.mark.django_db
def test_without_a_configured_proxy_a_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    url = "/certificates/verify/ABCDEFGHJKMNPQRSTW/"
    for index in range(30):
        forged = Client(REMOTE_ADDR="192.0.2.5", HTTP_X_FORWARDED_FOR=f"198.51.100.{index}")
        assert forged.get(url).status_code == 404
    assert Client(REMOTE_ADDR="192.0.2.5").get(url).status_code == 429


def test_client_address_reads_from_the_right_end_of_the_header(settings, rf):
    from axes.helpers import get_client_ip_address

    from base.client_address import client_address

    settings.TRUSTED_PROXY_COUNT = 2
    header = "198.51.100.7, 203.0.113.10, 10.0.0.1"  # forged, client, first proxy
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=header)
    assert client_address(request) == "203.0.113.10"
    # Login throttling (django-axes) keys on the same address.
    assert get_client_ip_address(request) == "203.0.113.10"
    # Too few entries (the request bypassed a proxy) or garbage: the direct peer, not a claim.
    short = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert client_address(short) == "10.0.0.2"
    garbage = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="x, not-an-ip, 10.0.0.1")
    assert client_address(garbage) == "10.0.0.2"


def test_forwarded_entries_with_ports_and_ipv6_networks_are_one_client(settings, rf):
    from base.client_address import budget_key, client_address

    settings.TRUSTED_PROXY_COUNT = 1
    with_port = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9:51234")
    assert client_address(with_port) == "203.0.113.9"
    v6 = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="[2001:db8:1:2::7]:443")
    assert client_address(v6) == "2001:db8:1:2::7"
    # A phone may pick any address of its /64: they all share one budget.
    assert budget_key("2001:db8:1:2::7") == budget_key("2001:db8:1:2:ffff::1")
    assert budget_key("2001:db8:1:2::7") != budget_key("2001:db8:1:3::7")
    assert budget_key("203.0.113.9") != budget_key("203.0.113.10")


@pytest.mark.django_db
def test_rotating_ipv6_addresses_of_one_network_does_not_reset_the_budget():
    url = "/certificates/verify/ABCDEFGHJKMNPQRSTW/"
    for index in range(30):
        assert Client(REMOTE_ADDR=f"2001:db8:5:6::{index + 1:x}").get(url).status_code == 404
    assert Client(REMOTE_ADDR="2001:db8:5:6::abcd").get(url).status_code == 429
    assert Client(REMOTE_ADDR="2001:db8:5:7::1").get(url).status_code == 404


@pytest.mark.django_db
def test_a_serial_lookup_with_the_name_of_a_replaced_copy_says_it_was_replaced(client):
    certificate = issue(name="旧 氏名")
    services.certificate_reissue(certificate=certificate, name="新 氏名", user=None)
    html = client.get(
        "/certificates/verify/", {"q": certificate.serial, "name": "旧 氏名"}
    ).content.decode()
    assert "一致しません" in html and "差し替え前の版" in html
    assert "新 氏名" not in html and "旧 氏名" in html  # only what the visitor typed
