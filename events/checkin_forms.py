"""The attendee's check-in forms: the 4-digit number, the check-in itself, the card's name.

Plain HTML forms that work without JavaScript; choices are radio buttons (large targets on a
phone) rather than selects.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from organizations.models import AttendeeType
from reports.models import AGE_BAND_FIELDS, GENDER_FIELDS

from .models import QUESTIONNAIRE_COMMENT_MAX_LENGTH, QuestionnaireAnswer
from .services import CARD_NAME_MAX_LENGTH

NO_ANSWER = ("", _("答えない"))


class CheckInCodeForm(forms.Form):
    """The number on the organiser's screen (or read out), sent by GET so that the QR code's
    link (``?code=NNNN``) and the typed number take the same path."""

    code = forms.CharField(
        label=_("受付番号（4 けた）"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "off",
                "autocapitalize": "off",
                "enterkeyhint": "go",
                "class": "checkin-code",
            }
        ),
        error_messages={"required": _("4 けたの番号を入力してください。")},
    )


class CheckInForm(forms.Form):
    """Who is counted: the attendee type, and only if the attendee wants to, age band and
    gender (the columns the 実施報告 asks for). ``pass_token`` is the signed pass the page with
    a valid code handed out (``events.checkin_views``)."""

    pass_token = forms.CharField(widget=forms.HiddenInput)
    attendee_type = forms.ChoiceField(
        label=_("受講者区分"),
        choices=AttendeeType.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("受講者区分を選んでください。"),
            "invalid_choice": _("受講者区分は一覧から選んでください。"),
        },
    )
    age_band = forms.ChoiceField(
        label=_("年代（任意）"),
        choices=[NO_ANSWER, *AGE_BAND_FIELDS.items()],
        widget=forms.RadioSelect,
        required=False,
        initial="",
        error_messages={"invalid_choice": _("年代は一覧から選んでください。")},
    )
    gender = forms.ChoiceField(
        label=_("性別（任意）"),
        choices=[NO_ANSWER, *GENDER_FIELDS.items()],
        widget=forms.RadioSelect,
        required=False,
        initial="",
        error_messages={"invalid_choice": _("性別は一覧から選んでください。")},
    )


class CardForm(forms.Form):
    """The name to print on the supporter card: optional, any nickname."""

    name = forms.CharField(
        label=_("カードに印字する名前（任意）"),
        max_length=CARD_NAME_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={
            "max_length": _("名前は %(limit_value)s 文字以内にしてください。"),
        },
    )


class QuestionnaireForm(forms.Form):
    """The held course's short questionnaire: three choices (radio buttons, large targets)
    and an optional comment. No name is asked; ``services.questionnaire_answer`` checks it
    all again."""

    understanding = forms.ChoiceField(
        label=_("講座の内容は分かりましたか"),
        choices=QuestionnaireAnswer.Understanding.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("分かりやすさを選んでください。"),
            "invalid_choice": _("分かりやすさは一覧から選んでください。"),
        },
    )
    satisfaction = forms.ChoiceField(
        label=_("講座に満足しましたか"),
        choices=QuestionnaireAnswer.Satisfaction.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("満足度を選んでください。"),
            "invalid_choice": _("満足度は一覧から選んでください。"),
        },
    )
    reach_out = forms.ChoiceField(
        label=_("つながりサポーターとして、困っている人に声をかけてみようと思いますか"),
        choices=QuestionnaireAnswer.ReachOut.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("声をかけてみようと思うかを選んでください。"),
            "invalid_choice": _("声をかけてみようと思うかは一覧から選んでください。"),
        },
    )
    comment = forms.CharField(
        label=_("感想・ご意見（任意）"),
        required=False,
        strip=True,
        # The browser stops at the limit; the server counts again with line breaks as one
        # character (browsers send them as two), as the attendee saw them counted.
        widget=forms.Textarea(
            attrs={"rows": 4, "autocomplete": "off", "maxlength": QUESTIONNAIRE_COMMENT_MAX_LENGTH}
        ),
    )

    CHOICE_FIELDS = ("understanding", "satisfaction", "reach_out")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].help_text = _(
            "個人が特定されることは書かないでください。%(max)s 文字まで書けます。"
            "主催者と市区町村の担当者だけが読みます。"
        ) % {"max": QUESTIONNAIRE_COMMENT_MAX_LENGTH}

    def clean_comment(self):
        comment = self.cleaned_data["comment"].replace("\r\n", "\n").replace("\r", "\n")
        if len(comment) > QUESTIONNAIRE_COMMENT_MAX_LENGTH:
            raise forms.ValidationError(
                _("感想は %(max)s 文字以内にしてください（いま %(n)s 文字）。")
                % {"max": QUESTIONNAIRE_COMMENT_MAX_LENGTH, "n": len(comment)}
            )
        return comment
