"""The site as a ``did:web`` controller document (W3C DID 1.0, did:web method).

The issuer of every credential is ``did:web:<host of BASE_URL>`` (a port is written ``%3A``,
as the did:web method requires). Its document, served at ``/.well-known/did.json``, lists the
current signing key and every retired one (``CERTIFICATE_RETIRED_PUBLIC_KEYS``) as Multikey
verification methods, all under ``assertionMethod``: a credential signed before a rotation
names its key by an id derived from the key, and that id stays resolvable.
"""

from urllib.parse import quote, urlsplit

from django.conf import settings

from .signing import key_id, public_key_from_multibase, public_key_multibase, signing_key

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"


def site_did() -> str:
    """``did:web:`` + the host (and ``%3A`` + port) of ``BASE_URL``."""
    parts = urlsplit(settings.BASE_URL)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return "did:web:" + quote(host, safe="")


def retired_public_keys() -> list[str]:
    """The ``publicKeyMultibase`` of every retired key still listed, from settings."""
    keys = []
    for multibase in getattr(settings, "CERTIFICATE_RETIRED_PUBLIC_KEYS", []):
        multibase = multibase.strip()
        if multibase:
            public_key_from_multibase(multibase)  # refuse a malformed entry loudly
            keys.append(multibase)
    return keys


def verification_methods() -> list[dict]:
    """The current key first, then the retired keys, each as a Multikey of this DID."""
    did = site_did()
    current = public_key_multibase(signing_key().public_key())
    keys = [current] + [key for key in retired_public_keys() if key != current]
    return [
        {
            "id": f"{did}#{key_id(multibase)}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": multibase,
        }
        for multibase in keys
    ]


def did_document() -> dict:
    """The controller document of ``site_did()``."""
    methods = verification_methods()
    ids = [method["id"] for method in methods]
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": site_did(),
        "verificationMethod": methods,
        "assertionMethod": ids,
    }


def verification_method() -> str:
    """The DID URL of the current signing key (``did:web:<host>#key-…``)."""
    return f"{site_did()}#{key_id(public_key_multibase(signing_key().public_key()))}"


def key_document() -> dict:
    """The current public key as a Multikey verification method (also in did.json)."""
    return {"@context": ["https://w3id.org/security/multikey/v1"], **verification_methods()[0]}
