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

from courses.ruby import strip_ruby

from .did import site_did
from .models import Certificate
from .proofs import sign
from .rendering import absolute_url, certificate_text
from .signing import VC_CONTEXT, utc_timestamp
from .status_list import status_entry

OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CONTEXTS = [VC_CONTEXT, OB_CONTEXT]


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


def signed_credential(certificate: Certificate) -> dict:
    """The credential of ``certificate`` with its proof, dated at issue."""
    return sign(credential_document(certificate), created=utc_timestamp(certificate.issued_at))
