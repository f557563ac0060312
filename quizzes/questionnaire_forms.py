"""The questionnaire's form (Wagtail's form builder) with the limits the page states.

Wagtail's builder limits one-line answers to 255 characters and multi-line answers not at
all (a 9,000-character answer was accepted). Here both have a stated limit, kept by the
server with line breaks counted as the browser counts them, and a Japanese message.
"""

from django import forms
from django.utils.translation import gettext as _
from wagtail.contrib.forms.forms import FormBuilder

from elearning.text_limits import LimitedTextField

# A one-line answer (a name of a place, a word); a free comment of a few paragraphs, as long as
# the summary of opinions a session report holds.
SINGLELINE_MAX_LENGTH = 200
MULTILINE_MAX_LENGTH = 2000


def _with_limit(options: dict, limit: int) -> dict:
    note = _("%(limit)s 文字まで") % {"limit": f"{limit:,}"}
    help_text = options.get("help_text") or ""
    options["help_text"] = f"{help_text}（{note}）" if help_text else note
    options["max_length"] = limit
    return options


class QuestionnaireFormBuilder(FormBuilder):
    """Text answers bounded (``SINGLELINE_MAX_LENGTH``, ``MULTILINE_MAX_LENGTH``); the limit is
    in each field's help text and its ``maxlength``."""

    def create_singleline_field(self, field, options):
        return LimitedTextField(**_with_limit(options, SINGLELINE_MAX_LENGTH))

    def create_multiline_field(self, field, options):
        options.setdefault("widget", forms.Textarea)
        return LimitedTextField(**_with_limit(options, MULTILINE_MAX_LENGTH))
