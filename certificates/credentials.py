"""Open Badges 3.0 / W3C Verifiable Credentials for certificates, signed with Ed25519.

Each certificate is also a credential a learner can keep in a digital wallet. The proof is a
Data Integrity proof with the ``eddsa-jcs-2022`` cryptosuite (W3C "Data Integrity EdDSA
Cryptosuites v1.0", section 3.3): the proof options carry the credential's ``@context``, the
hash is ``sha256(JCS(proof options)) || sha256(JCS(credential without proof))`` and the proof is
published with that ``@context``, so that any conforming verifier recomputes the same bytes.

The issuer is the site's ``did:web`` (``certificates.did``): its controller document at
``/.well-known/did.json`` lists the current key and every retired key by id, so credentials
signed before a key rotation still verify. Revocation is published in a W3C Bitstring Status
List (``certificates.status_list``). Key management: docs/certificate-keys.md.
"""

import hashlib
from datetime import UTC, datetime

import rfc8785
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from courses.ruby import strip_ruby

from .models import Certificate
from .rendering import absolute_url, certificate_text

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CONTEXTS = [VC_CONTEXT, OB_CONTEXT]
CRYPTOSUITE = "eddsa-jcs-2022"
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
# Multicodec prefix of an Ed25519 public key (0xed, varint-encoded).
_ED25519_PUB = b"\xed\x01"


def base58btc(data: bytes) -> str:
    """Bitcoin base58 of ``data`` (leading zero bytes become leading ``1``)."""
    number = int.from_bytes(data, "big")
    encoded = ""
    while number:
        number, rest = divmod(number, 58)
        encoded = _B58[rest] + encoded
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + encoded


def base58btc_decode(text: str) -> bytes:
    """Inverse of ``base58btc``; ``ValueError`` on a character outside the alphabet."""
    number = 0
    for char in text:
        index = _B58.find(char)
        if index < 0:
            raise ValueError(f"not base58btc: {char!r}")
        number = number * 58 + index
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def jcs(value) -> bytes:
    """JSON Canonicalization Scheme (RFC 8785), as eddsa-jcs-2022 requires."""
    return rfc8785.dumps(value)


def utc_timestamp(moment: datetime) -> str:
    """An XML Schema dateTimeStamp in UTC, to the second (what VC 2.0 ``validFrom`` wants)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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
    """The key as a Multikey ``publicKeyMultibase`` (``z`` + base58btc of 0xed01 + 32 bytes)."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + base58btc(_ED25519_PUB + raw)


def public_key_from_multibase(multibase: str) -> Ed25519PublicKey:
    """Inverse of ``public_key_multibase``; ``ValueError`` if it is not an Ed25519 Multikey."""
    if not multibase.startswith("z"):
        raise ValueError("publicKeyMultibase must be base58btc ('z')")
    raw = base58btc_decode(multibase[1:])
    if len(raw) != 34 or raw[:2] != _ED25519_PUB:
        raise ValueError("not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def key_id(multibase: str) -> str:
    """The fragment naming a key in the DID document: derived from the key itself, so a key
    keeps its id when it is retired and old proofs still point at it."""
    return "key-" + hashlib.sha256(multibase.encode()).hexdigest()[:16]


def verification_method() -> str:
    """The DID URL of the current signing key (``did:web:<host>#key-…``)."""
    from .did import site_did

    return f"{site_did()}#{key_id(public_key_multibase(signing_key().public_key()))}"


def credential_document(certificate: Certificate) -> dict:
    """The unsigned OpenBadgeCredential of a certificate."""
    from .did import site_did
    from .status_list import status_entry

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
            "id": site_did(),
            "type": ["Profile"],
            "name": content.issuer_name,
            "url": absolute_url("/"),
        },
        "validFrom": utc_timestamp(certificate.issued_at),
        "name": f"修了証：{strip_ruby(course.title)}",
        # The serial printed on the PDF; VC 2.0 defines ``description``, so it expands cleanly.
        "description": f"修了証番号 {certificate.serial}",
        "credentialSubject": subject,
        "credentialStatus": status_entry(certificate),
    }
    if certificate.is_revoked:
        document["validUntil"] = utc_timestamp(certificate.revoked_at)
    return document


def _hash_data(proof_config: dict, document: dict) -> bytes:
    return hashlib.sha256(jcs(proof_config)).digest() + hashlib.sha256(jcs(document)).digest()


def sign(document: dict, *, created: str) -> dict:
    """Attach an eddsa-jcs-2022 Data Integrity proof (Create Proof, vc-di-eddsa 3.3.1).

    The proof options take the document's ``@context`` before they are hashed, and the
    published proof keeps it: a verifier hashes exactly the proof it reads.
    """
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method(),
        "proofPurpose": "assertionMethod",
    }
    if "@context" in document:
        proof["@context"] = document["@context"]
    signature = signing_key().sign(_hash_data(proof, document))
    # A set of one proof: VC 2.0 allows an object or a set, Open Badges 3.0's JSON schema
    # accepts only an array (1EdTech openbadges-specification issue #473).
    return {**document, "proof": [{**proof, "proofValue": "z" + base58btc(signature)}]}


def verify(signed: dict, public_key: Ed25519PublicKey) -> bool:
    """Check an eddsa-jcs-2022 proof as the spec's Verify Proof algorithm does (vc-di-eddsa
    3.3.2): the credential as published, no member added back. Used by tests and operators;
    the independent check is tests/verifier/."""
    try:
        proofs = signed["proof"]
        if isinstance(proofs, list):
            if len(proofs) != 1:
                return False
            proofs = proofs[0]
        proof = dict(proofs)
        if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
            return False
        proof_value = proof.pop("proofValue")
        document = {key: value for key, value in signed.items() if key != "proof"}
        if "@context" in proof:
            # The document's contexts must start with the proof's, in the same order.
            contexts = document.get("@context")
            wanted = proof["@context"]
            wanted = wanted if isinstance(wanted, list) else [wanted]
            have = contexts if isinstance(contexts, list) else [contexts]
            if have[: len(wanted)] != wanted:
                return False
            document["@context"] = proof["@context"]
        if not proof_value.startswith("z"):
            return False
        signature = base58btc_decode(proof_value[1:])
        public_key.verify(signature, _hash_data(proof, document))
    except Exception:  # noqa: BLE001 - any failure means "not valid"
        return False
    return True


def signed_credential(certificate: Certificate) -> dict:
    """The credential of ``certificate`` with its proof, dated at issue."""
    return sign(credential_document(certificate), created=utc_timestamp(certificate.issued_at))


def key_document() -> dict:
    """The current public key as a Multikey verification method (also in did.json)."""
    from .did import verification_methods

    return {"@context": ["https://w3id.org/security/multikey/v1"], **verification_methods()[0]}
