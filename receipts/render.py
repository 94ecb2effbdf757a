"""PDF rendering of receipts (收据): the three parts on one A4 sheet, or a part a page. Input
is plain data from ``receipts.model``; output is PDF bytes. The pre-printed forms are drawn by
``receipts.overlay``, their calibration page by ``receipts.calibration``, the A4 reports by
``receipts.reports``.

All text is set in the embedded font (``receipts.fonts``), digits included, so a PDF prints
the same on any machine. Rendering is deterministic: the same document gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.domain.money import fen_to_capitals, format_fen
from db.fsutil import write_atomic
from receipts._pdf import (
    BLACK,
    GREY,
    RED,
    STAMP_RED,
    Align,
    dashed_line,
    draw_bold,
    draw_in_cell,
    draw_qr,
    draw_text,
    finish,
    local_time,
    new_canvas,
    rotated,
    width_of,
)
from receipts.model import METHOD_LABELS, ReceiptDocument, ReceiptLine

__all__ = [
    "MAX_MEMBERS",
    "PARTS",
    "RECEIPT_TITLE",
    "method_text",
    "render_receipt",
    "stamp_time",
    "subsidy_text",
    "write_pdf_atomic",
]

RECEIPT_TITLE = "城乡居民基本医疗保险费专用收据"

# The three parts of a receipt, top to bottom on the sheet: (label, who keeps it).
PARTS: tuple[tuple[str, str], ...] = (
    ("【存根联】", "收款员留存"),
    ("【收据联】", "交款人收执"),
    ("【记账联】", "财政所记账"),
)

_FOOTNOTE = "注：本收据是缴纳城乡居民基本医疗保险费的凭证，请妥善保管。"
_FOOTNOTE_QR = "扫描二维码可核验真伪。"

MAX_MEMBERS = 20  # beyond this the member rows of a part would be too small to read

# Receipt part geometry in mm: each part is one third of an A4 sheet.
_PART_W = 210.0
_PART_H = 99.0
_LEFT = 12.0
_RIGHT = 198.0
_BODY_TOP = 17.5
_INFO_ROW = 6.5
_HEADER_ROW = 6.0
_TOTAL_ROW = 7.0
_FOOTER = 7.5
_BOTTOM = 4.0
_QR_SIZE = 22.0
_MAX_ROW = 6.0
_QR_FORM = "receipt_qr"


def method_text(method: str, reference: str | None) -> str:
    """The payment method as printed: 微信（交易号）."""
    label = METHOD_LABELS[method]
    return f"{label}（{reference}）" if reference else label


def subsidy_text(line: ReceiptLine) -> str:
    """A member's subsidy as printed: the amount and its category, or a dash."""
    if not line.subsidy_fen:
        return "—"
    amount = format_fen(line.subsidy_fen)
    return f"{amount}（{line.category}）" if line.category else amount


def stamp_time(doc: ReceiptDocument) -> str:
    """When the receipt was issued, in Beijing time to the minute."""
    return local_time(doc.issued_at).strftime("%Y-%m-%d %H:%M")


# ---------------------------------------------------------------------------------------------
# Receipt (three parts)


def render_receipt(doc: ReceiptDocument, *, layout: str = "three_part") -> bytes:
    """Render a receipt: ``three_part`` puts 存根联 / 收据联 / 记账联 on one A4 sheet with dashed
    cut lines between them; ``single`` puts each part on its own 210 × 99 mm page.

    A voided receipt carries a red diagonal 作废 and the reason on every part; a reprint a
    red 补打 mark. Up to ``MAX_MEMBERS`` members fit on a part.
    """
    if layout not in ("three_part", "single"):
        raise ValueError(f"unknown receipt layout {layout!r}")
    if len(doc.lines) > MAX_MEMBERS:
        raise ValueError(f"一张收据最多打印 {MAX_MEMBERS} 人，本户 {len(doc.lines)} 人")
    title = f"{RECEIPT_TITLE} {doc.series} {doc.number}"
    pagesize = A4 if layout == "three_part" else (_PART_W * mm, _PART_H * mm)
    canvas, buffer = new_canvas(pagesize, title)
    if doc.qr_text:
        # One form XObject drawn by all three parts: a third of the work and of the bytes.
        canvas.beginForm(_QR_FORM)
        draw_qr(canvas, 0, 0, _QR_SIZE * mm, doc.qr_text)
        canvas.endForm()
    if layout == "three_part":
        page_top = A4[1]
        for index, part in enumerate(PARTS):
            _draw_part(canvas, doc, page_top - index * _PART_H * mm, part)
            if index:
                _cut_line(canvas, page_top - index * _PART_H * mm)
        canvas.showPage()
    else:
        for part in PARTS:
            _draw_part(canvas, doc, pagesize[1], part)
            canvas.showPage()
    return finish(canvas, buffer)


def _cut_line(canvas: Canvas, y: float) -> None:
    dashed_line(canvas, 4 * mm, y, 206 * mm, y)
    label = "沿虚线裁开"
    size = 5.5
    x = 206 * mm - width_of(label, size)
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x - 1 * mm, y - 1 * mm, width_of(label, size) + 2 * mm, 2 * mm, stroke=0, fill=1)
    draw_text(canvas, x, y - 0.34 * size, label, size, color=GREY)


@dataclass(frozen=True)
class _Part:
    """Where one receipt part goes: ``top`` is the page height (points) of its top edge;
    every other distance is in mm, measured from the part's top-left corner."""

    canvas: Canvas
    doc: ReceiptDocument
    top: float
    body_right: float

    @property
    def body_width(self) -> float:
        return self.body_right - _LEFT

    def y(self, from_top: float) -> float:
        return self.top - from_top * mm


# A cell of a bordered row: text, width (mm), alignment, font size, whether it is a label.
_Cell = tuple[str, float, Align, float, bool]
_LABEL_FILL = (0.93, 0.93, 0.93)


def _cell_row(part: _Part, top: float, height: float, cells: Sequence[_Cell]) -> float:
    """Draw a bordered row of cells starting at ``top`` (mm); return the row's bottom (mm)."""
    canvas = part.canvas
    bottom = part.y(top + height)
    x = _LEFT * mm
    canvas.setLineWidth(0.5)
    canvas.setStrokeColor(BLACK)
    for text, width, align, size, is_label in cells:
        if is_label:
            canvas.setFillColorRGB(*_LABEL_FILL)
            canvas.rect(x, bottom, width * mm, height * mm, stroke=1, fill=1)
        else:
            canvas.rect(x, bottom, width * mm, height * mm, stroke=1, fill=0)
        draw_in_cell(canvas, x, bottom, width * mm, height * mm, text, size, align=align)
        x += width * mm
    return top + height


def _draw_part(canvas: Canvas, doc: ReceiptDocument, top: float, label: tuple[str, str]) -> None:
    body_right = _RIGHT - (_QR_SIZE + 3 if doc.qr_text else 0)
    part = _Part(canvas, doc, top, body_right)
    _heading(part, label)
    row = _info_rows(part, _BODY_TOP)
    row = _member_table(part, row)
    row = _total_row(part, row)
    _footer(part, row + 5)
    if row + 5 < _PART_H - 10:
        note = _FOOTNOTE + (_FOOTNOTE_QR if doc.qr_text else "")
        draw_text(canvas, _LEFT * mm, part.y(_PART_H - 6), note, 6.5, color=GREY,
                  max_width=part.body_width * mm)
    if doc.qr_text:
        canvas.saveState()
        canvas.translate((_RIGHT - _QR_SIZE) * mm, part.y(_BODY_TOP + _QR_SIZE))
        canvas.doForm(_QR_FORM)
        canvas.restoreState()
        draw_text(canvas, (_RIGHT - _QR_SIZE / 2) * mm, part.y(_BODY_TOP + _QR_SIZE + 3.5),
                  "扫码验真", 7, align="center", color=GREY)
    if doc.reprint:
        _reprint_mark(part)
    if doc.state == "voided":
        # Centred on the filled part of the body, whatever the number of members.
        middle = (_BODY_TOP + row + 5) / 2 + 7
        _void_stamp(canvas, (_LEFT + body_right) / 2 * mm, part.y(middle), doc.void_reason or "")


def _heading(part: _Part, label: tuple[str, str]) -> None:
    canvas = part.canvas
    centre = (_LEFT + _RIGHT) / 2 * mm
    draw_bold(canvas, centre, part.y(11.5), RECEIPT_TITLE, 15, align="center")
    half = width_of(RECEIPT_TITLE, 15) / 2
    canvas.setLineWidth(0.4)
    canvas.setStrokeColor(BLACK)
    canvas.line(centre - half, part.y(13.2), centre + half, part.y(13.2))
    canvas.line(centre - half, part.y(13.8), centre + half, part.y(13.8))

    number = f"{part.doc.series} {part.doc.number}"
    right = _RIGHT * mm
    draw_text(canvas, right - width_of(number, 11) - 1 * mm, part.y(9.5), "No.", 11,
              align="right")
    draw_text(canvas, right, part.y(9.5), number, 11, align="right", color=RED)
    draw_text(canvas, right, part.y(15.2), "".join(label), 8.5, align="right")


def _info_rows(part: _Part, top: float) -> float:
    doc = part.doc
    flex = part.body_width - 44
    a, b, c = flex * 0.36, flex * 0.30, flex * 0.34
    size = 8.5
    top = _cell_row(part, top, _INFO_ROW, [
        ("交款人", 14, "center", size, True),
        (doc.payer_name, a, "left", size, False),
        ("户号", 15, "center", size, True),
        (doc.household_no, b, "left", size, False),
        ("村（组）", 15, "center", size, True),
        (doc.village, c, "left", size, False),
    ])
    return _cell_row(part, top, _INFO_ROW, [
        ("险种", 14, "center", size, True),
        (f"{doc.insurance_name}（{doc.insurance_type}）", a, "left", size, False),
        ("缴费年度", 15, "center", size, True),
        (doc.cover_label, b, "left", size, False),
        ("缴费方式", 15, "center", size, True),
        (method_text(doc.method, doc.method_ref), c, "left", size, False),
    ])


_MEMBER_COLUMNS: tuple[tuple[str, float, Align], ...] = (
    ("序号", 8, "center"),
    ("姓名", 22, "center"),
    ("身份证号", 38, "center"),
    ("档次", 13, "center"),
    ("缴费标准", 19, "right"),
    ("资助金额（类别）", 0, "center"),  # takes the width the others leave
    ("个人应缴", 21, "right"),
)


def _member_table(part: _Part, top: float) -> float:
    flex = part.body_width - sum(width for _, width, _ in _MEMBER_COLUMNS)
    widths = [width or flex for _, width, _ in _MEMBER_COLUMNS]
    top = _cell_row(part, top, _HEADER_ROW, [
        (title, width, "center", 8, True)
        for (title, _, _), width in zip(_MEMBER_COLUMNS, widths, strict=True)
    ])
    lines = part.doc.lines
    available = (_PART_H - _BOTTOM - _FOOTER - _TOTAL_ROW - _HEADER_ROW - 2 * _INFO_ROW
                 - _BODY_TOP)
    height = min(_MAX_ROW, available / len(lines))
    size = min(8.5, height * mm * 0.62)
    for index, line in enumerate(lines, start=1):
        texts = (str(index), line.name, line.id_masked, line.tier_name,
                 format_fen(line.price_fen), subsidy_text(line), format_fen(line.payable_fen))
        top = _cell_row(part, top, height, [
            (text, width, align, size, False)
            for text, width, (_, _, align) in zip(texts, widths, _MEMBER_COLUMNS, strict=True)
        ])
    return top


def _total_row(part: _Part, top: float) -> float:
    doc = part.doc
    return _cell_row(part, top, _TOTAL_ROW, [
        ("合计金额（大写）", 30, "center", 8.5, True),
        (fen_to_capitals(doc.total_fen), part.body_width - 75, "left", 10.5, False),
        ("（小写）", 15, "center", 8.5, True),
        (format_fen(doc.total_fen, symbol=True), 30, "right", 10.5, False),
    ])


def _footer(part: _Part, baseline: float) -> None:
    doc = part.doc
    width = part.body_width
    canvas = part.canvas
    y = part.y(baseline)
    draw_text(canvas, _LEFT * mm, y, f"收款单位（盖章）：{doc.issuer}", 8.5,
              max_width=width * 0.42 * mm)
    draw_text(canvas, (_LEFT + width * 0.45) * mm, y, f"收款员：{doc.collector}", 8.5,
              max_width=width * 0.2 * mm)
    draw_text(canvas, part.body_right * mm, y, f"收款时间：{stamp_time(doc)}", 8.5,
              align="right", max_width=width * 0.33 * mm)


def _reprint_mark(part: _Part) -> None:
    canvas = part.canvas
    canvas.saveState()
    canvas.setStrokeColor(RED)
    canvas.setLineWidth(1.2)
    canvas.roundRect(_LEFT * mm, part.y(12), 17 * mm, 8.5 * mm, 1.5 * mm, stroke=1, fill=0)
    canvas.restoreState()
    draw_text(canvas, (_LEFT + 8.5) * mm, part.y(9.6), "补打", 13, align="center", color=RED)
    if part.doc.reprinted_at is not None:
        when = local_time(part.doc.reprinted_at).strftime("%Y-%m-%d %H:%M")
        draw_text(canvas, _LEFT * mm, part.y(15.2), f"补打于 {when}", 6.5, color=RED)


def _void_stamp(canvas: Canvas, x: float, y: float, reason: str) -> None:
    """A big translucent red 作废 turned 18°, with the reason in solid red beneath it."""

    def draw() -> None:
        canvas.setFillAlpha(STAMP_RED.alpha)
        canvas.setStrokeAlpha(STAMP_RED.alpha)
        canvas.setStrokeColor(STAMP_RED)
        canvas.setLineWidth(3)
        canvas.roundRect(-32 * mm, -8 * mm, 64 * mm, 27 * mm, 3 * mm, stroke=1, fill=0)
        draw_text(canvas, 0, 0, "作废", 62, align="center", color=STAMP_RED)
        # The reason sits on a white band so the table underneath cannot garble it.
        canvas.setFillAlpha(0.88)
        canvas.setFillColorRGB(1, 1, 1)
        canvas.rect(-30 * mm, -7 * mm, 60 * mm, 5.2 * mm, stroke=0, fill=1)
        canvas.setFillAlpha(1)
        draw_text(canvas, 0, -5.5 * mm, f"作废原因：{reason}", 10, align="center",
                  max_width=58 * mm, color=RED)

    rotated(canvas, x, y, 18, draw)


# ---------------------------------------------------------------------------------------------
# Files


def write_pdf_atomic(data: bytes, path: Path) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one, even
    after a power cut (temp file in the same folder, fsync, ``os.replace``, fsync the folder)."""
    write_atomic(Path(path), data)
