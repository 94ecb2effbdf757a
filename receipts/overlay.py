"""Pre-printed receipt forms (套打): only a receipt's variable fields, placed on the form's
boxes and shifted by the printer's calibrated offsets (``receipts.calibration``)."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.units import mm

from app.domain.money import fen_to_capitals, format_fen
from receipts._pdf import Align, draw_qr, draw_text, finish, new_canvas
from receipts.model import ReceiptDocument
from receipts.render import RECEIPT_TITLE, method_text, stamp_time, subsidy_text


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
    put(form.method, method_text(doc.method, doc.method_ref))
    for index, cells in enumerate(_overlay_rows(doc, form.max_rows)):
        y = form.first_row_y + index * form.row_pitch
        columns = (form.col_name, form.col_id, form.col_tier, form.col_price, form.col_subsidy,
                   form.col_payable)
        for column, text in zip(columns, cells, strict=True):
            put(FieldBox(column.x, y, column.width, column.align), text)
    put(form.capitals, fen_to_capitals(doc.total_fen))
    put(form.figures, format_fen(doc.total_fen, symbol=True))
    put(form.collector, doc.collector)
    put(form.issued_at, stamp_time(doc))
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
         subsidy_text(line) if line.subsidy_fen else "", format_fen(line.payable_fen))
        for line in shown
    ]
    if len(shown) < len(lines):
        rest = lines[len(shown):]
        rows.append((f"另 {len(rest)} 人", "", "", "", "",
                     format_fen(sum(line.payable_fen for line in rest))))
    return rows
