"""The Open Badges 3.0 credential as a verifier elsewhere sees it: its proof per eddsa-jcs-2022,
its issuer as a did:web controller document, its revocation bit, CORS and JSON-LD expansion."""

import copy
import hashlib
import json
from pathlib import Path

import jsonschema
import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from django.core.cache import cache

from certificates import credentials, proofs, services, signing, status_list
from certificates.models import Certificate
from courses import services as course_services
from organizations.models import Learner
from tests import factories

# 1EdTech's official JSON schema of an Open Badges 3.0 AchievementCredential (vendored as
# published, see certificates/schema/README.md).
SCHEMA = json.loads(
    (
        Path(credentials.__file__).parent / "schema" / "ob_v3p0_achievementcredential_schema.json"
    ).read_text()
)


def validate(credential: dict) -> None:
    jsonschema.Draft201909Validator(
        SCHEMA, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER
    ).validate(credential)


@pytest.fixture
def certificate(db):
    cache.clear()
    course = factories.course(lessons=1)
    learner = Learner.objects.create(display_name="つながり 花子")
    course_services.enrollment_complete_lesson(
        learner=learner, lesson=factories.lessons_of(course)[0]
    )
    return Certificate.objects.get()


def did_document(client) -> dict:
    response = client.get("/.well-known/did.json")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    return response.json()


def public_key_for(client, verification_method: str) -> Ed25519PublicKey:
    """Resolve the proof's key the way a strict verifier does: through the controller
    document, and only if it lists the key under assertionMethod."""
    document = did_document(client)
    assert verification_method in document["assertionMethod"]
    (method,) = [m for m in document["verificationMethod"] if m["id"] == verification_method]
    assert method["type"] == "Multikey"
    assert method["controller"] == document["id"]
    return signing.public_key_from_multibase(method["publicKeyMultibase"])


def served_credential(client, certificate) -> dict:
    response = client.get(f"/certificates/{certificate.code}.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    assert response["Access-Control-Allow-Origin"] == "*"
    return response.json()


def independent_verify(signed: dict, key: Ed25519PublicKey) -> bool:
    """vc-di-eddsa 3.3.2 written out again with an independent JCS (rfc8785), reading the
    proof exactly as published (nothing put back)."""
    (proof,) = signed["proof"]
    proof = dict(proof)
    proof_value = proof.pop("proofValue")
    document = {k: v for k, v in signed.items() if k != "proof"}
    data = hashlib.sha256(rfc8785.dumps(proof)).digest()
    data += hashlib.sha256(rfc8785.dumps(document)).digest()
    try:
        key.verify(signing.base58btc_decode(proof_value[1:]), data)
    except Exception:  # noqa: BLE001
        return False
    return True


def test_proof_is_published_with_the_credentials_context_and_verifies(client, certificate):
    credential = served_credential(client, certificate)
    (proof,) = credential["proof"]
    assert proof["@context"] == credential["@context"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-jcs-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    key = public_key_for(client, proof["verificationMethod"])
    assert independent_verify(credential, key)
    assert proofs.verify(credential, key)
    assert credential["credentialSubject"]["name"] == "つながり 花子"
    assert credential["id"].endswith(f"/certificates/verify/{certificate.code}/")


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c.__setitem__("name", "偽の修了証"),
        lambda c: c["credentialSubject"].__setitem__("name", "別人 太郎"),
        lambda c: c["credentialSubject"]["achievement"].__setitem__("name", "別のコース"),
        lambda c: c.__setitem__("validFrom", "2020-01-01T00:00:00Z"),
        lambda c: c["issuer"].__setitem__("name", "偽の市長"),
        lambda c: c["credentialStatus"].__setitem__("statusListIndex", "99"),
        lambda c: c.__setitem__("@context", [c["@context"][0], "https://example.org/ob.json"]),
        lambda c: c["proof"][0].__setitem__("created", "2020-01-01T00:00:00Z"),
        lambda c: c["proof"][0].__setitem__("@context", c["@context"][:1]),
        lambda c: c["proof"][0].pop("@context"),
        lambda c: c.pop("credentialStatus"),
    ],
    ids=[
        "name",
        "subject-name",
        "achievement",
        "validFrom",
        "issuer-name",
        "status-index",
        "context",
        "proof-created",
        "proof-context",
        "proof-context-removed",
        "status-removed",
    ],
)
def test_any_change_to_a_signed_member_fails_verification(client, certificate, change):
    credential = served_credential(client, certificate)
    key = public_key_for(client, credential["proof"][0]["verificationMethod"])
    tampered = copy.deepcopy(credential)
    change(tampered)
    assert not proofs.verify(tampered, key)
    assert not independent_verify(tampered, key)


def test_issuer_and_key_are_the_sites_did_web(client, certificate, settings):
    settings.BASE_URL = "https://kyoiku.example.lg.jp"
    credential = served_credential(client, certificate)
    assert credential["issuer"]["id"] == "did:web:kyoiku.example.lg.jp"
    assert credential["proof"][0]["verificationMethod"].startswith(
        "did:web:kyoiku.example.lg.jp#key-"
    )
    assert did_document(client)["id"] == "did:web:kyoiku.example.lg.jp"
    assert credential["id"].startswith("https://kyoiku.example.lg.jp/certificates/verify/")

    settings.BASE_URL = "http://127.0.0.1:18801"
    assert did_document(client)["id"] == "did:web:127.0.0.1%3A18801"
    assert served_credential(client, certificate)["issuer"]["id"] == "did:web:127.0.0.1%3A18801"


def test_after_key_rotation_old_credentials_still_verify(client, certificate, settings):
    old_credential = served_credential(client, certificate)
    old_key = signing.public_key_multibase(signing.signing_key().public_key())

    new_key = Ed25519PrivateKey.generate()
    settings.CERTIFICATE_SIGNING_KEY = new_key.private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
    ).decode()
    settings.CERTIFICATE_RETIRED_PUBLIC_KEYS = [old_key]

    new_credential = served_credential(client, certificate)
    assert (
        new_credential["proof"][0]["verificationMethod"]
        != (old_credential["proof"][0]["verificationMethod"])
    )
    for held in (old_credential, new_credential):
        key = public_key_for(client, held["proof"][0]["verificationMethod"])
        assert proofs.verify(held, key)
    # The key URL and did.json name the new key first.
    assert (
        client.get("/certificates/keys/ed25519.json").json()["id"]
        == (new_credential["proof"][0]["verificationMethod"])
    )


def test_credential_validates_against_its_schema(client, certificate):
    credential = served_credential(client, certificate)
    validate(credential)
    assert "identifier" not in credential
    assert certificate.serial in credential["description"]


def decoded_list(client, credential) -> tuple[dict, bytes]:
    entry = credential["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry"
    assert entry["statusPurpose"] == "revocation"
    response = client.get(entry["statusListCredential"].removeprefix("http://testserver"))
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "max-age=300" in response["Cache-Control"]
    listed = response.json()
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    bits = status_list.decode_bits(listed["credentialSubject"]["encodedList"])
    assert len(bits) * 8 >= 131072
    return listed, bits


def test_revoking_sets_the_certificates_bit_in_the_signed_status_list(client, certificate):
    credential = served_credential(client, certificate)
    index = int(credential["credentialStatus"]["statusListIndex"])
    listed, bits = decoded_list(client, credential)
    key = public_key_for(client, listed["proof"][0]["verificationMethod"])
    assert proofs.verify(listed, key)
    assert listed["issuer"] == credential["issuer"]["id"]
    assert not status_list.bit_is_set(bits, index)

    services.certificate_revoke(certificate=certificate, reason="誤発行", user=None)
    revoked = served_credential(client, certificate)
    assert revoked["credentialStatus"] == credential["credentialStatus"]
    assert "validUntil" in revoked
    validate(revoked)
    listed, bits = decoded_list(client, revoked)
    assert proofs.verify(listed, key)
    assert status_list.bit_is_set(bits, index)
    assert sum(bin(byte).count("1") for byte in bits) == 1


def test_each_certificate_has_its_own_bit(db):
    course = factories.course(lessons=1)
    positions = set()
    for number in range(3):
        learner = Learner.objects.create(display_name=f"受講者 {number}")
        course_services.enrollment_complete_lesson(
            learner=learner, lesson=factories.lessons_of(course)[0]
        )
    for certificate in Certificate.objects.all():
        assert certificate.status_list is not None
        positions.add((certificate.status_list, certificate.status_list_index))
    assert len(positions) == 3


def test_unknown_status_list_and_code_are_404(client, db):
    assert client.get("/certificates/status/999.json").status_code == 404
    assert client.get("/certificates/status/0.json").status_code == 404
    assert client.get(f"/certificates/status/{10**30}.json").status_code == 404
    assert client.get("/certificates/ABCDEFGHJKMNPQRSTW.json").status_code == 404


def test_browsers_on_other_origins_may_read_every_verification_document(client, certificate):
    credential = served_credential(client, certificate)
    status = credential["credentialStatus"]["statusListCredential"].removeprefix(
        "http://testserver"
    )
    for url in (f"/certificates/{certificate.code}.json", "/.well-known/did.json", status):
        preflight = client.options(url, HTTP_ORIGIN="https://wallet.example")
        assert preflight.status_code == 204, url
        assert preflight["Access-Control-Allow-Origin"] == "*"
        assert client.get(url, HTTP_ORIGIN="https://wallet.example")[
            "Access-Control-Allow-Origin"
        ] == ("*")
        assert client.post(url).status_code == 405


def test_a_malformed_retired_key_is_a_system_check_error(settings):
    from certificates.checks import retired_keys_well_formed

    settings.CERTIFICATE_RETIRED_PUBLIC_KEYS = ["z6MkNotAKey0OIl"]
    [error] = retired_keys_well_formed(None)
    assert error.id == "certificates.E003"
    settings.CERTIFICATE_RETIRED_PUBLIC_KEYS = [
        signing.public_key_multibase(Ed25519PrivateKey.generate().public_key())
    ]
    assert retired_keys_well_formed(None) == []


def test_certificates_issued_before_status_lists_get_their_position_from_the_migration(db):
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "certificates.migrations.0006_certificate_status_list_position"
    )
    course = factories.course(lessons=1)
    for number in range(2):
        learner = Learner.objects.create(display_name=f"受講者 {number}")
        course_services.enrollment_complete_lesson(
            learner=learner, lesson=factories.lessons_of(course)[0]
        )
    expected = {c.pk: (c.status_list, c.status_list_index) for c in Certificate.objects.all()}
    Certificate.objects.update(status_list=None, status_list_index=None)
    migration.assign_positions(apps, None)
    found = {c.pk: (c.status_list, c.status_list_index) for c in Certificate.objects.all()}
    assert found == expected
    assert None not in {position for pair in found.values() for position in pair}
