"""Which embedded font prints each character, and fonts whose text layer extracts exactly.

Text is split into clusters (a character plus an optional variation selector, so 辻󠄀 =
U+8FBB U+E0100 is one cluster). Each cluster prints in the first font of a chain that has a
glyph for it: BIZ UD first, then IPAmj明朝 (文字情報基盤 / MJ, JIS X 0213), glyph by glyph.

reportlab reaches glyphs only through a font's character map and writes a ToUnicode map that
is wrong outside the BMP (``<29E3D>`` instead of UTF-16 ``<D867DE3D>``). ``PrintFont`` fixes
both: variation sequences from the font's cmap format 14 get their own code points in
Supplementary Private Use Area-B (never accepted from users), and its ToUnicode maps every code
back to the exact source text in UTF-16BE, so copy, search and screen readers get the input.

This module knows fonts only; it imports nothing from the apps.
"""

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont as FontToolsFont
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import SUBSETN, TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
MINCHO = "BIZUDMincho"
GOTHIC = "BIZUDGothic"
GOTHIC_BOLD = "BIZUDGothic-Bold"
IPAMJ = "IPAmjMincho"
FONT_FILES = {
    MINCHO: "BIZUDMincho-Regular.ttf",
    GOTHIC: "BIZUDGothic-Regular.ttf",
    GOTHIC_BOLD: "BIZUDGothic-Bold.ttf",
    IPAMJ: "ipamjm.ttf",
}
# The fallback after each BIZ UD face: IPAmj明朝 covers the MJ character set.
FALLBACK = (IPAMJ,)
# Code points given to variation sequences inside the PDF only (Supplementary PUA-B).
VARIANT_CODE_START = 0x100000
# Spaces a name may contain (between family and given name or between words).
NAME_SPACES = frozenset(" \u3000")


def is_variation_selector(char: str) -> bool:
    """True for U+FE00–FE0F (standardized variants) and U+E0100–E01EF (IVS)."""
    code = ord(char)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def clusters(text: str) -> Iterator[str]:
    """The text as printable units: a character and the variation selector after it."""
    current = ""
    for char in text:
        if current and is_variation_selector(char) and len(current) == 1:
            yield current + char
            current = ""
            continue
        if current:
            yield current
        current = char
    if current:
        yield current


class PrintFont(TTFont):
    """A TrueType font that also draws variation sequences and writes a correct ToUnicode."""

    def __init__(self, name: str, filename: str):
        super().__init__(name, filename)
        self.sequence_code: dict[str, int] = {}
        self.code_text: dict[int, str] = {}
        # Sequences whose glyph is the base character's default glyph (cmap 14 "default").
        self.default_sequences: set[str] = set()
        font = FontToolsFont(filename, lazy=True)
        glyph_ids = {name: index for index, name in enumerate(font.getGlyphOrder())}
        hmtx = font["hmtx"]
        units = font["head"].unitsPerEm
        explicit = []
        for table in font["cmap"].tables:
            if table.format != 14:
                continue
            for selector, pairs in table.uvsDict.items():
                for base, glyph in pairs:
                    sequence = chr(base) + chr(selector)
                    if glyph is None:
                        if base in self.face.charToGlyph:
                            self.default_sequences.add(sequence)
                    else:
                        explicit.append((sequence, glyph))
        # Sorted, so a sequence has the same code in every process (deterministic PDFs).
        for offset, (sequence, glyph) in enumerate(sorted(explicit)):
            code = VARIANT_CODE_START + offset
            self.sequence_code[sequence] = code
            self.code_text[code] = sequence
            self.face.charToGlyph[code] = glyph_ids[glyph]
            self.face.charWidths[code] = 1000.0 * hmtx[glyph][0] / units
        font.close()

    def has(self, cluster: str) -> bool:
        """True when this font has a real glyph for the cluster."""
        if len(cluster) == 2:
            return cluster in self.sequence_code or cluster in self.default_sequences
        code = ord(cluster)
        return code in self.face.charToGlyph and self.face.charToGlyph[code] != 0

    def drawn(self, cluster: str) -> str:
        """The character reportlab draws for the cluster (a private code for a sequence)."""
        if cluster in self.sequence_code:
            return chr(self.sequence_code[cluster])
        return cluster[0]

    def addObjects(self, doc):
        """Write the font subsets as reportlab does, with a ToUnicode that is right everywhere.

        This follows ``TTFont.addObjects``; only the ToUnicode stream differs.
        """
        state = self._assignState(doc)
        state.frozen = 1
        for index, subset in enumerate(state.subsets):
            internal_name = self.getSubsetInternalName(index, doc)[1:]
            base_font_name = (
                b"".join((SUBSETN(index), b"+", self.face.name, self.face.subfontNameX))
            ).decode("pdfdoc")
            pdf_font = pdfdoc.PDFTrueTypeFont()
            pdf_font.__Comment__ = f"Font {self.fontName} subset {index}"
            pdf_font.Name = internal_name
            pdf_font.BaseFont = base_font_name
            pdf_font.FirstChar = 0
            pdf_font.LastChar = len(subset) - 1
            pdf_font.Widths = pdfdoc.PDFArray(list(map(self.face.getCharWidth, subset)))
            stream = pdfdoc.PDFStream()
            stream.content = self.to_unicode_cmap(base_font_name, subset)
            if doc.compression:
                stream.filters = [pdfdoc.PDFZCompress]
            pdf_font.ToUnicode = doc.Reference(stream, "toUnicodeCMap:" + base_font_name)
            pdf_font.FontDescriptor = self.face.addSubsetObjects(doc, base_font_name, subset)
            doc.Reference(pdf_font, internal_name)
            doc.idToObject["BasicFonts"].dict[internal_name] = pdf_font
        del self.state[doc]

    def to_unicode_cmap(self, font_name: str, subset: list[int]) -> str:
        """A ToUnicode CMap mapping each one-byte code to its source text in UTF-16BE."""
        entries = []
        for index, code in enumerate(subset):
            text = self.code_text.get(code) or chr(code)
            entries.append(f"<{index:02X}> <{text.encode('utf-16-be').hex().upper()}>")
        lines = [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo",
            f"<< /Registry ({font_name})",
            f"/Ordering ({font_name})",
            "/Supplement 0",
            ">> def",
            f"/CMapName /{font_name} def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            f"<00> <{len(subset) - 1:02X}>",
            "endcodespacerange",
        ]
        # The PDF specification allows at most 100 entries per bfchar block.
        for start in range(0, len(entries), 100):
            block = entries[start : start + 100]
            lines += [f"{len(block)} beginbfchar", *block, "endbfchar"]
        lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
        return "\n".join(lines)


@cache
def print_font(name: str) -> PrintFont:
    """The registered font called ``name`` (loaded and registered once per process)."""
    font = PrintFont(name, str(FONT_DIR / FONT_FILES[name]))
    pdfmetrics.registerFont(font)
    return font


def chain(primary: str) -> tuple[PrintFont, ...]:
    """The fonts tried for text set in ``primary``, in order."""
    return tuple(print_font(name) for name in (primary, *FALLBACK))


@dataclass(frozen=True)
class Run:
    """Consecutive clusters printed with one font: ``drawn`` is what reportlab is given."""

    font: str
    drawn: str


def runs(text: str, primary: str) -> list[Run]:
    """Split text into runs by the first font of the chain that has each cluster's glyph.

    A cluster no font has is drawn with the primary font (as .notdef); names never get here,
    the name validator refuses them first.
    """
    fonts = chain(primary)
    result: list[Run] = []
    for cluster in clusters(text):
        font = next((font for font in fonts if font.has(cluster)), fonts[0])
        drawn = font.drawn(cluster) if font.has(cluster) else cluster[0]
        if result and result[-1].font == font.fontName:
            result[-1] = Run(font.fontName, result[-1].drawn + drawn)
        else:
            result.append(Run(font.fontName, drawn))
    return result


@cache
def cluster_advance(cluster: str, primary: str) -> float:
    """The advance of one cluster in units of 1/1000 of the font size."""
    (run,) = runs(cluster, primary)
    return pdfmetrics.stringWidth(run.drawn, run.font, 1000)


def unprintable(text: str) -> list[str]:
    """The clusters of ``text`` that no embedded font can print, in order, without repeats.

    Control and format characters, private-use, unassigned and surrogate code points and
    spaces other than U+0020 and U+3000 are refused even where a font maps them, because
    they would print invisibly or differently in each viewer.
    """
    fonts = chain(MINCHO)
    refused: list[str] = []
    for cluster in clusters(text):
        category = unicodedata.category(cluster[0])
        allowed = (
            category not in {"Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp"}
            and not (category == "Zs" and cluster[0] not in NAME_SPACES)
            and not is_variation_selector(cluster[0])
            and any(font.has(cluster) for font in fonts)
        )
        if not allowed and cluster not in refused:
            refused.append(cluster)
    return refused
