"""System checks of what certificates and credentials promise: a real signing key and one
public https address (``BASE_URL``) for every printed URL, QR code, credential id and did:web."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

from .signing import public_key_from_multibase


@checks.register(checks.Tags.security, deploy=True)
def signing_key_configured(app_configs, **kwargs):
    """Credentials must be signed with a key of the operator's, not one derived in development."""
    if getattr(settings, "CERTIFICATE_SIGNING_KEY", ""):
        return []
    return [
        checks.Error(
            "CERTIFICATE_SIGNING_KEY is not set: Open Badges credentials cannot be signed.",
            hint="Generate an Ed25519 key as described in docs/certificate-keys.md.",
            id="certificates.E001",
        )
    ]


def _is_local(host: str) -> bool:
    if host in ("localhost", "testserver") or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified or address.is_link_local


def base_url_problems(url: str) -> list[str]:
    """Why ``url`` cannot be the public address printed on certificates (empty if it can)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return [f"BASE_URL {url!r} is not a URL."]
    problems = []
    if parts.scheme != "https":
        problems.append(f"BASE_URL {url!r} is not https.")
    if not parts.hostname:
        problems.append(f"BASE_URL {url!r} has no host.")
    elif _is_local(parts.hostname):
        problems.append(f"BASE_URL {url!r} names this machine, not a public host.")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        problems.append(f"BASE_URL {url!r} must be scheme://host[:port] only (no path).")
    del port  # read only to reject a malformed port
    return problems


def _base_url_errors() -> list[checks.Error]:
    return [
        checks.Error(
            problem,
            hint=(
                "Set the environment variable BASE_URL to the site's public address, e.g. "
                "https://tsunagari.example.lg.jp. It is printed on certificates and in their QR "
                "codes, and it names the issuer of credentials (did:web); see README.md."
            ),
            id="certificates.E002",
        )
        for problem in base_url_problems(settings.BASE_URL)
    ]


@checks.register(checks.Tags.security)
def public_base_url(app_configs, **kwargs):
    """In production (``BASE_URL_MUST_BE_PUBLIC``) every management command, migrate included,
    refuses to run until BASE_URL is a public https address."""
    if not getattr(settings, "BASE_URL_MUST_BE_PUBLIC", False):
        return []
    return _base_url_errors()


@checks.register(checks.Tags.security, deploy=True)
def public_base_url_deploy(app_configs, **kwargs):
    """``check --deploy`` reports the same under any settings (once)."""
    if getattr(settings, "BASE_URL_MUST_BE_PUBLIC", False):
        return []  # already reported by public_base_url
    return _base_url_errors()


@checks.register(checks.Tags.security)
def retired_keys_well_formed(app_configs, **kwargs):
    """A retired key that cannot be read would break /.well-known/did.json for everyone."""

    errors = []
    for multibase in getattr(settings, "CERTIFICATE_RETIRED_PUBLIC_KEYS", []):
        try:
            public_key_from_multibase(multibase.strip())
        except ValueError as error:
            errors.append(
                checks.Error(
                    f"CERTIFICATE_RETIRED_PUBLIC_KEYS: {multibase!r} is not an Ed25519 "
                    f"publicKeyMultibase ({error}).",
                    hint="Copy the key's publicKeyMultibase from /.well-known/did.json.",
                    id="certificates.E003",
                )
            )
    return errors
