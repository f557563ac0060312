"""A report's parameters as people type them (fiscal year, prefecture code), checked before
anything is read; the messages are shown as they are on the dashboard, the API and the CLI."""

from django.utils.translation import gettext as _

from .models import PROGRAMME_START

# Reports may be asked for years ahead (targets are set in advance); their figures are zero.
LAST_FISCAL_YEAR = 2100


class InvalidParameter(ValueError):
    """A report parameter that is not acceptable (message in Japanese)."""


def check_fiscal_year(value) -> int:
    """A fiscal year from user input (``InvalidParameter`` when unusable)."""
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidParameter(_("年度は西暦の4桁（例：2025）で指定してください。")) from None
    if not PROGRAMME_START.year <= year <= LAST_FISCAL_YEAR:
        raise InvalidParameter(
            _("年度は%(first)s〜%(last)sの範囲で指定してください。")
            % {"first": PROGRAMME_START.year, "last": LAST_FISCAL_YEAR}
        )
    return year


def check_prefecture_code(value) -> str:
    """A prefecture code from user input, as two digits (``InvalidParameter`` when unusable)."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 47 and len(text) <= 2):
        raise InvalidParameter(_("都道府県コードは01〜47の数字で指定してください。"))
    return f"{int(text):02d}"


def check_municipality_code(value) -> str:
    """A municipality code from user input: 6 digits, or 5 without the check digit."""
    code = str(value).strip()
    if not (code.isascii() and code.isdigit() and len(code) in (5, 6)):
        raise InvalidParameter(_("市区町村コードは6桁の数字で指定してください。"))
    return code
