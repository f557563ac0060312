"""Certificate (修了証) and supporter-card PDFs drawn with reportlab.

Fonts are the BIZ UD TrueType files in ``base/fonts/`` (embedded as subsets, so every viewer shows
the same glyphs). Layout is computed first (``layout_certificate``) and then drawn, so tests can
check that every line stays inside the page. Output is deterministic: the same content gives
the same bytes (fixed creation date and document ID).
"""

import io
import re
import time
from dataclasses import dataclass
from datetime import datetime

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, TimeStamp
from reportlab.pdfgen import canvas as pdf_canvas

from base.glyphs import (
    GOTHIC,
    GOTHIC_BOLD,
    MINCHO,
    NAME_SPACES,
    chain,
    cluster_advance,
    clusters,
    runs,
)

from .qr import qr_modules, qr_path

INK = HexColor("#1b1b1b")
FRAME = HexColor("#1f3a5f")
ACCENT = HexColor("#8a6d1d")
# Characters that must not begin a line in Japanese typesetting (行頭禁則).
NO_LINE_START = set(
    "、。，．・：；？！ー）」』】〕〉》ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"
)

# Furigana in the text of the children's course, as 漢字《かんじ》 (see courses/ruby.py): the
# base and its reading stay together on a line, and the reading is drawn above the base.
RUBY = re.compile(r"(｜[^｜《》]+|[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF々〆ヶ]+)《([^《》]+)》")
RUBY_SCALE = 0.5

PAGE_W, PAGE_H = landscape(A4)
TEXT_LEFT, TEXT_RIGHT = 90.0, PAGE_W - 90.0


def register_fonts() -> None:
    """Register the TrueType fonts (BIZ UD and the IPAmj明朝 fallback) once per process."""
    for primary in (MINCHO, GOTHIC, GOTHIC_BOLD):
        chain(primary)


@dataclass(frozen=True)
class CertificateContent:
    title: str
    name: str
    course_title: str
    body: str
    date_text: str
    issuer_name: str
    issuer_title: str
    serial: str
    verify_url: str
    logo_png: bytes | None = None
    seal_png: bytes | None = None
    document_id: str = ""
    created: datetime | None = None
    # The children's course: title, body and date carry readings as 漢字《かんじ》.
    ruby: bool = False
    printed_date: str = ""  # drawn in place of date_text when set
    honorific: str = "様"
    serial_label: str = "修了証番号"
    verify_label: str = "確認用URL"


@dataclass(frozen=True)
class CardContent:
    name: str
    course_title: str
    date_text: str
    issuer_name: str
    serial: str
    verify_url: str
    ruby: bool = False  # course title and date carry readings as 漢字《かんじ》
    honorific: str = "様"


@dataclass(frozen=True)
class Line:
    """One line of text as it is drawn: ``x`` is the left edge, ``y`` the baseline."""

    text: str
    font: str
    size: float
    x: float
    y: float
    width: float
    char_space: float = 0.0
    ruby: bool = False


def units_of(text: str, ruby: bool = False) -> list[str]:
    """The units a line never breaks inside: clusters, and with ``ruby`` a whole 漢字《かんじ》."""
    if not ruby:
        return list(clusters(text))
    units, start = [], 0
    for match in RUBY.finditer(text):
        units.extend(clusters(text[start : match.start()]))
        units.append(match.group(0))
        start = match.end()
    units.extend(clusters(text[start:]))
    return units


def _base(unit: str) -> str:
    match = RUBY.fullmatch(unit)
    return match.group(1).lstrip("｜") if match else unit


def width_of(
    text: str, font: str, size: float, char_space: float = 0.0, ruby: bool = False
) -> float:
    """The drawn width of ``text`` in points (with ``char_space`` between characters), each
    character measured in the font that prints it (with ``ruby``, readings take no width)."""
    units = [cluster_advance(cluster, font) for cluster in clusters(_plain(text, ruby))]
    return 0.001 * size * sum(units) + char_space * max(len(units) - 1, 0)


def _plain(text: str, ruby: bool) -> str:
    return RUBY.sub(lambda m: m.group(1).lstrip("｜"), text) if ruby else text


def _advance(char: str, font: str) -> float:
    if len(char) > 2:  # a 漢字《かんじ》 unit: as wide as its base
        return sum(cluster_advance(c, font) for c in clusters(_base(char)))
    return cluster_advance(char, font)


def wrap(text: str, font: str, size: float, max_width: float, ruby: bool = False) -> list[str]:
    """Break Japanese text at any character, never starting a line with 、。」 and the like
    (with ``ruby``, never inside a 漢字《かんじ》)."""
    # The width of the line so far is kept as a running sum of advances, as reportlab sums
    # them in stringWidth, rather than measuring the whole line again for every character.
    scale = 0.001 * size
    lines, current, units = [], "", 0.0
    for char in units_of(text, ruby):
        if char == "\n":
            lines.append(current)
            current, units = "", 0.0
            continue
        advance = _advance(char, font)
        if current and scale * (units + advance) > max_width:
            last = units_of(current, ruby)
            if char in NO_LINE_START and len(last) > 1:
                # Carry the last character down with the forbidden one.
                lines.append("".join(last[:-1]))
                current = last[-1]
                units = _advance(current, font)
            else:
                lines.append(current)
                current, units = "", 0.0
        current += char
        units += advance
    if current:
        lines.append(current)
    return lines


def fit_lines(
    text: str,
    font: str,
    size: float,
    floor: float,
    max_width: float,
    max_lines: int,
    ruby: bool = False,
) -> tuple[list[str], float]:
    """Shrink ``text`` until it fits ``max_lines`` lines of ``max_width`` (wrapping at the
    floor size if it must); returns the lines and the size used."""
    while size > floor and width_of(text, font, size, ruby=ruby) > max_width * max_lines:
        size -= 1
    while size > floor and len(wrap(text, font, size, max_width, ruby)) > max_lines:
        size -= 0.5
    return wrap(text, font, size, max_width, ruby), size


def fit_name(
    name: str, suffix: str, font: str, size: float, floor: float, max_width: float, max_lines: int
) -> tuple[list[str], float]:
    """Lines and size for a name: shrink to ``floor`` on one line first, then wrap only at a
    space between words (never inside 德永), shrinking further if it must; ``suffix`` (様)
    always ends the last line. Nothing is ever dropped."""
    words = [
        word
        for word in "".join(c if c not in NAME_SPACES else "\n" for c in name).split("\n")
        if word
    ]
    spaces = [c for c in name if c in NAME_SPACES]
    joiner = spaces[0] if spaces else " "

    def best_split(count: int) -> list[str]:
        if count == 1 or len(words) < 2:
            return [name.strip() + suffix]
        # Balance two lines: the split whose wider line is narrowest.
        options = [
            [joiner.join(words[:cut]), joiner.join(words[cut:]) + suffix]
            for cut in range(1, len(words))
        ]
        return min(options, key=lambda lines: max(width_of(t, font, 1) for t in lines))

    while True:
        for count in range(1, max_lines + 1):
            lines = best_split(count)
            if all(width_of(text, font, size) <= max_width for text in lines):
                return lines, size
            if count == 1 and size > floor:
                break
        else:
            if size <= 1:
                return lines, size
        size = max(size - 0.5, 1)


def draw_line(
    canvas, text: str, font: str, size: float, x: float, y: float, char_space=0.0, ruby=False
):
    """Draw text at (x, y), each character in the first font of the chain that has it (with
    ``ruby``, each reading centred above its base at half the size)."""
    if ruby and RUBY.search(text):
        for unit in units_of(text, ruby=True):
            base = _base(unit)
            draw_line(canvas, base, font, size, x, y, char_space)
            width = width_of(base, font, size, char_space)
            if base != unit:
                reading = RUBY.fullmatch(unit).group(2)
                small = size * RUBY_SCALE
                reading_width = width_of(reading, font, small)
                draw_line(canvas, reading, font, small, x + (width - reading_width) / 2, y + size)
            x += width + char_space
        return
    text_object = canvas.beginText(x, y)
    text_object.setCharSpace(char_space)
    for run in runs(text, font):
        text_object.setFont(run.font, size)
        text_object.textOut(run.drawn)
    canvas.drawText(text_object)


def _centred(
    text: str, font: str, size: float, y: float, char_space: float = 0.0, ruby: bool = False
) -> Line:
    width = width_of(text, font, size, char_space, ruby)
    return Line(text, font, size, (PAGE_W - width) / 2, y, width, char_space, ruby)


def layout_certificate(content: CertificateContent) -> list[Line]:
    """Where every line of the certificate goes (A4 landscape, points from bottom left)."""
    register_fonts()
    ruby = content.ruby
    lines = [_centred(content.title, MINCHO, 46, PAGE_H - 150, char_space=22, ruby=ruby)]
    y = PAGE_H - 225
    if content.name:
        name_lines, size = fit_name(content.name, "　" + content.honorific, MINCHO, 30, 16, 560, 2)
        for text in name_lines:
            lines.append(_centred(text, MINCHO, size, y))
            y -= size * 1.45
        y -= 18
    else:
        y -= 10
    # The body must end above the date line (y = 180): shrink it until it does.
    body_width = TEXT_RIGHT - TEXT_LEFT
    size = 18.0
    while True:
        body_lines, size = fit_lines(content.body, MINCHO, size, 10, body_width, 5, ruby)
        if y - (len(body_lines) - 1) * size * 1.75 >= 205 or size <= 10:
            break
        size -= 0.5
    for text in body_lines:
        lines.append(_centred(text, MINCHO, size, y, ruby=ruby))
        y -= size * 1.75
    date = content.printed_date or content.date_text
    lines.append(_centred(date, MINCHO, 15, max(y - 30, 175), ruby=ruby))
    right = PAGE_W - 150
    if content.issuer_title:
        title_size = 13
        while title_size > 8 and width_of(content.issuer_title, MINCHO, title_size) > 330:
            title_size -= 0.5
        width = width_of(content.issuer_title, MINCHO, title_size)
        lines.append(Line(content.issuer_title, MINCHO, title_size, right - width, 140, width))
    issuer_size = 19
    while issuer_size > 9 and width_of(content.issuer_name, MINCHO, issuer_size) > 330:
        issuer_size -= 0.5
    width = width_of(content.issuer_name, MINCHO, issuer_size)
    lines.append(Line(content.issuer_name, MINCHO, issuer_size, right - width, 112, width))
    small = 7.5
    serial = f"{content.serial_label} {content.serial}"
    width = width_of(serial, GOTHIC, small, ruby=ruby)
    lines.append(Line(serial, GOTHIC, small, 122, 82, width, ruby=ruby))
    url_lines, url_size = fit_lines(content.verify_url, GOTHIC, small, 5.5, 300, 2)
    label = content.verify_label
    width = width_of(label, GOTHIC, small, ruby=ruby)
    lines.append(Line(label, GOTHIC, small, 122, 70, width, ruby=ruby))
    for index, text in enumerate(url_lines):
        lines.append(
            Line(
                text,
                GOTHIC,
                url_size,
                122,
                60 - index * (url_size + 2),
                width_of(text, GOTHIC, url_size),
            )
        )
    return lines


def _deterministic_canvas(buffer, pagesize, created: datetime | None, title: str):
    # The initial font is ours, so no unembedded standard font is referenced at all.
    canvas = pdf_canvas.Canvas(
        buffer, pagesize=pagesize, invariant=1, pageCompression=1, initialFontName=MINCHO
    )
    if created is not None:
        # reportlab stamps invariant documents with a fixed date; use the issue date instead.
        stamp = TimeStamp(invariant=1)
        stamp.t = created.timestamp()
        stamp.lt = time.gmtime(stamp.t)
        stamp.YMDhms = tuple(stamp.lt)[:6]
        canvas._doc._timeStamp = stamp
    canvas.setTitle(title)
    canvas.setAuthor("Tsunagari")
    canvas.setCreator("Tsunagari e-learning")
    canvas.setSubject("修了証")
    return canvas


def _qr(canvas, url: str, x: float, y: float, size: float) -> None:
    """Draw the QR code of ``url`` as one filled path in a ``size`` square at (x, y).

    The path is in module units under a scaling transform, so it holds small integers only
    (and no drawing text state, so no extra font).
    """
    modules = qr_modules(url)
    module = size / len(modules)
    canvas.setFillColor(INK)
    canvas.saveState()
    canvas.transform(module, 0, 0, module, x, y)
    canvas.addLiteral(qr_path(modules))
    canvas.restoreState()


def _draw_frame(canvas) -> None:
    canvas.setStrokeColor(FRAME)
    canvas.setLineWidth(3.2)
    canvas.rect(24, 24, PAGE_W - 48, PAGE_H - 48)
    canvas.setLineWidth(0.8)
    canvas.rect(33, 33, PAGE_W - 66, PAGE_H - 66)
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(0.6)
    for x, y in ((40, 40), (PAGE_W - 40, 40), (40, PAGE_H - 40), (PAGE_W - 40, PAGE_H - 40)):
        canvas.circle(x, y, 3.5, stroke=1, fill=0)
    # A thin rule under the title.
    canvas.line(PAGE_W / 2 - 120, PAGE_H - 168, PAGE_W / 2 + 120, PAGE_H - 168)


def render_certificate(content: CertificateContent) -> bytes:
    """The certificate as an A4 landscape PDF."""
    register_fonts()
    buffer = io.BytesIO()
    canvas = _deterministic_canvas(
        buffer,
        (PAGE_W, PAGE_H),
        content.created,
        f"{_plain(content.title, content.ruby)} {content.serial}",
    )
    _draw_frame(canvas)
    canvas.setFillColor(INK)
    for line in layout_certificate(content):
        draw_line(
            canvas, line.text, line.font, line.size, line.x, line.y, line.char_space, line.ruby
        )
    if content.logo_png:
        canvas.drawImage(
            ImageReader(io.BytesIO(content.logo_png)),
            52,
            PAGE_H - 110,
            width=70,
            height=70,
            preserveAspectRatio=True,
            mask="auto",
        )
    if content.seal_png:
        canvas.drawImage(
            ImageReader(io.BytesIO(content.seal_png)),
            PAGE_W - 140,
            92,
            width=56,
            height=56,
            preserveAspectRatio=True,
            mask="auto",
        )
    _qr(canvas, content.verify_url, 52, 48, 62)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


CARD_W, CARD_H = 85.6 * mm, 54 * mm


def _cut_marks(canvas, x: float, y: float) -> None:
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.3)
    gap, length = 3, 9
    for cx, cy, dx, dy in (
        (x, y, -1, -1),
        (x + CARD_W, y, 1, -1),
        (x, y + CARD_H, -1, 1),
        (x + CARD_W, y + CARD_H, 1, 1),
    ):
        canvas.line(cx + dx * gap, cy, cx + dx * (gap + length), cy)
        canvas.line(cx, cy + dy * gap, cx, cy + dy * (gap + length))


def _draw_card(canvas, card: CardContent, x: float, y: float) -> None:
    canvas.setStrokeColor(FRAME)
    canvas.setLineWidth(0.8)
    canvas.roundRect(x + 3, y + 3, CARD_W - 6, CARD_H - 6, 6)
    canvas.setFillColor(FRAME)
    canvas.setFont(GOTHIC_BOLD, 13)
    canvas.drawString(x + 10, y + CARD_H - 20, "つながりサポーター")
    canvas.setFillColor(INK)
    inner = CARD_W - 20 - 16 * mm
    course_lines, size = fit_lines(card.course_title, GOTHIC, 7, 5, inner, 2, card.ruby)
    yy = y + CARD_H - 32
    for text in course_lines:
        canvas.setFont(GOTHIC, size)
        draw_line(canvas, text, GOTHIC, size, x + 10, yy, ruby=card.ruby)
        yy -= size * (1.6 if card.ruby else 1) + 2
    if card.name:
        # The name may use the card's full width: the QR code sits lower down.
        name_lines, size = fit_name(card.name, " " + card.honorific, MINCHO, 12, 7, CARD_W - 20, 2)
        for index, text in enumerate(name_lines):
            draw_line(canvas, text, MINCHO, size, x + 10, yy - 12 - index * size * 1.3)
    canvas.setFont(GOTHIC, 6)
    draw_line(canvas, card.date_text, GOTHIC, 6, x + 10, y + 20, ruby=card.ruby)
    issuer, size = fit_lines(card.issuer_name, GOTHIC, 6, 4.5, inner, 1)
    if issuer:  # the operator may not have named the issuer yet
        canvas.setFont(GOTHIC, size)
        canvas.drawString(x + 10, y + 12, issuer[0])
    canvas.setFont(GOTHIC, 5)
    canvas.drawString(x + 10, y + 6, card.serial)
    _qr(canvas, card.verify_url, x + CARD_W - 10 - 15 * mm, y + 8, 15 * mm)


def render_cards(cards: list[CardContent]) -> bytes:
    """Supporter cards, two to an A4 portrait sheet, each with cut marks."""
    register_fonts()
    buffer = io.BytesIO()
    canvas = _deterministic_canvas(buffer, A4, None, "つながりサポーターカード")
    page_w, page_h = A4
    x = (page_w - CARD_W) / 2
    for index, card in enumerate(cards):
        if index and index % 2 == 0:
            canvas.showPage()
        y = page_h - 70 * mm - (index % 2) * (CARD_H + 30 * mm)
        _cut_marks(canvas, x, y)
        _draw_card(canvas, card, x, y)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
