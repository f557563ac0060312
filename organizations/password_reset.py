"""Password reset for the optional citizens' accounts and staff with a local password.

Django's own views and token generator, with two changes:

- the answer never tells whether an address has an account: the page is the same either way,
  and the lookup and the mail happen in a background task after the response, so not even
  the response time differs;
- requests are limited per client address and per address asked about
  (``PASSWORD_RESET_LIMIT_PER_CLIENT`` / ``PASSWORD_RESET_LIMIT_PER_EMAIL`` in
  ``PASSWORD_RESET_WINDOW_MINUTES``), so the form cannot be used to flood someone's inbox.

Staff who sign in through the municipality's identity provider have no usable password and
get no mail (Django's ``PasswordResetForm.get_users``).
"""

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from base.cache import count_in_window
from base.client_address import budget_key, client_address

from .invitations import one_time_url


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def reset_url(user) -> str:
    """The absolute one-time link with which ``user`` chooses a new password."""
    return one_time_url("password_reset_confirm", user, default_token_generator)


@task()
def send_password_reset(email: str) -> int:
    """Mail a reset link to every active account with ``email`` and a usable password.

    Returns how many were sent (0 for an unknown address, which nobody is told).
    """
    sent = 0
    for user in PasswordResetForm().get_users(email):
        context = {
            "user": user,
            "url": reset_url(user),
            "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        }
        subject = render_to_string("registration/password_reset_subject.txt", context).strip()
        body = render_to_string("registration/password_reset_email.txt", context)
        send_mail(subject, body, None, [user.email])
        sent += 1
    return sent


def _over_limit(key: str, limit: int, window_seconds: int) -> bool:
    """Count one request under ``key``; True once more than ``limit`` fell in the window.

    Also True while the cache cannot count (Redis unreachable): each request sends mail to
    someone's inbox, which an uncounted form would let anyone flood, and a reset can wait
    the few minutes of an outage (the refusal asks to try again later)."""
    count = count_in_window(key, window_seconds)
    return count is None or count > limit


class RequestForm(PasswordResetForm):
    """Asks for the address only; sending is left to the background task."""

    email = forms.EmailField(
        label=_("メールアドレス"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("アカウントを作ったときに登録したアドレスです。"),
    )

    def save(self, **kwargs):
        # Queuing is this request's only write; the mail goes from the worker.
        send_password_reset.enqueue(self.cleaned_data["email"])


class PasswordResetRequestView(auth_views.PasswordResetView):
    """``/accounts/password_reset/``: the same answer for every address, rate-limited."""

    form_class = RequestForm
    template_name = "registration/password_reset_form.html"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        window = _setting("PASSWORD_RESET_WINDOW_MINUTES", 60) * 60
        client = budget_key(client_address(self.request))
        email = form.cleaned_data["email"].strip().lower()
        # Both counters move on every request, so a refused request still counts.
        too_many_from_client = _over_limit(
            f"password-reset:client:{client}",
            _setting("PASSWORD_RESET_LIMIT_PER_CLIENT", 10),
            window,
        )
        too_many_for_email = _over_limit(
            f"password-reset:email:{email}", _setting("PASSWORD_RESET_LIMIT_PER_EMAIL", 3), window
        )
        if too_many_from_client or too_many_for_email:
            form.add_error(
                None,
                _(
                    "短い時間に何度も再設定の依頼がありました。届いたメールを確かめるか、"
                    "しばらく（1時間ほど）たってから、もう一度お試しください。"
                ),
            )
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The link from the mail: choose a new password (the link works once)."""

    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
