"""The questionnaire's form: Wagtail's form builder with the limits the page states and
messages in plain Japanese.

Wagtail's builder limits one-line answers to 255 characters and multi-line answers not at
all (a 9,000-character answer was accepted), and its errors read like Django's defaults
(「999999 は候補にありません」). Here both kinds of text answer have a stated limit, kept by the
server with line breaks counted as the browser counts them, and every error says in plain
words what to do.
"""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.contrib.forms.forms import FormBuilder

from base.text_limits import LimitedTextField

# A one-line answer (a name of a place, a word); a free comment of a few paragraphs, as long as
# the summary of opinions a session report holds.
SINGLELINE_MAX_LENGTH = 200
MULTILINE_MAX_LENGTH = 2000

# Django's own wordings replaced on every field (the length message comes from LimitedTextField).
ERROR_MESSAGES = {
    "required": gettext_lazy("この質問は必須です。答えてから送信してください。"),
    "invalid_choice": gettext_lazy("選択肢の中から選んでください。"),
    "invalid_list": gettext_lazy("選択肢の中から選んでください。"),
    "invalid": gettext_lazy("書き方が正しくありません。例にならって書いてください。"),
    "max_digits": gettext_lazy("数字が長すぎます。"),
    "max_decimal_places": gettext_lazy("数字が長すぎます。"),
    "max_whole_digits": gettext_lazy("数字が長すぎます。"),
}


def _with_limit(options: dict, limit: int) -> dict:
    note = _("%(limit)s 文字まで") % {"limit": f"{limit:,}"}
    help_text = options.get("help_text") or ""
    options["help_text"] = f"{help_text}（{note}）" if help_text else note
    options["max_length"] = limit
    return options


class QuestionnaireFormBuilder(FormBuilder):
    """Text answers bounded (``SINGLELINE_MAX_LENGTH``, ``MULTILINE_MAX_LENGTH``); the limit is
    in each field's help text and its ``maxlength``; Japanese messages on every field."""

    def create_singleline_field(self, field, options):
        return LimitedTextField(**_with_limit(options, SINGLELINE_MAX_LENGTH))

    def create_multiline_field(self, field, options):
        options.setdefault("widget", forms.Textarea(attrs={"rows": 5}))
        return LimitedTextField(**_with_limit(options, MULTILINE_MAX_LENGTH))

    @property
    def formfields(self):
        formfields = super().formfields
        for formfield in formfields.values():
            formfield.error_messages = {**formfield.error_messages, **ERROR_MESSAGES}
        return formfields
