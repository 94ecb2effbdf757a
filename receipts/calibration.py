"""The printer calibration page (套打校准): measured once per printer, it gives the offsets
``receipts.overlay`` shifts every field by."""

from __future__ import annotations

from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from receipts._pdf import BLACK, RED, Align, draw_bold, draw_text, finish, new_canvas, width_of

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
