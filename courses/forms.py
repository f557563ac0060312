from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from base.printable_names import validate_printable_name
from organizations.models import AttendeeType, Municipality, Prefecture


def municipality_choices() -> list:
    """All 1,916 local governments grouped by prefecture, for a select that needs no script."""
    groups: dict[str, list] = {}
    rows = Municipality.objects.order_by("code").values_list("pk", "name", "prefecture__name")
    for pk, name, prefecture_name in rows:
        groups.setdefault(prefecture_name, []).append((str(pk), name))
    return [("", _("選んでください（任意）")), *groups.items()]


class LearnerProfileForm(forms.Form):
    """What a learner may tell us about themselves; every field is optional."""

    prefecture = forms.ModelChoiceField(
        label=_("都道府県"),
        queryset=Prefecture.objects.all(),
        required=False,
        empty_label=_("選んでください（任意）"),
        help_text=_("市区町村の一覧を絞り込みます。"),
    )
    municipality = forms.ChoiceField(
        label=_("お住まい・お勤めの市区町村"),
        required=False,
        help_text=_("その市区町村の相談窓口を表示し、地域ごとの受講者数の集計に使います。"),
    )
    attendee_type = forms.ChoiceField(
        label=_("受講者区分"),
        choices=[("", _("選んでください（任意）")), *AttendeeType.choices],
        required=False,
        help_text=_("集計にだけ使います。"),
    )
    display_name = forms.CharField(
        label=_("修了証に印字する氏名"),
        max_length=60,
        required=False,
        validators=[validate_printable_name],
        help_text=_("空欄でも、ニックネームでも構いません。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].choices = municipality_choices()

    def clean_municipality(self):
        value = self.cleaned_data.get("municipality")
        if not value:
            return None
        municipality = Municipality.objects.filter(pk=value).first()
        if municipality is None:
            raise forms.ValidationError(_("一覧から市区町村を選んでください。"))
        return municipality

    def clean(self):
        data = super().clean()
        prefecture, municipality = data.get("prefecture"), data.get("municipality")
        if prefecture and municipality and municipality.prefecture_id != prefecture.pk:
            self.add_error("municipality", _("選んだ都道府県の市区町村を選んでください。"))
        return data


class SignupForm(UserCreationForm):
    """An optional account for citizens: a user name and a password, e-mail optional."""

    email = forms.EmailField(
        label=_("メールアドレス（任意）"),
        required=False,
        help_text=_("パスワードを忘れたときの再設定にだけ使います。"),
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")
