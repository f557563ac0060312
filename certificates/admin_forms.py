"""The administrator's certificate forms: correct the name (reissue), and revoke with a reason
after a confirmation step. Each says what becomes public."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

REISSUE_PUBLIC_TEXT = _(
    "訂正した氏名で修了証を再発行します（版が一つ上がります）。修了証番号と確認コードは変わらず、"
    "確認コードを知っている人が開く確認ページ（公開）と PDF には訂正後の氏名が表示されます。"
    "訂正前の氏名は管理画面の記録にだけ残ります。"
)
REVOKE_PUBLIC_TEXT = _(
    "失効させると、確認コードを知っている人が開く確認ページ（公開）に「失効」と失効日が"
    "表示され、有効な修了証としては扱われなくなります。失効は取り消せません。"
)
REVOKE_PRIVATE_TEXT = _(
    "失効の理由は公開されません。管理画面（この修了証の詳細）にだけ記録されます。"
)


class CertificateAdminForm(WagtailAdminModelForm):
    """Name correction only; revoking has its own screen with a confirmation step."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("name_printed")
        if field is not None:
            field.help_text = REISSUE_PUBLIC_TEXT

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.instance.is_revoked and "name_printed" in self.changed_data:
            self.add_error("name_printed", _("失効した修了証は再発行できません。"))
        return cleaned


class CertificateRevokeForm(forms.Form):
    """Step 1 asks for the reason; step 2 shows what becomes public and asks to confirm."""

    reason = forms.CharField(
        label=_("失効の理由（公開されません）"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("受講者の個人情報は書かないでください。"),
        error_messages={
            "required": _("失効させる理由を入力してください。"),
            "max_length": _("理由は200文字以内で入力してください。"),
        },
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("失効させる理由を入力してください。"))
        return reason
