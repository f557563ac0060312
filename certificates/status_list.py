"""Revocation as a W3C Bitstring Status List (Bitstring Status List v1.0).

Every credential carries a ``BitstringStatusListEntry`` pointing at one bit of a signed
``BitstringStatusListCredential`` served at ``/certificates/status/<n>.json``. A wallet or
verifier that holds an old copy of a credential fetches the list and learns of a revocation
without asking about the certificate itself (the list is the same for everyone).

Positions come from the certificate's primary key (list ``n`` holds ``LIST_SIZE`` consecutive
certificates) and are stored on the certificate at issue, so they never move. The bitstring is
built from ``revoked_at`` on request: revoking a certificate sets its bit from then on.
"""

import base64
import gzip
from datetime import datetime

from django.urls import reverse
from django.utils import timezone

from .did import site_did
from .models import Certificate
from .proofs import sign
from .rendering import absolute_url
from .signing import VC_CONTEXT, utc_timestamp

# The spec's minimum (16 KiB uncompressed), so one list gives herd privacy to many holders.
LIST_SIZE = 131_072
PURPOSE = "revocation"


def assign_position(certificate: Certificate) -> None:
    """Give a newly created certificate its place in a status list (the primary key makes
    the position unique without a lock); ``services.certificate_issue`` saves it."""
    offset = certificate.pk - 1
    certificate.status_list = offset // LIST_SIZE + 1
    certificate.status_list_index = offset % LIST_SIZE


def list_url(number: int) -> str:
    return absolute_url(reverse("certificate-status-list", args=[number]))


def status_entry(certificate: Certificate) -> dict:
    """The ``credentialStatus`` member of the certificate's credential."""
    url = list_url(certificate.status_list)
    return {
        "id": f"{url}#{certificate.status_list_index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": PURPOSE,
        "statusListIndex": str(certificate.status_list_index),
        "statusListCredential": url,
    }


def encode_bits(indexes) -> str:
    """The spec's ``encodedList``: bit 0 is the most significant bit of the first byte;
    GZIP, then base64url without padding, with the multibase prefix ``u``."""
    bits = bytearray(LIST_SIZE // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    # mtime=0: the same revocations always give the same bytes.
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode().rstrip("=")


def decode_bits(encoded: str) -> bytes:
    """Inverse of ``encode_bits`` (the uncompressed bitstring)."""
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url ('u')")
    data = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def bit_is_set(bitstring: bytes, index: int) -> bool:
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))


def list_exists(number: int) -> bool:
    """Whether list ``number`` holds any certificate (a number past any database integer is
    simply not a list, rather than an overflow)."""
    if not 1 <= number <= 2**31 - 1:
        return False
    return Certificate.objects.filter(status_list=number).exists()


def status_list_document(number: int, *, now: datetime | None = None) -> dict:
    """The unsigned BitstringStatusListCredential of list ``number``, as of ``now``."""

    now = now or timezone.now()
    revoked = Certificate.objects.filter(status_list=number, revoked_at__isnull=False).values_list(
        "status_list_index", flat=True
    )
    url = list_url(number)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": site_did(),
        "validFrom": utc_timestamp(now),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encode_bits(revoked),
        },
    }


def signed_status_list(number: int) -> dict:
    """The status list credential with an eddsa-jcs-2022 proof of the site's key."""

    now = timezone.now()
    return sign(status_list_document(number, now=now), created=utc_timestamp(now))
