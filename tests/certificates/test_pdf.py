import io
import shutil
import subprocess
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from certificates.pdf import (
    MINCHO,
    NO_LINE_START,
    PAGE_H,
    PAGE_W,
    CardContent,
    CertificateContent,
    layout_certificate,
    register_fonts,
    render_cards,
    render_certificate,
    width_of,
    wrap,
)

ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
CONTENT = CertificateContent(
    title="修了証",
    name="つながり 花子",
    course_title="つながりサポーター養成講座",
    body="あなたは「つながりサポーター養成講座」の課程を修了したことを証します。",
    date_text="令和7年（2025年）11月22日",
    issuer_name="大阪市長",
    issuer_title="大阪市 福祉局",
    serial="TS-2025-00012345",
    verify_url="https://tsunagari.example.lg.jp/certificates/verify/ABCDEFGHJKMNPQRSTW/",
    created=datetime(2025, 11, 22),
)


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_pdf_text_has_name_course_date_serial_and_url():
    text = text_of(render_certificate(CONTENT))
    for expected in (
        "修了証",
        "つながり 花子",
        "つながりサポーター養成講座",
        "令和7年（2025年）11月22日",
        "TS-2025-00012345",
        "大阪市長",
    ):
        assert expected in text.replace(" ", "") or expected in text, expected
    assert "/certificates/verify/ABCDEFGHJKMNPQRSTW/" in text.replace("\n", "")


def test_fonts_are_embedded_subsets():
    reader = PdfReader(io.BytesIO(render_certificate(CONTENT)))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert fonts
    for ref in fonts.values():
        font = ref.get_object()
        descendant = (
            font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        )
        descriptor = descendant["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor  # an embedded TrueType program
        assert "+" in str(font["/BaseFont"])  # ABCDEF+Name: a subset


def test_a_40_character_name_and_a_long_course_title_stay_inside_the_page():
    long = replace(
        CONTENT,
        name="寿限無寿限無五劫の擦り切れ海砂利水魚の水行末雲来末風来末食う寝る処に住む処やぶら",
        body="あなたは「" + "とても長いコースの名前" * 11 + "」の課程を修了したことを証します。",
    )
    assert len(long.name) == 40
    lines = layout_certificate(long)
    for line in lines:
        assert line.x >= 40 and line.x + line.width <= PAGE_W - 40, line
        assert 40 <= line.y <= PAGE_H - 40, line
    # Nothing overlaps: baselines of centred lines are at least a line apart.
    ys = sorted(line.y for line in lines if line.x > 150)
    assert all(b - a >= 9 for a, b in zip(ys, ys[1:], strict=False))
    text = text_of(render_certificate(long)).replace("\n", "")
    assert "寿限無" in text and "やぶら" in text


@settings(max_examples=60, deadline=None)
@given(
    text=st.text(alphabet="あいう漢字、。」ーabcXYZ 12", max_size=120),
    size=st.sampled_from([7.5, 13, 18.5]),
)
@example(text="あ" * 8 + "、" + "い" * 20, size=18.5)  # 、 at the end of a full line
def test_wrapped_lines_keep_every_character_and_each_fits_the_width(text, size):
    register_fonts()
    lines = wrap(text, MINCHO, size, 150)
    assert "".join(lines) == text
    assert all(width_of(line, MINCHO, size) <= 150 for line in lines)
    # Greedy: a line ends only where its next character would not have fitted (or where
    # that character may not begin a line and was carried down with the one before it).
    for line, following in zip(lines, lines[1:], strict=False):
        carried = len(following) > 1 and following[1] in NO_LINE_START
        assert width_of(line + following[0], MINCHO, size) > 150 or carried


def test_the_same_certificate_gives_the_same_bytes_and_stays_small():
    first, second = render_certificate(CONTENT), render_certificate(CONTENT)
    assert first == second
    assert len(first) < 150 * 1024
    assert render_certificate(replace(CONTENT, name="別の 名前")) != first


def test_supporter_cards_two_to_a_sheet():
    card = CardContent(
        name="つながり 花子",
        course_title="つながりサポーター養成講座",
        date_text="令和7年（2025年）11月22日",
        issuer_name="大阪市",
        serial="TS-2025-00012345",
        verify_url=CONTENT.verify_url,
    )
    pdf = render_cards([card, replace(card, name="")])
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert text.count("つながりサポーター") >= 2 and text.count("つながり 花子") == 1


def test_a_person_can_look_at_the_certificate():
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    ARTIFACTS.mkdir(exist_ok=True)
    pdf_path = ARTIFACTS / "certificate.pdf"
    pdf_path.write_bytes(render_certificate(CONTENT))
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "72",
            "-singlefile",
            str(pdf_path),
            str(ARTIFACTS / "certificate"),
        ],
        check=True,
    )
    assert (ARTIFACTS / "certificate.png").stat().st_size > 10_000
