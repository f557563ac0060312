import json
from pathlib import Path

import jsonschema
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.cache import cache

from certificates import credentials, services
from certificates.models import Certificate
from courses import services as course_services
from organizations.models import Learner
from tests import factories

SCHEMA = json.loads(
    (Path(credentials.__file__).parent / "schema" / "openbadge_credential.schema.json").read_text()
)


@pytest.fixture
def certificate(db):
    cache.clear()
    course = factories.course(lessons=1)
    learner = Learner.objects.create(display_name="つながり 花子")
    course_services.enrollment_complete_lesson(
        learner=learner, lesson=factories.lessons_of(course)[0]
    )
    return Certificate.objects.get()


def public_key_from(client) -> Ed25519PublicKey:
    document = client.get("/certificates/keys/ed25519.json").json()
    assert document["type"] == "Multikey"
    multibase = document["publicKeyMultibase"]
    number = 0
    for char in multibase[1:]:
        number = number * 58 + credentials._B58.index(char)
    raw = number.to_bytes(34, "big")
    assert raw[:2] == b"\xed\x01"
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def test_credential_validates_against_its_schema_and_its_signature_verifies(client, certificate):
    response = client.get(f"/certificates/{certificate.code}.json")
    assert response["Content-Type"].startswith("application/ld+json")
    credential = response.json()
    jsonschema.validate(credential, SCHEMA)
    assert credential["credentialSubject"]["name"] == "つながり 花子"
    assert credential["id"].endswith(f"/certificates/verify/{certificate.code}/")
    key = public_key_from(client)
    assert credentials.verify(credential, key)

    tampered = dict(credential, name="偽の修了証")
    assert not credentials.verify(tampered, key)


def test_revoked_certificate_credential_carries_its_end_date(client, certificate):
    services.certificate_revoke(certificate=certificate, reason="誤発行", user=None)
    credential = client.get(f"/certificates/{certificate.code}.json").json()
    jsonschema.validate(credential, SCHEMA)
    assert "validUntil" in credential
    assert credentials.verify(credential, public_key_from(client))


def test_unknown_code_has_no_credential(client, db):
    assert client.get("/certificates/ABCDEFGHJKMNPQRSTW.json").status_code == 404
