"""Length limits of free text typed by people, the same on the server as the form says.

Browsers count a line break as one character against ``maxlength`` but send it as CR LF, so
a box filled to its limit arrives longer than the limit: text is measured (and kept) with
``\\n`` line breaks. Too long is refused with a Japanese message, never cut silently.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext as _


def normalise_newlines(text: str) -> str:
    """``text`` with CR LF and CR line breaks written as LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def check_length(text: str, limit: int) -> str:
    """``text`` (line breaks normalised, stripped) or ``ValidationError`` when longer than
    ``limit`` characters."""
    text = normalise_newlines(text).strip()
    if len(text) > limit:
        raise ValidationError(
            too_long_message(limit, len(text)), code="max_length", params={"limit": limit}
        )
    return text


def too_long_message(limit: int, length: int) -> str:
    return _("%(limit)s 文字以内で書いてください（いま %(length)s 文字です）。") % {
        "limit": f"{limit:,}",
        "length": f"{length:,}",
    }


class LimitedTextField(forms.CharField):
    """A ``CharField`` whose ``max_length`` counts line breaks as the browser does, with a
    Japanese message that says the limit and the length (「2,000 文字以内で…」)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, MaxLengthValidator)]
        if self.max_length is not None:
            self.validators.append(self._check_length)

    def _check_length(self, value):
        if len(value) > self.max_length:
            raise ValidationError(too_long_message(self.max_length, len(value)), code="max_length")

    def to_python(self, value):
        value = super().to_python(value)
        return normalise_newlines(value) if isinstance(value, str) else value
