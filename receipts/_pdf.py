"""Drawing helpers shared by receipts and reports: canvas, text that fits, QR modules, time.

Every string goes through the embedded font (``receipts.fonts``); the canvas is created with
it as the initial font so that not even reportlab's page preamble refers to Helvetica.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from itertools import groupby
from typing import Literal

from reportlab import rl_config
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib.colors import Color
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from receipts.fonts import register_reportlab_font

# ASCII85 stream encoding only serves 7-bit mail transports; it makes every PDF a quarter
# larger and, without reportlab's optional C accelerator, costs several ms per receipt.
rl_config.useA85 = 0

# China has had no daylight saving since 1991, so a fixed +08:00 is exact for every date the
# app handles, and unlike ZoneInfo("Asia/Shanghai") it needs no tzdata package on Windows.
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")

BLACK = Color(0, 0, 0)
GREY = Color(0.45, 0.45, 0.45)
LIGHT_GREY = Color(0.82, 0.82, 0.82)
RED = Color(0.78, 0.06, 0.06)
STAMP_RED = Color(0.85, 0.05, 0.05, alpha=0.38)

# Glyph box of the font relative to its size: CJK ideographs sit between -0.09 em and 0.78 em,
# so the visual middle of a line is 0.34 em above the baseline.
_MIDDLE = 0.34

Align = Literal["left", "center", "right"]


def font_name() -> str:
    return register_reportlab_font()


def new_canvas(pagesize: tuple[float, float], title: str) -> tuple[Canvas, io.BytesIO]:
    """A canvas writing to memory, with deterministic output (same input → same bytes)."""
    font = font_name()
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=pagesize,
        initialFontName=font,
        initialFontSize=10,
        pageCompression=1,
        invariant=1,
    )
    canvas.setTitle(title)
    canvas.setAuthor("医保收缴通")
    canvas.setCreator("医保收缴通 Yibao Collect")
    return canvas, buffer


def finish(canvas: Canvas, buffer: io.BytesIO) -> bytes:
    canvas.save()
    return buffer.getvalue()


def width_of(text: str, size: float) -> float:
    return stringWidth(text, font_name(), size)


def fitted(text: str, size: float, max_width: float, min_size: float) -> tuple[str, float]:
    """Shrink ``text`` to ``max_width`` (not below ``min_size``), then cut it with "…".

    Long village names or categories must never run into the next column of a receipt.
    """
    width = width_of(text, size)
    if width <= max_width:
        return text, size
    smaller = size * max_width / width
    if smaller >= min_size:
        return text, smaller
    while text and width_of(text + "…", min_size) > max_width:
        text = text[:-1]
    return text + "…", min_size


def draw_text(
    canvas: Canvas,
    x: float,
    y: float,
    text: str,
    size: float,
    *,
    align: Align = "left",
    max_width: float | None = None,
    min_size: float = 5,
    color: Color = BLACK,
) -> None:
    """Draw one line with its baseline at ``y``; ``x`` is the left, centre or right edge."""
    if max_width is not None:
        text, size = fitted(text, size, max_width, min_size)
    canvas.setFillColor(color)
    canvas.setFont(font_name(), size)
    if align == "right":
        canvas.drawRightString(x, y, text)
    elif align == "center":
        canvas.drawCentredString(x, y, text)
    else:
        canvas.drawString(x, y, text)


def draw_in_cell(
    canvas: Canvas,
    left: float,
    bottom: float,
    width: float,
    height: float,
    text: str,
    size: float,
    *,
    align: Align = "left",
    padding: float = 1.2 * mm,
    color: Color = BLACK,
) -> None:
    """Draw ``text`` vertically centred in a table cell, shrunk or cut to fit its width."""
    inner = width - 2 * padding
    text, size = fitted(text, size, inner, min(size, 4.5))
    baseline = bottom + height / 2 - _MIDDLE * size
    x = {"left": left + padding, "center": left + width / 2, "right": left + width - padding}
    draw_text(canvas, x[align], baseline, text, size, align=align, color=color)


def draw_bold(canvas: Canvas, x: float, y: float, text: str, size: float, *, align: Align) -> None:
    """Fake bold (fill + thin stroke): the embedded font has a single regular weight."""
    width = width_of(text, size)
    start = {"left": x, "center": x - width / 2, "right": x - width}[align]
    canvas.saveState()
    canvas.setLineWidth(size * 0.035)
    canvas.setFillColor(BLACK)
    canvas.setStrokeColor(BLACK)
    text_object = canvas.beginText(start, y)
    text_object.setFont(font_name(), size)
    text_object.setTextRenderMode(2)
    text_object.textOut(text)
    canvas.drawText(text_object)
    canvas.restoreState()


@lru_cache(maxsize=64)
def qr_modules(text: str) -> tuple[tuple[bool, ...], ...]:
    """The QR matrix for ``text`` (error correction M), cached: a preview and the print of the
    same receipt, and its three parts, encode it once."""
    widget = QrCodeWidget(text, barLevel="M")
    widget.qr.make()
    return tuple(tuple(bool(cell) for cell in row) for row in widget.qr.modules)


def draw_qr(canvas: Canvas, left: float, bottom: float, size: float, text: str) -> None:
    """Draw a QR code in the square ``size``×``size`` at (left, bottom), with a quiet zone of
    two modules inside it (the layouts keep blank paper around it for the rest).

    Coordinates are scaled so that a module is one unit: each dark run of a row becomes an
    integer rectangle of one filled path. The path is written as literal PDF operators because
    reportlab's per-number formatting of ~1,200 rectangles would cost more than the rest of
    the receipt.
    """
    modules = qr_modules(text)
    quiet = 2
    units = len(modules) + 2 * quiet
    operators = []
    for row_index, row in enumerate(modules):
        y = units - quiet - 1 - row_index
        column = quiet
        for dark, run in groupby(row):
            length = len(list(run))
            if dark:
                operators.append(f"{column} {y} {length} 1 re")
            column += length
    operators.append("f")
    canvas.saveState()
    canvas.translate(left, bottom)
    canvas.scale(size / units, size / units)
    canvas.setFillColor(BLACK)
    canvas.addLiteral("\n".join(operators))
    canvas.restoreState()


def local_time(moment: datetime) -> datetime:
    """``moment`` (aware) as wall-clock time in Asia/Shanghai."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(SHANGHAI)


def dashed_line(canvas: Canvas, x1: float, y1: float, x2: float, y2: float) -> None:
    canvas.saveState()
    canvas.setDash(3, 2)
    canvas.setLineWidth(0.5)
    canvas.setStrokeColor(GREY)
    canvas.line(x1, y1, x2, y2)
    canvas.restoreState()


def rotated(canvas: Canvas, x: float, y: float, degrees: float, draw: Callable[[], None]) -> None:
    """Run ``draw`` in a coordinate system turned by ``degrees`` around (x, y)."""
    canvas.saveState()
    canvas.translate(x, y)
    canvas.rotate(degrees)
    draw()
    canvas.restoreState()
