"""The QR code printed on certificates and cards: it scans to the verification URL, and its
modules are exactly what an independent encoder makes of the same data."""

import io
import re
from dataclasses import replace

import segno
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader
from segno import consts

from certificates.models import CODE_ALPHABET, CODE_LENGTH
from certificates.pdf import CardContent, render_cards, render_certificate
from certificates.qr import qr_modules

from .test_pdf import CONTENT

# The QR code in a page's content stream: a scaling transform, one rectangle per run of dark
# modules (in module units), one fill.
QR_BLOCK = re.compile(r"q\n(\S+) 0 0 \1 (\S+) (\S+) cm\n((?:\d+ \d+ \d+ 1 re\n)+)f\nQ")


def drawn_qr_codes(pdf: bytes) -> list[tuple[float, float, float, list[list[bool]]]]:
    """Every QR code drawn on the first page: (x, y, size in points, modules top row first)."""
    stream = PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data().decode("latin-1")
    codes = []
    for scale, x, y, runs in QR_BLOCK.findall(stream):
        rects = [tuple(map(int, line.split()[:3])) for line in runs.splitlines()]
        count = max(column + width for column, _row, width in rects)
        modules = [[False] * count for _ in range(count)]
        for column, row, width in rects:
            for offset in range(width):
                modules[count - 1 - row][column + offset] = True
        codes.append((float(x), float(y), float(scale) * count, modules))
    return codes


def scan(modules: list[list[bool]]):
    """Decode modules as a phone would see them: 4-module quiet zone, 4 pixels a module."""
    count = len(modules)
    image = Image.new("L", (count + 8, count + 8), 255)
    for row, cells in enumerate(modules):
        for column, dark in enumerate(cells):
            if dark:
                image.putpixel((column + 4, row + 4), 0)
    image = image.resize(((count + 8) * 4, (count + 8) * 4), Image.Resampling.NEAREST)
    return zxingcpp.read_barcode(image, formats=zxingcpp.BarcodeFormat.QRCode)


def test_the_certificate_qr_code_scans_to_its_verification_url():
    [(x, y, size, modules)] = drawn_qr_codes(render_certificate(CONTENT))
    assert (x, y) == (52, 48) and abs(size - 62) < 0.01  # bottom left, clear of the frame
    assert modules == qr_modules(CONTENT.verify_url)  # drawn the right way up, not mirrored
    result = scan(modules)
    assert result is not None and result.valid
    assert result.text == CONTENT.verify_url
    assert result.ec_level == "M"


def test_both_supporter_cards_carry_a_code_that_scans():
    card = CardContent(
        name="つながり 花子",
        course_title="つながりサポーター養成講座",
        date_text="令和7年（2025年）11月22日",
        issuer_name="大阪市",
        serial="TS-2025-00012345",
        verify_url=CONTENT.verify_url,
    )
    codes = drawn_qr_codes(render_cards([card, replace(card, name="")]))
    assert len(codes) == 2
    assert all(scan(modules).text == CONTENT.verify_url for *_place, modules in codes)


BYTE, ALPHANUMERIC, NUMERIC = consts.MODE_BYTE, consts.MODE_ALPHANUMERIC, consts.MODE_NUMERIC
VERIFY = "/certificates/verify"


def test_modules_equal_an_independent_encoder_with_its_own_mask_choice():
    """segno (pure Python) encodes the same segments at level M and picks the mask by the
    standard's penalty rules itself: the matrices must be identical, mask included."""
    base = "https://tsunagari.example.lg.jp"
    for segments in (
        # Lower-case text in byte mode, the upper-case code with its slashes alphanumeric.
        [(base + VERIFY, BYTE), ("/ABCDEFGHJKMNPQRSTW/", ALPHANUMERIC)],
        [(base + VERIFY, BYTE), ("/Z9Y8X7W6T5S4R3Q2PN/", ALPHANUMERIC)],
        [
            ("https://e-learning.city.osaka.lg.jp" + VERIFY, BYTE),
            ("/HK7M2QWX4ZT9PRS3NB/", ALPHANUMERIC),
        ],
        # A long run of digits is cheaper in numeric mode.
        [
            ("http://localhost:8000" + VERIFY + "/", BYTE),
            ("23456789", NUMERIC),
            ("ABCDEFGHJK/", ALPHANUMERIC),
        ],
    ):
        url = "".join(text for text, _mode in segments)
        reference = segno.make_qr(segments, error="m", boost_error=False)
        assert qr_modules(url) == [[bool(m) for m in row] for row in reference.matrix], url


@settings(max_examples=40, deadline=None)
@given(code=st.text(alphabet=CODE_ALPHABET, min_size=CODE_LENGTH, max_size=CODE_LENGTH))
def test_every_verification_code_scans_back(code):
    url = f"https://tsunagari.example.lg.jp/certificates/verify/{code}/"
    result = scan(qr_modules(url))
    assert result is not None and result.text == url
