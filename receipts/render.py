"""PDF rendering of receipts (收据), pre-printed form overlays (套打), the printer calibration
page and the reports. Input is plain data from ``receipts.model``; output is PDF bytes.

All text is set in the embedded font (``receipts.fonts``), digits included, so a PDF prints
the same on any machine. Rendering is deterministic: the same document gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.colors import Color
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
from receipts.reports import (
    render_daily_ledger,
    render_deposit_list,
    render_payment_notice,
    render_settlement,
)

__all__ = [
    "PARTS",
    "FieldBox",
    "FormColumn",
    "FormLayout",
    "render_calibration",
    "render_daily_ledger",
    "render_deposit_list",
    "render_overlay",
    "render_payment_notice",
    "render_receipt",
    "render_settlement",
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


def _method_text(method: str, reference: str | None) -> str:
    label = METHOD_LABELS[method]
    return f"{label}（{reference}）" if reference else label


def _subsidy_text(line: ReceiptLine) -> str:
    if not line.subsidy_fen:
        return "—"
    amount = format_fen(line.subsidy_fen)
    return f"{amount}（{line.category}）" if line.category else amount


def _stamp_time(doc: ReceiptDocument) -> str:
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
        (_method_text(doc.method, doc.method_ref), c, "left", size, False),
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
                 format_fen(line.price_fen), _subsidy_text(line), format_fen(line.payable_fen))
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
    draw_text(canvas, part.body_right * mm, y, f"收款时间：{_stamp_time(doc)}", 8.5,
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
# Pre-printed forms (套打)


@dataclass(frozen=True)
class FieldBox:
    """A field on a pre-printed form: the box from ``x`` to ``x + width`` (mm from the form's
    left edge) with the text baseline ``y`` mm below its top edge; text is aligned inside the
    box and shrunk if it would overflow."""

    x: float
    y: float
    width: float
    align: Align = "left"


@dataclass(frozen=True)
class FormColumn:
    """A column of the form's member table: left edge and width in mm, and alignment."""

    x: float
    width: float
    align: Align = "left"


@dataclass(frozen=True)
class FormLayout:
    """Positions of the variable fields on a pre-printed receipt form, in mm from its top-left.

    The default fits a 241 × 93 mm continuous form for dot-matrix printers (9.5 in wide), with
    six member rows. Fields set to ``None`` are not printed: the receipt number is usually
    printed on such forms already (the clerk checks it against the app), so it is off by
    default. A household with more members than ``max_rows`` gets the last row as "另 N 人"
    with their amount, so the printed rows still add up to the total.
    """

    width_mm: float = 241.0
    height_mm: float = 93.0
    font_size: float = 10.0
    number: FieldBox | None = None
    mark: FieldBox = FieldBox(14, 12, 70)  # 补打 / 作废 notices
    payer: FieldBox = FieldBox(30, 22, 40)
    household_no: FieldBox = FieldBox(95, 22, 45)
    village: FieldBox = FieldBox(165, 22, 36)
    insurance: FieldBox = FieldBox(30, 29, 70)
    benefit_year: FieldBox = FieldBox(120, 29, 25)
    method: FieldBox = FieldBox(165, 29, 36)
    first_row_y: float = 41.0
    row_pitch: float = 5.5
    max_rows: int = 6
    col_name: FormColumn = FormColumn(14, 24)
    col_id: FormColumn = FormColumn(40, 46)
    col_tier: FormColumn = FormColumn(88, 16, "center")
    col_price: FormColumn = FormColumn(104, 22, "right")
    col_subsidy: FormColumn = FormColumn(130, 40, "left")
    col_payable: FormColumn = FormColumn(172, 28, "right")
    capitals: FieldBox = FieldBox(42, 77, 120)
    figures: FieldBox = FieldBox(170, 77, 30, "right")
    collector: FieldBox = FieldBox(30, 86, 40)
    issued_at: FieldBox = FieldBox(95, 86, 45)
    issuer: FieldBox | None = None
    qr: tuple[float, float, float] | None = (211.0, 36.0, 24.0)  # left, top, size (mm)


def render_overlay(
    doc: ReceiptDocument,
    *,
    offset_x_mm: float = 0,
    offset_y_mm: float = 0,
    form: FormLayout | None = None,
) -> bytes:
    """Print only the variable fields of ``doc`` onto a pre-printed form (套打).

    The page is the size of the form; every position of ``form`` is moved right by
    ``offset_x_mm`` and down by ``offset_y_mm`` (the printer's measured error, see
    ``render_calibration``; negative values move left / up).
    """
    form = form or FormLayout()
    canvas, buffer = new_canvas((form.width_mm * mm, form.height_mm * mm),
                                f"{RECEIPT_TITLE}（套打）{doc.series} {doc.number}")
    page_h = form.height_mm * mm
    size = form.font_size

    def put(box: FieldBox | None, text: str) -> None:
        if box is None or not text:
            return
        left = (box.x + offset_x_mm) * mm
        x = {"left": left, "center": left + box.width * mm / 2,
             "right": left + box.width * mm}[box.align]
        draw_text(canvas, x, page_h - (box.y + offset_y_mm) * mm, text, size, align=box.align,
                  max_width=box.width * mm)

    put(form.number, f"{doc.series} {doc.number}")
    put(form.payer, doc.payer_name)
    put(form.household_no, doc.household_no)
    put(form.village, doc.village)
    put(form.insurance, f"{doc.insurance_name}（{doc.insurance_type}）")
    put(form.benefit_year, doc.cover_label)
    put(form.method, _method_text(doc.method, doc.method_ref))
    for index, cells in enumerate(_overlay_rows(doc, form.max_rows)):
        y = form.first_row_y + index * form.row_pitch
        columns = (form.col_name, form.col_id, form.col_tier, form.col_price, form.col_subsidy,
                   form.col_payable)
        for column, text in zip(columns, cells, strict=True):
            put(FieldBox(column.x, y, column.width, column.align), text)
    put(form.capitals, fen_to_capitals(doc.total_fen))
    put(form.figures, format_fen(doc.total_fen, symbol=True))
    put(form.collector, doc.collector)
    put(form.issued_at, _stamp_time(doc))
    put(form.issuer, doc.issuer)
    if doc.state == "voided":
        put(form.mark, f"作废：{doc.void_reason}")
    elif doc.reprint:
        put(form.mark, "补打")
    if doc.qr_text and form.qr is not None:
        left, top, side = form.qr
        draw_qr(canvas, (left + offset_x_mm) * mm, page_h - (top + offset_y_mm + side) * mm,
                side * mm, doc.qr_text)
    canvas.showPage()
    return finish(canvas, buffer)


def _overlay_rows(doc: ReceiptDocument, max_rows: int) -> list[tuple[str, ...]]:
    lines = doc.lines
    shown = lines if len(lines) <= max_rows else lines[: max_rows - 1]
    rows = [
        (line.name, line.id_masked, line.tier_name, format_fen(line.price_fen),
         _subsidy_text(line) if line.subsidy_fen else "", format_fen(line.payable_fen))
        for line in shown
    ]
    if len(shown) < len(lines):
        rest = lines[len(shown):]
        rows.append((f"另 {len(rest)} 人", "", "", "", "",
                     format_fen(sum(line.payable_fen for line in rest))))
    return rows


# ---------------------------------------------------------------------------------------------
# Printer calibration

CALIBRATION_REFERENCE_MM = 20.0  # the crosshair's distance from the left and top paper edges


def render_calibration(*, offset_x_mm: float = 0, offset_y_mm: float = 0) -> bytes:
    """An A4 calibration page (套打校准): millimetre grid, rulers every 10 mm, a crosshair
    meant to sit 20 mm from the left and top paper edges (shifted by the current offsets), a
    100 mm bar to detect scaling, and instructions in Chinese for measuring the offsets."""
    canvas, buffer = new_canvas(A4, "套打校准页")
    page_w, page_h = A4
    _grid(canvas, page_w, page_h)
    _rulers(canvas, page_w, page_h)

    ref = CALIBRATION_REFERENCE_MM
    cx = (ref + offset_x_mm) * mm
    cy = page_h - (ref + offset_y_mm) * mm
    canvas.saveState()
    canvas.setStrokeColor(RED)
    canvas.setLineWidth(0.6)
    canvas.line(cx - 12 * mm, cy, cx + 12 * mm, cy)
    canvas.line(cx, cy - 12 * mm, cx, cy + 12 * mm)
    canvas.circle(cx, cy, 2.5 * mm, stroke=1, fill=0)
    canvas.restoreState()
    _label(canvas, cx + 14 * mm, cy - 1 * mm, "基准点：十字中心应距纸张左边缘 20 mm、上边缘 20 mm",
           8, RED)

    box_left, box_top, box_w = 25 * mm, page_h - 55 * mm, 160 * mm
    lines = [
        ("套打校准页", 16),
        (f"当前偏移：水平 {offset_x_mm:+.1f} mm，垂直 {offset_y_mm:+.1f} mm", 11),
        ("", 6),
        ("1. 用普通 A4 纸打印本页，打印时选择“实际大小”，不要选“适合页面”或缩放。", 10),
        ("2. 先量下方黑色线段，应正好 100 mm；若不是，说明打印被缩放，请改打印设置后重打。", 10),
        ("3. 用直尺量出红色十字中心到纸张左边缘的距离 X、到上边缘的距离 Y（毫米）。", 10),
        ("4. 新的水平偏移 = 当前水平偏移 + (20 - X)；", 10),
        ("    新的垂直偏移 = 当前垂直偏移 + (20 - Y)。", 10),
        ("    例：量得 X = 22.5、当前水平偏移为 0，则水平偏移填 -2.5。", 10),
        ("5. 在套打设置中填入两个偏移后重打本页：十字中心应正好距左、上边缘各 20 mm。", 10),
        ("    正数向右 / 向下移动，负数向左 / 向上移动。每台打印机各自校准一次。", 10),
    ]
    height = sum(size * 1.75 for _, size in lines) + 12 * mm
    canvas.setFillColorRGB(1, 1, 1)
    canvas.setStrokeColor(BLACK)
    canvas.setLineWidth(0.8)
    canvas.rect(box_left, box_top - height, box_w, height, stroke=1, fill=1)
    y = box_top - 4 * mm
    for text, size in lines:
        y -= size * 1.75
        if size >= 16:
            draw_bold(canvas, box_left + box_w / 2, y, text, size, align="center")
        elif text:
            draw_text(canvas, box_left + 6 * mm, y, text, size, max_width=box_w - 12 * mm)
    _scale_bar(canvas, box_left + 30 * mm, box_top - height - 14 * mm)
    canvas.showPage()
    return finish(canvas, buffer)


def _grid(canvas: Canvas, page_w: float, page_h: float) -> None:
    def lines(step: int, width: float, grey: float) -> None:
        canvas.setLineWidth(width)
        canvas.setStrokeColorRGB(grey, grey, grey)
        xs = [x * mm for x in range(0, int(page_w / mm) + 1, step)]
        ys = [page_h - y * mm for y in range(0, int(page_h / mm) + 1, step)]
        canvas.grid(xs, ys)

    canvas.saveState()
    lines(1, 0.12, 0.86)
    lines(5, 0.25, 0.70)
    lines(10, 0.45, 0.45)
    canvas.restoreState()


def _label(canvas: Canvas, x: float, y: float, text: str, size: float, color: Color,
           align: Align = "left") -> None:
    """Text on a white patch, so grid lines do not run through it."""
    width = width_of(text, size)
    left = {"left": x, "center": x - width / 2, "right": x - width}[align]
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(left - 0.6 * mm, y - 0.3 * size, width + 1.2 * mm, size * 1.15, stroke=0, fill=1)
    draw_text(canvas, x, y, text, size, align=align, color=color)


def _rulers(canvas: Canvas, page_w: float, page_h: float) -> None:
    """Millimetre values every 10 mm along the top and left, measured from the paper edges."""
    for x in range(10, int(page_w / mm), 10):
        _label(canvas, x * mm, page_h - 7 * mm, str(x), 6.5, BLACK, "center")
    for y in range(10, int(page_h / mm), 10):
        _label(canvas, 6.5 * mm, page_h - y * mm - 2.2, str(y), 6.5, BLACK, "center")


def _scale_bar(canvas: Canvas, x: float, y: float) -> None:
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x - 4 * mm, y - 7 * mm, 108 * mm, 15 * mm, stroke=0, fill=1)
    canvas.setStrokeColor(BLACK)
    canvas.setLineWidth(1.2)
    canvas.line(x, y, x + 100 * mm, y)
    canvas.setLineWidth(0.6)
    for tick in range(0, 101, 10):
        canvas.line(x + tick * mm, y, x + tick * mm, y + (3 if tick % 50 else 5) * mm)
    draw_text(canvas, x + 50 * mm, y - 5 * mm, "此线段应为 100 mm", 8, align="center")


# ---------------------------------------------------------------------------------------------
# Files


def write_pdf_atomic(data: bytes, path: Path) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one, even
    after a power cut (temp file in the same folder, fsync, ``os.replace``, fsync the folder)."""
    write_atomic(Path(path), data)
