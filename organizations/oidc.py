"""Sign-in of staff through the municipality's identity provider (OpenID Connect).

Enabled only when ``OIDC_RP_CLIENT_ID`` is set (README, "Sign-in through the municipality's
identity provider"). The roster stays the authority on who is staff: the IdP's claims are
matched to an imported, active staff member — by staff number (``OIDC_STAFF_NUMBER_CLAIM``)
within the municipality named by ``OIDC_MUNICIPALITY_CLAIM`` (a claim holding the 6-digit
code) or fixed by ``OIDC_MUNICIPALITY_CODE`` — and no account is ever created here.
"""

from django.conf import settings
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from base.imports import normalise_code

from .models import StaffMember


def staff_claims(claims: dict) -> tuple[str, str]:
    """(municipality code, staff number) named by an IdP's claims; empty strings if absent."""
    number = normalise_code(claims.get(getattr(settings, "OIDC_STAFF_NUMBER_CLAIM", "")))
    claim = getattr(settings, "OIDC_MUNICIPALITY_CLAIM", "")
    code = normalise_code(claims.get(claim)) if claim else ""
    return code or getattr(settings, "OIDC_MUNICIPALITY_CODE", ""), number


class StaffOIDCBackend(OIDCAuthenticationBackend):
    """Log in the imported staff member the IdP vouches for; nobody else."""

    def verify_claims(self, claims):
        code, number = staff_claims(claims)
        return bool(code and number)

    def filter_users_by_claims(self, claims):
        code, number = staff_claims(claims)
        if not (code and number):
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(
            is_active=True,
            learner__staff_member__municipality__code=code,
            learner__staff_member__staff_number=number,
            learner__staff_member__status=StaffMember.Status.ACTIVE,
        )

    def create_user(self, claims):
        # Staff accounts come from roster imports only.
        return None

    def update_user(self, user, claims):
        return user
