"""The embedded CJK font every receipt and report is drawn in.

``fonts/YibaoCJK.ttf`` is a GBK subset of WenQuanYi Micro Hei (Apache-2.0, see
``fonts/LICENSE-wqy-microhei.txt``), cut by ``fonts/make_subset.py``. It ships with the app so
that nothing depends on the fonts of the machine: reportlab's built-in ``STSong-Light`` is never
embedded and prints blank where Adobe's CJK data is missing, and the base-14 fonts have no
Chinese at all. Qt can load the same file with ``QFontDatabase.addApplicationFont``.
"""

from __future__ import annotations

import threading
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_NAME = "YibaoCJK"
FONT_PATH: Path = Path(__file__).resolve().parent / "fonts" / "YibaoCJK.ttf"
LICENSE_PATH: Path = FONT_PATH.with_name("LICENSE-wqy-microhei.txt")

_lock = threading.Lock()
_font: TTFont | None = None


def register_reportlab_font() -> str:
    """Register the embedded font with reportlab once and return its name ("YibaoCJK").

    Safe to call from any thread and as often as wanted; only the first call parses the file
    (about 0.1 s), later calls return at once.
    """
    _registered_font()
    return FONT_NAME


def missing_characters(text: str) -> str:
    """The characters of ``text`` the font cannot draw, in order of first appearance.

    The font covers GBK (rare name characters such as 喆 and 堃 included); a character beyond
    it would print as an empty box, so callers can warn the clerk before printing a receipt.
    """
    covered = _registered_font().face.charToGlyph
    seen: dict[str, None] = {}
    for char in text:
        if not char.isspace() and ord(char) not in covered:
            seen.setdefault(char)
    return "".join(seen)


def _registered_font() -> TTFont:
    global _font
    with _lock:
        if _font is None:
            font = TTFont(FONT_NAME, str(FONT_PATH))
            pdfmetrics.registerFont(font)
            _font = font
        return _font
