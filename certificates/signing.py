"""The site's Ed25519 signing key and the encodings of eddsa-jcs-2022 (W3C "Data Integrity
EdDSA Cryptosuites v1.0"): base58btc, Multikey, JCS (RFC 8785) and timestamps.

The lowest module of the credential machinery: ``certificates.did`` publishes the keys,
``certificates.proofs`` signs and verifies with them. Key management: docs/certificate-keys.md.
"""

import hashlib
from datetime import UTC, datetime

import rfc8785
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# The W3C Verifiable Credentials 2.0 context, first of every document this site signs.
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
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
