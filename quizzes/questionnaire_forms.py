"""The questionnaire's form: Wagtail's form builder with limits the page states and messages
in plain Japanese.

Wagtail builds each answer field from the editor's questions. Out of the box a multi-line
answer has no length limit at all, and errors read like Django's defaults
(「この値は 60 文字以下でなければなりません( 5000 文字になっています)」, 「999999 は候補にありません」).
Here every text answer is bounded (the same limit is shown next to the box and enforced on the
server), and every error says in plain words what to do.
"""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.forms.forms import FormBuilder

SINGLE_LINE_MAX = 200


def multiline_max() -> int:
    """Longest free-text answer (``QUESTIONNAIRE_ANSWER_MAX_LENGTH``, 2,000 characters)."""
    return int(getattr(settings, "QUESTIONNAIRE_ANSWER_MAX_LENGTH", 2000))


ERROR_MESSAGES = {
    "required": _("この質問は必須です。答えてから送信してください。"),
    "invalid_choice": _("選択肢の中から選んでください。"),
    "invalid_list": _("選択肢の中から選んでください。"),
    "invalid": _("形が正しくありません。例にならって書いてください。"),
    "max_length": _("%(limit_value)d文字以内で書いてください（いまは%(show_value)d文字です）。"),
    "max_digits": _("数字が長すぎます。"),
    "max_decimal_places": _("数字が長すぎます。"),
    "max_whole_digits": _("数字が長すぎます。"),
}


class QuestionnaireFormBuilder(FormBuilder):
    """Bounded text answers; Japanese messages on every field."""

    def create_singleline_field(self, field, options):
        options["max_length"] = SINGLE_LINE_MAX
        return forms.CharField(**options)

    def create_multiline_field(self, field, options):
        options["max_length"] = multiline_max()
        options.setdefault("widget", forms.Textarea(attrs={"rows": 5}))
        return forms.CharField(**options)

    @property
    def formfields(self):
        formfields = super().formfields
        for name, formfield in formfields.items():
            formfield.error_messages = {**formfield.error_messages, **ERROR_MESSAGES}
            limit = getattr(formfield, "max_length", None)
            if limit:
                # Browsers stop typing at the limit; the server checks it again.
                formfield.widget.attrs["maxlength"] = str(limit)
                formfield.limit_note = _("%(limit)s文字まで") % {"limit": f"{limit:,}"}
                # The page template prints the help and the limit under these ids.
                described_by = [f"id_{name}-limit"]
                if formfield.help_text:
                    described_by.insert(0, f"id_{name}_helptext")
                formfield.widget.attrs["aria-describedby"] = " ".join(described_by)
        return formfields
