"""Public views of the organizations app: staff set their own password from a one-time link."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from .invitations import invitation_tokens


class StaffSetPasswordView(auth_views.PasswordResetConfirmView):
    """The one-time link of ``organizations.invitations``: choose a password, then logged in."""

    token_generator = invitation_tokens
    template_name = "registration/staff_set_password.html"
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("my-learning")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("パスワードを設定しました。"))
        return response
