"""Public forms of the events app: the course finder, sign-up and organiser registration."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from organizations.models import Municipality, Prefecture
from reports.models import TrainingSession

from .models import NICKNAME_MAX_LENGTH, PlannedCourse


class FinderForm(forms.Form):
    """近くの講座を探す: a plain GET form (works without JavaScript). The municipality list
    holds only the municipalities (of the chosen prefecture) that have an upcoming course, and
    the designated cities whose wards have one."""

    prefecture = forms.ModelChoiceField(
        label=_("都道府県"),
        queryset=Prefecture.objects.order_by("code"),
        required=False,
        empty_label=_("すべての都道府県"),
        to_field_name="code",
    )
    municipality = forms.ModelChoiceField(
        label=_("市区町村"),
        queryset=Municipality.objects.none(),
        required=False,
        empty_label=_("すべての市区町村"),
        to_field_name="code",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        held_in = PlannedCourse.objects.listed().values("municipality")
        # A designated city is offered when one of its wards holds a course.
        with_courses = Municipality.objects.filter(
            Q(pk__in=held_in)
            | Q(pk__in=Municipality.objects.filter(pk__in=held_in).values("parent"))
        )
        code = self.data.get("prefecture") if self.is_bound else None
        if code:
            with_courses = with_courses.filter(prefecture_id=code)
        self.fields["municipality"].queryset = with_courses.select_related("prefecture").order_by(
            "code"
        )
        self.fields["municipality"].label_from_instance = lambda m: m.full_name

    def filter(self, queryset):
        """``queryset`` narrowed to the chosen area (everything when nothing valid is chosen)."""
        if not self.is_valid():
            return queryset
        municipality = self.cleaned_data.get("municipality")
        prefecture = self.cleaned_data.get("prefecture")
        if municipality is not None:
            # A designated city's courses include those held in its wards.
            return queryset.filter(
                Q(municipality=municipality) | Q(municipality__parent=municipality)
            )
        if prefecture is not None:
            return queryset.filter(municipality__prefecture=prefecture)
        return queryset


class SignupForm(forms.Form):
    """As little as a sign-up needs: a nickname, and an email only for a reminder."""

    nickname = forms.CharField(
        label=_("ニックネーム"),
        max_length=NICKNAME_MAX_LENGTH,
        help_text=_("当日、主催者が受付で呼ぶ名前です。本名でなくてかまいません。"),
        error_messages={"required": _("ニックネームを入力してください。")},
    )
    wants_reminder = forms.BooleanField(
        label=_("メールで確認とお知らせを受け取る"),
        required=False,
        help_text=_("申し込みの確認、キャンセル待ちからの繰り上がり、中止のお知らせを送ります。"),
    )
    email = forms.EmailField(
        label=_("メールアドレス"),
        required=False,
        help_text=_("お知らせを希望する人だけ入力してください。講座が終わると削除します。"),
        error_messages={"invalid": _("メールアドレスの形で入力してください。")},
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("wants_reminder") and not cleaned.get("email"):
            self.add_error("email", _("お知らせを受け取るにはメールアドレスを入力してください。"))
        if not cleaned.get("wants_reminder"):
            # Not asked for: not kept.
            cleaned["email"] = ""
        return cleaned


class OrganiserRegistrationForm(forms.Form):
    """The public form with which a company, NPO, school or office asks to hold courses."""

    municipality = forms.CharField(
        label=_("開催する市区町村の団体コード"),
        max_length=6,
        min_length=6,
        help_text=_("全国地方公共団体コード（6 桁、例：大阪市は 271004）。"),
        error_messages={"required": _("市区町村の団体コードを入力してください。")},
    )
    organisation_type = forms.ChoiceField(
        label=_("団体の種別"), choices=TrainingSession.OrganiserType.choices
    )
    organisation_name = forms.CharField(label=_("団体名"), max_length=100)
    name = forms.CharField(label=_("担当者の氏名"), max_length=100)
    email = forms.EmailField(
        label=_("メールアドレス"),
        help_text=_("承認されると、パスワードを設定するリンクをここに送ります。"),
    )

    def clean_municipality(self):
        code = self.cleaned_data["municipality"].strip()
        municipality = Municipality.objects.filter(code=code).first()
        if municipality is None:
            raise forms.ValidationError(_("この団体コードの市区町村はありません。"))
        return municipality
