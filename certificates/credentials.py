"""Open Badges 3.0 / W3C Verifiable Credentials for certificates, signed with Ed25519.

Each certificate is also a credential a learner can keep in a digital wallet. The proof is a
Data Integrity proof with the ``eddsa-jcs-2022`` cryptosuite: the document and the proof
options are canonicalised (JCS, RFC 8785), hashed with SHA-256 and signed with the site's
Ed25519 key. The public key is published as a Multikey at ``/certificates/keys/ed25519.json``.
Key management: docs/certificate-keys.md.
"""

import hashlib
import json
from datetime import UTC

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from courses.ruby import strip_ruby

from .models import Certificate
from .rendering import absolute_url, certificate_text

CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
# Multicodec prefix of an Ed25519 public key (0xed, varint-encoded).
_ED25519_PUB = b"\xed\x01"


def base58btc(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    encoded = ""
    while number:
        number, rest = divmod(number, 58)
        encoded = _B58[rest] + encoded
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + encoded


def jcs(value) -> bytes:
    """JSON Canonicalization Scheme for the values used here (strings, ints, bools, lists,
    objects; no floats): sorted keys, no whitespace, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signing_key() -> Ed25519PrivateKey:
    """The site's Ed25519 key: ``CERTIFICATE_SIGNING_KEY`` (PEM) from settings. Development
    and tests derive one from SECRET_KEY; production must configure a real key."""
    pem = getattr(settings, "CERTIFICATE_SIGNING_KEY", "")
    if pem:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured("CERTIFICATE_SIGNING_KEY must be an Ed25519 private key.")
        return key
    if not settings.DEBUG and not getattr(settings, "CERTIFICATE_DERIVED_KEY_ALLOWED", False):
        raise ImproperlyConfigured("Set CERTIFICATE_SIGNING_KEY to sign credentials.")
    seed = hashlib.sha256(b"tsunagari-credential-key:" + settings.SECRET_KEY.encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_multibase(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + base58btc(_ED25519_PUB + raw)


def verification_method() -> str:
    return absolute_url(reverse("certificate-key")) + "#key-1"


def key_document() -> dict:
    """The public key as a Multikey verification method."""
    return {
        "@context": ["https://w3id.org/security/multikey/v1"],
        "id": verification_method(),
        "type": "Multikey",
        "controller": absolute_url("/"),
        "publicKeyMultibase": public_key_multibase(signing_key().public_key()),
    }


def credential_document(certificate: Certificate) -> dict:
    """The unsigned OpenBadgeCredential of a certificate."""
    content, _images = certificate_text(certificate)
    course = certificate.completion.course
    subject = {"type": ["AchievementSubject"]}
    if content.name:
        subject["name"] = content.name
    subject["achievement"] = {
        "id": absolute_url(course.url or "/"),
        "type": ["Achievement"],
        "name": strip_ruby(course.title),
        "description": strip_ruby(course.summary),
        "criteria": {"narrative": "コースのすべてのレッスンを修了し、修了の条件を満たしたこと。"},
    }
    document = {
        "@context": CONTEXTS,
        "id": content.verify_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": absolute_url("/"),
            "type": ["Profile"],
            "name": content.issuer_name,
        },
        "validFrom": certificate.issued_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "name": f"修了証：{strip_ruby(course.title)}",
        "credentialSubject": subject,
        "identifier": [
            {
                "type": "IdentityObject",
                "identityHash": certificate.serial,
                "identityType": "identifier",
                "hashed": False,
            }
        ],
    }
    if certificate.is_revoked:
        document["validUntil"] = certificate.revoked_at.astimezone(UTC).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
    return document


def sign(document: dict, *, created: str) -> dict:
    """Attach an eddsa-jcs-2022 Data Integrity proof."""
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": created,
        "verificationMethod": verification_method(),
        "proofPurpose": "assertionMethod",
        "@context": document["@context"],
    }
    digest = hashlib.sha256(jcs(proof)).digest() + hashlib.sha256(jcs(document)).digest()
    signature = signing_key().sign(digest)
    signed = dict(document)
    proof.pop("@context")
    signed["proof"] = {**proof, "proofValue": "z" + base58btc(signature)}
    return signed


def verify(signed: dict, public_key: Ed25519PublicKey) -> bool:
    """Check the proof of a credential made by ``sign`` (used by tests and operators)."""
    document = {key: value for key, value in signed.items() if key != "proof"}
    proof = dict(signed["proof"])
    proof_value = proof.pop("proofValue")
    proof["@context"] = document["@context"]
    digest = hashlib.sha256(jcs(proof)).digest() + hashlib.sha256(jcs(document)).digest()
    number = 0
    for char in proof_value[1:]:
        number = number * 58 + _B58.index(char)
    signature = number.to_bytes(64, "big")
    try:
        public_key.verify(signature, digest)
    except Exception:  # noqa: BLE001 - any failure means "not valid"
        return False
    return True


def signed_credential(certificate: Certificate) -> dict:
    created = certificate.issued_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return sign(credential_document(certificate), created=created)
