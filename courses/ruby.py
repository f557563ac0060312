"""Furigana written as 漢字《かんじ》 (the notation of Aozora Bunko), rendered as ``<ruby>``.

Editors of the children's course type the reading after the kanji in 《》. The base is the run of
kanji right before 《; ｜ (full-width bar) marks the start of a base that includes kana.
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_KANJI = r"[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF々〆ヶ]"
_EXPLICIT = re.compile(r"｜([^｜《》<>]{1,30})《([^《》<>]{1,60})》")
_IMPLICIT = re.compile(rf"({_KANJI}+)《([^《》<>]{{1,60}})》")
_TAG_SPLIT = re.compile(r"(<[^>]*>)")


def _ruby(match: re.Match) -> str:
    base, reading = match.group(1), match.group(2)
    return f"<ruby>{base}<rp>（</rp><rt>{reading}</rt><rp>）</rp></ruby>"


def _convert_text(text: str) -> str:
    return _IMPLICIT.sub(_ruby, _EXPLICIT.sub(_ruby, text))


def render_ruby(value) -> SafeString:
    """Return HTML with every 漢字《かんじ》 turned into ``<ruby>``.

    Plain strings are escaped first; HTML (a ``SafeString``, e.g. rendered rich text) is
    converted only in its text, never inside tags.
    """
    if value is None:
        return mark_safe("")
    # HTML already (a SafeString, or Wagtail's RichText) is kept; plain text is escaped first.
    value = value.__html__() if hasattr(value, "__html__") else escape(str(value))
    # Safe: the input was escaped or was trusted HTML, and only text runs are rewritten.
    if "《" not in value:
        return mark_safe(value)  # noqa: S308
    parts = _TAG_SPLIT.split(str(value))
    return mark_safe(  # noqa: S308
        "".join(part if part.startswith("<") else _convert_text(part) for part in parts)
    )


def strip_ruby(value) -> str:
    """The text with readings removed (for <title>, search and plain-text places)."""
    if not value:
        return ""
    text = _EXPLICIT.sub(lambda m: m.group(1), str(value))
    return _IMPLICIT.sub(lambda m: m.group(1), text)
