"""Cut the receipt font (YibaoCJK.ttf) from WenQuanYi Micro Hei. Run by hand, not at install.

Why: reportlab can only embed TrueType fonts with glyf outlines (Noto CJK's CFF outlines fail,
STSong-Light is never embedded), and the full wqy-microhei.ttc is 5 MB. The GBK repertoire
(about 21,000 characters, so rarer name characters such as 喆 and 堃 print too) plus ASCII and
the punctuation receipts use comes to about 3 MB.

What it does, deterministically for a given source font and fontTools version:

1. opens face 0 ("WenQuanYi Micro Hei", proportional) of Debian's ``fonts-wqy-microhei``
   ``wqy-microhei.ttc``;
2. keeps the glyphs for ASCII, every character of GBK, the CJK Symbols and Punctuation and
   Halfwidth/Fullwidth Forms blocks, and ``EXTRA_CHARACTERS``; glyf outlines, names and the
   licence strings are kept, the head timestamp is not touched so reruns give the same bytes;
3. adds two glyphs the source lacks, ☐ (U+2610) and ☑ (U+2611), drawn here, so the
   collect view and printed forms can use ballot boxes;
4. writes ``YibaoCJK.ttf`` beside this script.

Usage::

    .venv/bin/python receipts/fonts/make_subset.py [--source PATH] [--output PATH]

The result is committed; see ``LICENSE-wqy-microhei.txt`` for the licence (Apache-2.0).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fontTools import subset
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont

DEFAULT_SOURCE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
DEFAULT_OUTPUT = Path(__file__).with_name("YibaoCJK.ttf")

# Characters outside GBK that receipts, reports or the UI print: yen signs, ballot boxes,
# check mark, multiplication sign, dashes (— and the – of number ranges), middle dot,
# lenticular brackets, ellipsis, numero sign.
EXTRA_CHARACTERS = "¥￥☑☐✓×—–·【】…№"

BLOCKS = (
    range(0x20, 0x7F),  # ASCII printable
    range(0x3000, 0x3040),  # CJK Symbols and Punctuation
    range(0xFF00, 0xFFF0),  # Halfwidth and Fullwidth Forms
)


def gbk_characters() -> set[str]:
    """Every character encodable in GBK (lead bytes 0x81–0xFE, trail bytes 0x40–0xFE)."""
    chars = set()
    for high in range(0x81, 0xFF):
        for low in range(0x40, 0xFF):
            try:
                chars.add(bytes((high, low)).decode("gbk"))
            except UnicodeDecodeError:
                continue  # unassigned cell of the grid
    return chars


def wanted_codepoints() -> set[int]:
    codepoints = {ord(c) for c in gbk_characters() | set(EXTRA_CHARACTERS)}
    for block in BLOCKS:
        codepoints.update(block)
    return codepoints


def _draw_box(pen: TTGlyphPen, left: int, bottom: int, size: int, stroke: int) -> None:
    # TrueType fills by non-zero winding: outer contour clockwise, inner counter-clockwise.
    right, top = left + size, bottom + size
    pen.moveTo((left, bottom))
    pen.lineTo((left, top))
    pen.lineTo((right, top))
    pen.lineTo((right, bottom))
    pen.closePath()
    pen.moveTo((left + stroke, bottom + stroke))
    pen.lineTo((right - stroke, bottom + stroke))
    pen.lineTo((right - stroke, top - stroke))
    pen.lineTo((left + stroke, top - stroke))
    pen.closePath()


def _draw_check(pen: TTGlyphPen, left: int, bottom: int, size: int) -> None:
    # A thick tick inside the box, clear of its border; coordinates as fractions of the box.
    def point(fx: float, fy: float) -> tuple[int, int]:
        return (round(left + fx * size), round(bottom + fy * size))

    pen.moveTo(point(0.18, 0.52))
    pen.lineTo(point(0.30, 0.64))
    pen.lineTo(point(0.43, 0.42))
    pen.lineTo(point(0.72, 0.84))
    pen.lineTo(point(0.84, 0.74))
    pen.lineTo(point(0.44, 0.18))
    pen.closePath()


def add_ballot_boxes(font: TTFont) -> None:
    """Add ☐ and ☑ with the advance and vertical extent of a CJK ideograph."""
    reference = font.getBestCmap()[ord("国")]
    advance, _ = font["hmtx"][reference]
    size = round(advance * 0.72)
    left = (advance - size) // 2
    bottom = round(advance * -0.06)
    stroke = round(advance * 0.055)

    glyphs = {}
    pen = TTGlyphPen(None)
    _draw_box(pen, left, bottom, size, stroke)
    glyphs[0x2610] = ("uni2610", pen.glyph())
    pen = TTGlyphPen(None)
    _draw_box(pen, left, bottom, size, stroke)
    _draw_check(pen, left, bottom, size)
    glyphs[0x2611] = ("uni2611", pen.glyph())

    glyf = font["glyf"]
    order = list(font.getGlyphOrder())
    for codepoint, (name, glyph) in glyphs.items():
        glyph.recalcBounds(glyf)
        order.append(name)
        glyf.glyphs[name] = glyph
        font["hmtx"][name] = (advance, glyph.xMin)
        if "vmtx" in font:
            font["vmtx"][name] = font["vmtx"][reference]
        for table in font["cmap"].tables:
            if table.isUnicode():
                table.cmap[codepoint] = name
    font.setGlyphOrder(order)
    glyf.glyphOrder = order


def make_subset(source: Path, output: Path) -> int:
    """Write the subset font to ``output`` and return its size in bytes."""
    font = TTFont(str(source), fontNumber=0, recalcTimestamp=False)
    options = subset.Options()
    options.name_IDs = ["*"]  # keep copyright, licence and the Chinese family name
    options.name_languages = ["*"]
    options.notdef_outline = True  # a missing character shows as a box, not as nothing
    options.glyph_names = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(wanted_codepoints()))
    subsetter.subset(font)
    add_ballot_boxes(font)
    font.save(str(output))
    return output.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    size = make_subset(args.source, args.output)
    print(f"wrote {args.output} ({size:,} bytes)")


if __name__ == "__main__":
    main()
