"""The administrator's certificate form: correct the name (reissue) or revoke with a reason."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm


class CertificateAdminForm(WagtailAdminModelForm):
    revoke = forms.BooleanField(label=_("この修了証を失効させる"), required=False)
    reason = forms.CharField(label=_("失効の理由"), required=False, max_length=200)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("revoke") and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("失効させる理由を入力してください。"))
        if self.instance.pk and self.instance.is_revoked and "name_printed" in self.changed_data:
            self.add_error("name_printed", _("失効した修了証は再発行できません。"))
        return cleaned
