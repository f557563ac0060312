from django.conf import settings
from django.core import checks


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
