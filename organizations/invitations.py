"""One-time links with which imported staff set their own password (no password is ever
sent or printed). A link works once: setting the password changes what it was signed with.
It expires after ``STAFF_INVITATION_DAYS`` days; a new one can be sent at any time."""

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import StaffMember


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "organizations.invitations.InvitationTokenGenerator"

    @property
    def timeout(self):
        return int(getattr(settings, "STAFF_INVITATION_DAYS", 14)) * 24 * 3600


invitation_tokens = InvitationTokenGenerator()


def one_time_url(view_name: str, user, token_generator) -> str:
    """The absolute link to ``view_name`` (a ``PasswordResetConfirmView``) for ``user``,
    signed by ``token_generator``: it works once and until the generator's timeout."""
    path = reverse(
        view_name,
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": token_generator.make_token(user),
        },
    )
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def invitation_url(user) -> str:
    """The absolute one-time link for ``user`` to set their password."""
    return one_time_url("staff-set-password", user, invitation_tokens)


def staff_needing_invitation(queryset):
    """Active staff with an account whose password has not been set yet."""
    return (
        queryset.filter(status=StaffMember.Status.ACTIVE, learner__user__isnull=False)
        # Django marks an unusable password with this prefix (auth.hashers).
        .filter(learner__user__password__startswith=UNUSABLE_PASSWORD_PREFIX)
        .select_related("learner__user", "department", "municipality")
        .order_by("department__name", "staff_number")
    )


def invitation_message(staff: StaffMember) -> tuple:
    """The invitation email of ``staff`` (who has an account and an email address), as
    ``send_mass_mail`` takes it; sent by ``services.staff_send_invitations``."""
    user = staff.learner.user
    context = {
        "staff": staff,
        "username": user.get_username(),
        "url": invitation_url(user),
        "days": int(getattr(settings, "STAFF_INVITATION_DAYS", 14)),
        "site_name": settings.WAGTAIL_SITE_NAME,
    }
    subject = render_to_string("organizations/email/invitation_subject.txt", context).strip()
    body = render_to_string("organizations/email/invitation.txt", context)
    return (subject, body, None, [staff.email])
