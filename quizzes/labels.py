"""How choices read on screen: a bare ○ or × of a ○× question gets its meaning in words, so
that a screen reader (which may read ○ as "まる" or not at all) and a child both know it."""

from django.utils.translation import gettext as _

from courses.ruby import strip_ruby

from .records import QuestionKind

_TRUE_MARKS = {"○", "〇", "◯", "o", "O"}
_FALSE_MARKS = {"×", "✕", "✖", "x", "X"}


def choice_label(question, text: str) -> str:
    """The text to show for a choice: 「○（正しい）」「×（まちがい）」 for a bare mark of a ○×
    question, the editor's text otherwise (which may carry 《》 readings)."""
    if question.kind != QuestionKind.TRUE_FALSE:
        return text
    mark = strip_ruby(text).strip()
    if mark in _TRUE_MARKS:
        return _("○（正しい）")
    if mark in _FALSE_MARKS:
        return _("×（まちがい）")
    return text
