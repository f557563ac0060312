"""Names print with real glyphs, extract exactly (pdftotext) and wrap only at spaces."""

import subprocess

import pytest
from django.core.exceptions import ValidationError

from base.printable_names import validate_printable_name
from certificates.pdf import CardContent, CertificateContent, render_cards, render_certificate


def pdftotext(data: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def certificate(name: str) -> bytes:
    return render_certificate(
        CertificateContent(
            title="修了証",
            name=name,
            course_title="講座",
            body="本文",
            date_text="令和7年4月1日",
            issuer_name="大阪市長",
            issuer_title="",
            serial="A-1",
            verify_url="https://example.jp/v/1",
        )
    )


@pytest.mark.parametrize("name", ["德永 太郎", "𠮷田 花子", "𩸽 一郎", "辻󠄀 次郎", "葛󠄂城 三郎"])
def test_name_extracts_exactly(name, tmp_path):
    data = certificate(name)
    assert len(data) < 200_000
    assert name in pdftotext(data, tmp_path)


@pytest.mark.parametrize(
    "name",
    ["あ" * 29 + "　" + "い" * 30, "Alexandrina Victoria Maria Louisa Charlotte Augusta Smith"],
)
def test_card_keeps_whole_long_name(name, tmp_path):
    card = CardContent(
        name=name,
        course_title="講座",
        date_text="d",
        issuer_name="i",
        serial="s",
        verify_url="https://example.jp/1",
    )
    text = " ".join(pdftotext(render_cards([card]), tmp_path).split())
    assert " ".join(name.replace("　", " ").split()) + " 様" in text.replace("　", " ")


@pytest.mark.parametrize(
    ("name", "message"),
    [("山田😀", "「😀」（U+1F600）は修了証に印字できません。"), ("a\u200db", "U+200D")],
)
def test_unprintable_name_refused_in_japanese(name, message):
    with pytest.raises(ValidationError) as error:
        validate_printable_name(name)
    assert any(message in m for m in error.value.messages)


def test_printable_names_accepted():
    for name in ["德永 太郎", "𠮷田", "辻󠄀", "Ō Smith"]:
        validate_printable_name(name)
