"""The one check for a name that will be printed on a certificate (修了証) or card."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .glyphs import unprintable


def validate_printable_name(value: str) -> None:
    """Refuse a name with any character no embedded font can print, naming each one."""
    refused = unprintable(value)
    if refused:
        messages = [
            _("「%(char)s」（%(codes)s）は修了証に印字できません。")
            % {"char": char, "codes": " ".join(f"U+{ord(c):04X}" for c in char)}
            for char in refused
        ]
        raise ValidationError(messages, code="unprintable")
