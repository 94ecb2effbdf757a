"""Receipt PDFs: every field on every part, void and reprint marks, fit, QR, embedded font,
the pre-printed form overlay, the calibration page and atomic writes."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from app.domain.money import format_fen
from receipts._pdf import qr_modules
from receipts.calibration import render_calibration
from receipts.fonts import (
    FONT_PATH,
    LICENSE_PATH,
    missing_characters,
    register_reportlab_font,
)
from receipts.model import ReceiptDocument
from receipts.overlay import FieldBox, FormLayout, render_overlay
from receipts.render import MAX_MEMBERS, PARTS, render_receipt, write_pdf_atomic
from tests.specimens import specimen_lines, specimen_receipt

MM = 72 / 25.4
TITLE = "城乡居民基本医疗保险费专用收据"
QR_TEXT = "YB1:eyJkIjoiM2YyYTljMWUiLCJuIjoiMDAwMTIwMDcifQ.c2lnbmF0dXJl"


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def text_positions(pdf: bytes, page_index: int = 0) -> list[tuple[str, float, float]]:
    """(text, x, y) of every text run on a page, in points from the bottom-left corner."""
    found: list[tuple[str, float, float]] = []

    def visit(text: str, cm: list, tm: list, font: object, size: float) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((text.strip(), x, y))

    PdfReader(io.BytesIO(pdf)).pages[page_index].extract_text(visitor_text=visit)
    return found


def parts_of(pdf: bytes) -> list[str]:
    """The three-part sheet's text cut into its parts (each part starts with the title)."""
    (text,) = pages_text(pdf)
    chunks = text.split(TITLE)[1:]
    assert len(chunks) == 3
    return chunks


def assert_all_fields(part: str, doc: ReceiptDocument) -> None:
    assert "No." in part
    assert f"{doc.series} {doc.number}" in part
    assert doc.payer_name in part
    assert doc.household_no in part
    assert doc.village in part
    assert "城乡居民基本医疗保险（390）" in part
    assert f"{doc.benefit_year}年度" in part
    for line in doc.lines:
        assert line.name in part
        assert line.id_masked in part
    assert "一档" in part
    assert "380.00" in part  # price
    assert "150.00（低保）" in part  # subsidy with its category
    assert "230.00" in part  # payable after subsidy
    assert "380.00（特困）" in part and "0.00" in part
    assert "¥990.00" in part
    assert "玖佰玖拾元整" in part
    assert "现金" in part
    assert f"收款员：{doc.collector}" in part
    assert "2026-11-23 10:15" in part  # 02:15 UTC shown in Asia/Shanghai
    assert doc.issuer in part


# -- three parts ---------------------------------------------------------------------------


def test_three_part_sheet_shows_every_field_on_every_part() -> None:
    doc = specimen_receipt(4)
    pdf = render_receipt(doc)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width) / MM), round(float(height) / MM)) == (210, 297)
    for part, (label, keeper) in zip(parts_of(pdf), PARTS, strict=True):
        assert label + keeper in part
        assert_all_fields(part, doc)
        assert "作废" not in part and "补打" not in part


def test_part_labels_are_stub_receipt_and_accounting_in_order() -> None:
    (text,) = pages_text(render_receipt(specimen_receipt(1)))
    positions = [text.index(label + keeper) for label, keeper in PARTS]
    assert positions == sorted(positions)
    assert [label for label, _ in PARTS] == ["【存根联】", "【收据联】", "【记账联】"]
    assert "【存根联】收款员留存" in text
    assert "【收据联】交款人收执" in text
    assert "【记账联】财政所记账" in text


def test_single_layout_puts_each_part_on_its_own_page() -> None:
    doc = specimen_receipt(4)
    pdf = render_receipt(doc, layout="single")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 3
    for page, (label, keeper) in zip(reader.pages, PARTS, strict=True):
        size = (round(float(page.mediabox.width) / MM), round(float(page.mediabox.height) / MM))
        assert size == (210, 99)
        text = page.extract_text()
        assert label + keeper in text
        assert_all_fields(text, doc)
    with pytest.raises(ValueError):
        render_receipt(doc, layout="four_part")


@pytest.mark.parametrize(
    ("method", "reference", "expected"),
    [
        ("cash", None, "现金"),
        ("wechat", "4200001234202611230001", "微信（4200001234202611230001）"),
        ("bank", "NS0042", "银行转账（NS0042）"),
        ("other", None, "其他"),
    ],
)
def test_payment_method_in_chinese(method: str, reference: str | None, expected: str) -> None:
    pdf = render_receipt(specimen_receipt(2, method=method, method_ref=reference))
    for part in parts_of(pdf):
        assert f"缴费方式{expected}" in part.replace("\n", "")


def test_business_time_is_asia_shanghai_across_midnight() -> None:
    doc = replace(specimen_receipt(1), issued_at=datetime(2026, 11, 22, 16, 30, tzinfo=UTC))
    for part in parts_of(render_receipt(doc)):
        assert "2026-11-23 00:30" in part


def test_voided_receipt_has_mark_and_reason_on_every_part() -> None:
    doc = specimen_receipt(2, state="voided", void_reason="打印错位，重新开具")
    for part in parts_of(render_receipt(doc)):
        assert "作废" in part
        assert "作废原因：打印错位，重新开具" in part
    for page in pages_text(render_receipt(doc, layout="single")):
        assert "作废原因：打印错位，重新开具" in page


def test_reprint_is_marked_on_every_part() -> None:
    doc = specimen_receipt(2, reprint=True)
    for part in parts_of(render_receipt(doc)):
        assert "补打" in part
        assert "补打于 2026-11-25 10:15" in part


def test_twelve_members_fit_inside_each_part() -> None:
    doc = specimen_receipt(12, qr_text=QR_TEXT)
    pdf = render_receipt(doc)
    for part in parts_of(pdf):
        for line in doc.lines:
            assert line.name in part and line.id_masked in part
        assert "¥3,540.00" in part and "叁仟伍佰肆拾元整" in part
    page_height = 297 * MM
    for index, (label, keeper) in enumerate(PARTS):
        top = page_height - index * 99 * MM
        bottom = top - 99 * MM
        runs = [(text, y) for text, _, y in text_positions(pdf) if bottom < y < top]
        texts = [text for text, _ in runs]
        assert label + keeper in texts
        # The last member row and the footer are drawn inside the part, above its bottom.
        last_member = [y for text, y in runs if text == "王一鸣"]
        footer = [y for text, y in runs if text.startswith("收款时间")]
        assert len(last_member) == 1 and len(footer) == 1
        assert bottom + 3 * MM < footer[0] < last_member[0]


def test_too_many_members_is_refused() -> None:
    lines = (specimen_lines(12) * 2)[: MAX_MEMBERS + 1]
    doc = replace(specimen_receipt(1), lines=lines,
                  total_fen=sum(line.payable_fen for line in lines))
    with pytest.raises(ValueError, match="最多"):
        render_receipt(doc)


def qr_matrix_from_pdf(pdf: bytes) -> list[list[bool]]:
    """Rebuild the QR modules from the receipt's QR form XObject (unit rectangles)."""
    reader = PdfReader(io.BytesIO(pdf))
    xobjects = reader.pages[0]["/Resources"]["/XObject"]
    (form,) = [xobject.get_object() for xobject in xobjects.values()]
    content = form.get_data().decode("latin-1")
    rects = [tuple(map(int, m)) for m in re.findall(r"(\d+) (\d+) (\d+) 1 re", content)]
    units = max(y for _, y, _ in rects) + 3  # two quiet modules above and below
    size = units - 4
    matrix = [[False] * size for _ in range(size)]
    for x, y, length in rects:
        row = units - 3 - y
        for column in range(x - 2, x - 2 + length):
            matrix[row][column] = True
    return matrix


def test_qr_code_of_the_signed_text_is_drawn_on_every_part() -> None:
    pdf = render_receipt(specimen_receipt(4, qr_text=QR_TEXT))
    expected = [list(row) for row in qr_modules(QR_TEXT)]
    assert qr_matrix_from_pdf(pdf) == expected
    content = PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data().decode("latin-1")
    assert len(re.findall(r"/FormXob\S* Do", content)) == 3  # one per part
    for part in parts_of(pdf):
        assert "扫码验真" in part
    no_qr = render_receipt(specimen_receipt(4))
    assert "/XObject" not in PdfReader(io.BytesIO(no_qr)).pages[0]["/Resources"]
    assert "扫码验真" not in pages_text(no_qr)[0]


def test_rendering_is_deterministic() -> None:
    doc = specimen_receipt(4, qr_text=QR_TEXT)
    assert render_receipt(doc) == render_receipt(doc)


# -- fonts ---------------------------------------------------------------------------------


def embedded_font_report(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "check.pdf"
    path.write_bytes(pdf)
    output = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    return output.stdout.splitlines()[2:]


def assert_only_embedded_cjk_font(pdf: bytes, tmp_path: Path) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        for font in fonts.values():
            font = font.get_object()
            assert "Helvetica" not in str(font["/BaseFont"])
            assert "/FontFile2" in font["/FontDescriptor"].get_object()  # embedded TrueType
    if shutil.which("pdffonts") is None:
        return  # the pypdf checks above still ran
    rows = embedded_font_report(pdf, tmp_path)
    assert rows, "no fonts at all"
    for row in rows:
        name, kind, *_ = row.split()
        assert "WenQuanYi" in name and kind == "TrueType"
        # columns: name type encoding emb sub uni object ID
        assert row.split()[-5] == "yes", row


@pytest.mark.parametrize(
    "render",
    [
        lambda: render_receipt(specimen_receipt(4, qr_text=QR_TEXT)),
        lambda: render_receipt(specimen_receipt(2, state="voided", void_reason="错", reprint=True),
                               layout="single"),
        lambda: render_overlay(specimen_receipt(8, qr_text=QR_TEXT)),
        lambda: render_calibration(offset_x_mm=1, offset_y_mm=-1),
    ],
)
def test_every_font_is_embedded(render: Callable[[], bytes], tmp_path: Path) -> None:
    assert_only_embedded_cjk_font(render(), tmp_path)


def test_font_file_is_a_glyf_subset_with_its_licence() -> None:
    assert FONT_PATH.is_file() and FONT_PATH.suffix == ".ttf"
    assert FONT_PATH.stat().st_size <= 3.5 * 1024 * 1024
    assert "Apache License" in LICENSE_PATH.read_text(encoding="utf-8")
    font = TTFont(str(FONT_PATH), lazy=True)
    assert "glyf" in font and "CFF " not in font
    cmap = font.getBestCmap()
    gbk = set()
    for high in range(0x81, 0xFF):
        for low in range(0x40, 0xFF):
            try:
                gbk.add(bytes((high, low)).decode("gbk"))
            except UnicodeDecodeError:
                continue
    assert len(gbk) > 21000
    # Every GBK character the source font has; rare name characters such as 喆 and 堃 among them.
    assert all(ord(char) in cmap for char in "喆堃犇淼婷旻昊")
    assert sum(ord(char) in cmap for char in gbk) > 20000
    assert all(ord(char) in cmap for char in "¥☑☐✓×—·【】0123456789ABCxyz,.:;()（），。：")


def test_register_is_idempotent_and_reports_uncovered_characters() -> None:
    assert register_reportlab_font() == register_reportlab_font() == "YibaoCJK"
    assert missing_characters("王建国 李秀英 ¥1,020.00 ☑") == ""
    assert missing_characters("王喆 张堃") == ""  # rare name characters are in the font
    assert missing_characters("𠀀王") == "𠀀"  # outside GBK: would print as a box


def test_model_refuses_inconsistent_receipts() -> None:
    doc = specimen_receipt(2)
    with pytest.raises(ValueError):
        replace(doc, total_fen=doc.total_fen + 1)
    with pytest.raises(ValueError):
        replace(doc, issued_at=datetime(2026, 11, 23, 10, 15))
    with pytest.raises(ValueError):
        replace(doc, state="voided")  # no reason
    with pytest.raises(ValueError):
        replace(doc, method="alipay")


# -- pre-printed form (套打) ------------------------------------------------------------------


def positions_by_text(pdf: bytes) -> dict[str, tuple[float, float]]:
    return {text: (x, y) for text, x, y in text_positions(pdf)}


def test_overlay_prints_only_the_variable_fields() -> None:
    doc = specimen_receipt(4, qr_text=QR_TEXT)
    pdf = render_overlay(doc)
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    size = (round(float(page.mediabox.width) / MM), round(float(page.mediabox.height) / MM))
    assert size == (241, 93)
    text = page.extract_text()
    for value in (doc.payer_name, doc.household_no, doc.village, "城乡居民基本医疗保险（390）",
                  "2027年度", "现金", "¥990.00", "玖佰玖拾元整", "李会计", "2026-11-23 10:15",
                  "150.00（低保）", *(line.name for line in doc.lines),
                  *(line.id_masked for line in doc.lines)):
        assert value in text
    for printed_on_the_form in (TITLE, "交款人", "户号", "收款员", "合计", "【", "00012007"):
        assert printed_on_the_form not in text


def test_overlay_offsets_move_every_field() -> None:
    doc = specimen_receipt(4)
    base = positions_by_text(render_overlay(doc))
    moved = positions_by_text(render_overlay(doc, offset_x_mm=3, offset_y_mm=-2))
    for field in (doc.payer_name, "¥990.00", "2026-11-23 10:15", "340422********0427"):
        (x0, y0), (x1, y1) = base[field], moved[field]
        assert x1 - x0 == pytest.approx(3 * MM, abs=0.01)
        assert y1 - y0 == pytest.approx(2 * MM, abs=0.01)  # negative offset moves up


def test_overlay_follows_a_custom_layout_and_summarises_extra_members() -> None:
    doc = specimen_receipt(9)
    form = FormLayout(number=FieldBox(190, 12, 45), max_rows=5)
    pdf = render_overlay(doc, form=form)
    text = pages_text(pdf)[0]
    assert "皖医保 00012007" in text
    names = [line.name for line in doc.lines]
    assert all(name in text for name in names[:4])
    assert not any(name in text for name in names[4:])
    rest = format_fen(sum(line.payable_fen for line in doc.lines[4:]))
    assert "另 5 人" in text and rest in text
    # The household number sits where the layout says: 95 mm from the left, baseline 22 mm
    # from the top.
    x, y = positions_by_text(pdf)[doc.household_no]
    assert x == pytest.approx(95 * MM, abs=0.01)
    assert y == pytest.approx((93 - 22) * MM, abs=0.01)


def test_overlay_marks_void_and_reprint() -> None:
    voided = specimen_receipt(1, state="voided", void_reason="卡纸")
    assert "作废：卡纸" in pages_text(render_overlay(voided))[0]
    assert "补打" in pages_text(render_overlay(specimen_receipt(1, reprint=True)))[0]


# -- calibration -----------------------------------------------------------------------------


def test_calibration_page_has_rulers_crosshair_and_instructions() -> None:
    pdf = render_calibration(offset_x_mm=-2.5, offset_y_mm=1)
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    size = (round(float(page.mediabox.width) / MM), round(float(page.mediabox.height) / MM))
    assert size == (210, 297)
    text = page.extract_text()
    assert "当前偏移：水平 -2.5 mm，垂直 +1.0 mm" in text
    assert "20 - X" in text and "20 - Y" in text
    assert "实际大小" in text and "100 mm" in text
    labels = [t for t, _, _ in text_positions(pdf) if t.isdigit()]
    assert {str(v) for v in range(10, 210, 10)} <= set(labels)  # along the top edge
    assert {str(v) for v in range(210, 300, 10)} <= set(labels)  # only on the left edge


def test_calibration_crosshair_follows_the_offsets() -> None:
    def label_position(pdf: bytes) -> tuple[float, float]:
        (position,) = [(x, y) for t, x, y in text_positions(pdf) if t.startswith("基准点")]
        return position

    x0, y0 = label_position(render_calibration())
    x1, y1 = label_position(render_calibration(offset_x_mm=-2.5, offset_y_mm=1))
    assert x1 - x0 == pytest.approx(-2.5 * MM, abs=0.01)
    assert y1 - y0 == pytest.approx(-1 * MM, abs=0.01)


# -- files ---------------------------------------------------------------------------------


def test_write_pdf_atomic_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "receipt.pdf"
    target.write_bytes(b"old")
    data = render_receipt(specimen_receipt(1))
    write_pdf_atomic(data, target)
    assert target.read_bytes() == data
    assert os.listdir(tmp_path) == ["receipt.pdf"]  # no temp file left behind


def test_write_pdf_atomic_keeps_old_file_when_replace_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "receipt.pdf"
    target.write_bytes(b"old")

    def fail(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_pdf_atomic(b"new", target)
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["receipt.pdf"]
