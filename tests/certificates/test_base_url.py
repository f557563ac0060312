"""One public URL: BASE_URL is what the PDF prints and its QR code scans to, what credentials
are named by, and the host of the issuer's did:web; production refuses a local or http one."""

import io
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pypdf import PdfReader

from certificates.checks import base_url_problems
from certificates.models import Certificate
from courses import services as course_services
from organizations.models import Learner
from tests import factories

from .test_qr import drawn_qr_codes, scan

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = "https://kyoiku.example.lg.jp"


@pytest.fixture
def certificate(db):
    course = factories.course(lessons=1)
    learner = Learner.objects.create(display_name="つながり 花子")
    course_services.enrollment_complete_lesson(
        learner=learner, lesson=factories.lessons_of(course)[0]
    )
    return Certificate.objects.get()


def test_pdf_card_and_credential_all_use_base_url(client, certificate, settings):
    settings.BASE_URL = PUBLIC
    verify_url = f"{PUBLIC}/certificates/verify/{certificate.code}/"

    pdf = client.get(f"/certificates/{certificate.code}.pdf").content
    [(*_place, modules)] = drawn_qr_codes(pdf)
    assert scan(modules).text == verify_url
    printed = PdfReader(io.BytesIO(pdf)).pages[0].extract_text().replace("\n", "")
    assert verify_url in printed

    card = client.get(f"/certificates/{certificate.code}/card.pdf").content
    assert all(scan(modules).text == verify_url for *_place, modules in drawn_qr_codes(card))

    credential = client.get(f"/certificates/{certificate.code}.json").json()
    assert credential["id"] == verify_url
    assert credential["issuer"]["id"] == "did:web:kyoiku.example.lg.jp"
    assert credential["credentialStatus"]["statusListCredential"].startswith(PUBLIC + "/")


@pytest.mark.parametrize(
    ("url", "fine"),
    [
        ("https://kyoiku.example.lg.jp", True),
        ("https://kyoiku.example.lg.jp:8443", True),
        ("http://kyoiku.example.lg.jp", False),
        ("https://localhost", False),
        ("https://127.0.0.1:8000", False),
        ("https://[::1]", False),
        ("https://0.0.0.0", False),
        ("https://app.localhost", False),
        ("https://kyoiku.example.lg.jp/elearning", False),
        ("kyoiku.example.lg.jp", False),
        ("", False),
    ],
)
def test_only_a_public_https_origin_passes(url, fine):
    assert (base_url_problems(url) == []) is fine


def manage_check(*args, **env_overrides):
    key = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    inherited = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "BASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "tsunagari.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "kyoiku.example.lg.jp",
        "CERTIFICATE_SIGNING_KEY": key.decode(),
        **env_overrides,
    }
    env = {k: v for k, v in env.items() if v is not None}
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_run_without_a_public_https_base_url():
    for base_url in (None, "http://127.0.0.1:8000", "http://kyoiku.example.lg.jp"):
        result = manage_check(BASE_URL=base_url)
        assert result.returncode != 0, base_url
        assert "certificates.E002" in result.stderr + result.stdout
    assert manage_check(BASE_URL=PUBLIC).returncode == 0


def test_check_deploy_reports_a_local_base_url_under_any_settings():
    result = manage_check(
        "--deploy", DJANGO_SETTINGS_MODULE="tsunagari.settings.dev", BASE_URL=None
    )
    assert result.returncode != 0
    assert (result.stderr + result.stdout).count("certificates.E002") == 2  # not https, local


def test_make_run_gives_the_server_its_own_port_as_base_url():
    dry_run = subprocess.run(
        ["make", "-n", "run", "PORT=18801"],  # noqa: S607 - make from PATH, as the README says
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "BASE_URL=http://127.0.0.1:18801 " in dry_run
    assert "runserver 127.0.0.1:18801" in dry_run
