"""The A4 report engine: content laid out first and drawn afterwards, so that every page
can say "第 n 页 / 共 m 页".

A report is a title and info lines (repeated on every page) over blocks flowed down the pages:
headings, paragraphs, signature lines, label/value forms and bordered tables. A table that
runs over a page ends with 过次页 (the running totals of its summed columns) and resumes with
承前页 (the same totals), as on a paper ledger, and ends with 合计. ``receipts.reports`` and the
township's progress table are drawn with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.domain.money import format_fen
from receipts._pdf import (
    BLACK,
    GREY,
    Align,
    draw_bold,
    draw_in_cell,
    draw_text,
    finish,
    new_canvas,
    width_of,
)

__all__ = ["Column", "Report", "Row"]

_PAGE_W, _PAGE_H = A4
_LEFT = 12 * mm
_RIGHT = _PAGE_W - 12 * mm
_WIDTH = _RIGHT - _LEFT
_BODY_BOTTOM = 18 * mm  # above the page number
_TEXT_SIZE = 9.0
_CELL_SIZE = 8.5
_LINE = 4.2 * mm  # one wrapped line inside a table cell
_ROW_PAD = 1.8 * mm
_HEADING = 7.5 * mm
_LABEL_FILL = (0.93, 0.93, 0.93)

_Op = Callable[[Canvas], None]


@dataclass(frozen=True)
class Column:
    """A table column: relative width, alignment, and whether its values are summed and
    carried across pages ("fen" → money, "count" → an integer)."""

    title: str
    width: float
    align: Align = "left"
    total: str | None = None


@dataclass(frozen=True)
class Row:
    """A table row; ``values`` are the numbers behind the summed columns, in column order."""

    cells: tuple[str, ...]
    values: tuple[int, ...] = ()


# Preferred break points: after a list separator, so "王建国 380.00、李秀英 230.00" breaks
# between members rather than inside a name.
_CHUNK = re.compile(r"[^、，；]+[、，；]?|[、，；]")
# Fallback inside a chunk that is wider than the line: Latin runs (numbers, amounts) stay
# whole, Chinese may break between any two characters.
_PIECE = re.compile(r"[!-~]+|\s+|.", re.DOTALL)


def _wrap(text: str, size: float, width: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` at ``size``."""
    lines: list[str] = []
    current = ""
    for chunk in _CHUNK.findall(text):
        if width_of(current + chunk, size) <= width:
            current += chunk
        elif width_of(chunk.strip(), size) <= width:
            if current:
                lines.append(current.rstrip())
            current = chunk.lstrip()
        else:
            for piece in _PIECE.findall(chunk):
                if current and width_of(current + piece, size) > width:
                    lines.append(current.rstrip())
                    current = piece.lstrip()
                else:
                    current += piece
    lines.append(current.rstrip())
    return lines


class Report:
    """Flows blocks of content down A4 pages, collecting drawing operations per page."""

    def __init__(self, title: str, info: Sequence[str]) -> None:
        self.title = title
        self.info = info
        # The title and info lines repeat on every page; the body starts below their rule.
        self.rule_y = _PAGE_H - (22.5 + 4.6 * len(info)) * mm
        self.body_top = self.rule_y - 1.5 * mm
        self.pages: list[list[_Op]] = []
        self.y = 0.0
        self.new_page()

    # -- pages ------------------------------------------------------------------------------

    def new_page(self) -> None:
        self.pages.append([])
        self.y = self.body_top

    def room(self) -> float:
        """Height left on the current page."""
        return self.y - _BODY_BOTTOM

    def fresh_room(self) -> float:
        """Height of the body of an empty page."""
        return self.body_top - _BODY_BOTTOM

    def ensure(self, height: float) -> None:
        if self.room() < height:
            self.new_page()

    def draw(self, op: _Op) -> None:
        self.pages[-1].append(op)

    def render(self) -> bytes:
        return Report.render_all([self])

    @staticmethod
    def render_all(reports: Sequence[Report]) -> bytes:
        """Several reports one after another in one PDF, each numbering its own pages."""
        canvas, buffer = new_canvas(A4, reports[0].title if reports else "")
        for report in reports:
            total = len(report.pages)
            for number, ops in enumerate(report.pages, start=1):
                report._page_frame(canvas, number, total)
                for op in ops:
                    op(canvas)
                canvas.showPage()
        return finish(canvas, buffer)

    def _page_frame(self, canvas: Canvas, number: int, total: int) -> None:
        draw_bold(canvas, _PAGE_W / 2, _PAGE_H - 17 * mm, self.title, 15, align="center")
        y = _PAGE_H - 24 * mm
        for line in self.info:
            draw_text(canvas, _LEFT, y, line, _TEXT_SIZE, max_width=_WIDTH)
            y -= 4.6 * mm
        canvas.setLineWidth(0.8)
        canvas.setStrokeColor(BLACK)
        canvas.line(_LEFT, self.rule_y, _RIGHT, self.rule_y)
        draw_text(canvas, _PAGE_W / 2, 10 * mm, f"第 {number} 页 / 共 {total} 页", 8.5,
                  align="center")
        draw_text(canvas, _RIGHT, 10 * mm, "医保收缴通", 7, align="right", color=GREY)

    # -- blocks -----------------------------------------------------------------------------

    def spacer(self, height_mm: float) -> None:
        self.y -= height_mm * mm

    def heading(self, text: str) -> None:
        # Keep a heading with at least a few lines of what follows it.
        self.ensure(_HEADING + 3 * (_LINE + _ROW_PAD))
        baseline = self.y - 5 * mm
        self.draw(partial(draw_bold, x=_LEFT, y=baseline, text=text, size=10.5, align="left"))
        self.y -= _HEADING

    def paragraph(
        self,
        text: str,
        *,
        size: float = _TEXT_SIZE,
        color: Color = BLACK,
        align: Align = "left",
    ) -> None:
        line_height = size * 1.6
        x = {"left": _LEFT, "center": _LEFT + _WIDTH / 2, "right": _RIGHT}[align]
        for line in _wrap(text, size, _WIDTH):
            self.ensure(line_height)
            baseline = self.y - size * 1.15
            self.draw(partial(draw_text, x=x, y=baseline, text=line, size=size, color=color,
                              align=align))
            self.y -= line_height

    def signatures(self, labels: Sequence[str]) -> None:
        self.ensure(14 * mm)
        baseline = self.y - 10 * mm
        step = _WIDTH / len(labels)
        for index, label in enumerate(labels):
            x = _LEFT + index * step
            text = f"{label}："
            width = width_of(text, _TEXT_SIZE)
            self.draw(partial(draw_text, x=x, y=baseline, text=text, size=_TEXT_SIZE))
            self.draw(partial(_underline, x=x + width, y=baseline - 1,
                              length=step - width - 4 * mm))
        self.y -= 14 * mm

    def table(
        self,
        columns: Sequence[Column],
        rows: Sequence[Row],
        *,
        heading: str | None = None,
        empty_text: str = "（无）",
    ) -> None:
        """A bordered table under an optional heading. Summed columns get 过次页 / 承前页 rows
        where the table breaks across pages, and a 合计 row at the end."""
        scale = _WIDTH / sum(column.width for column in columns)
        widths = [column.width * scale for column in columns]
        summed = [index for index, column in enumerate(columns) if column.total]
        sums = [0] * len(summed)
        line = _LINE + _ROW_PAD  # header, carried-total and empty rows
        prepared = []
        for row in rows:
            wrapped = [
                _wrap(text, _CELL_SIZE, width - 2.4 * mm)
                for text, width in zip(row.cells, widths, strict=True)
            ]
            prepared.append((row, wrapped, max(len(lines) for lines in wrapped) * _LINE + _ROW_PAD))

        heading_height = _HEADING if heading else 0
        whole = heading_height + line + sum(height for _, _, height in prepared) + line
        if self.room() < whole <= self.fresh_room():
            # A table that fits on one page is not split: a summary read across a page
            # break is easily misread.
            self.new_page()
        first = prepared[0][2] if prepared else line
        self.ensure(heading_height + line + first + (line if summed else 0))
        if heading:
            self.heading(heading)
        self._header_row(columns, widths)
        if not prepared:
            self.draw(partial(_cell, x=_LEFT, top=self.y, width=_WIDTH, height=line,
                              text=empty_text, align="center"))
            self.y -= line
            return
        for row, wrapped, height in prepared:
            # Leave room under every row for the 过次页 (or final 合计) row.
            if self.room() < height + (line if summed else 0):
                if summed:
                    self._sum_row("过次页", columns, widths, summed, sums, line)
                self.new_page()
                self._header_row(columns, widths)
                if summed:
                    self._sum_row("承前页", columns, widths, summed, sums, line)
            self._text_row(widths, wrapped, columns, height)
            for position, value in enumerate(row.values):
                sums[position] += value
        if summed:
            self._sum_row("合计", columns, widths, summed, sums, line)

    def key_values(self, pairs: Sequence[tuple[str, str]], *, per_row: int = 2) -> None:
        """Label/value cells, ``per_row`` pairs to a row, bordered like a form."""
        label_width = 34 * mm
        value_width = _WIDTH / per_row - label_width
        height = _LINE + _ROW_PAD
        for start in range(0, len(pairs), per_row):
            self.ensure(height)
            top = self.y
            for offset, (label, value) in enumerate(pairs[start:start + per_row]):
                x = _LEFT + offset * (label_width + value_width)
                self.draw(partial(_cell, x=x, top=top, width=label_width, height=height,
                                  text=label, align="center", fill=True))
                self.draw(partial(_cell, x=x + label_width, top=top, width=value_width,
                                  height=height, text=value, align="right"))
            self.y -= height

    # -- table rows -------------------------------------------------------------------------

    def _header_row(self, columns: Sequence[Column], widths: Sequence[float]) -> None:
        height = _LINE + _ROW_PAD
        top = self.y
        x = _LEFT
        for column, width in zip(columns, widths, strict=True):
            self.draw(partial(_cell, x=x, top=top, width=width, height=height,
                              text=column.title, align="center", fill=True))
            x += width
        self.y -= height

    def _text_row(
        self,
        widths: Sequence[float],
        wrapped: Sequence[Sequence[str]],
        columns: Sequence[Column],
        height: float,
    ) -> None:
        top = self.y
        x = _LEFT
        for lines, width, column in zip(wrapped, widths, columns, strict=True):
            self.draw(partial(_cell_lines, x=x, top=top, width=width, height=height,
                              lines=tuple(lines), align=column.align))
            x += width
        self.y -= height

    def _sum_row(
        self,
        label: str,
        columns: Sequence[Column],
        widths: Sequence[float],
        summed: Sequence[int],
        sums: Sequence[int],
        height: float,
    ) -> None:
        top = self.y
        label_width = sum(widths[: summed[0]])
        if label_width:
            self.draw(partial(_cell, x=_LEFT, top=top, width=label_width, height=height,
                              text=label, align="center", fill=True))
        x = _LEFT + label_width
        for index in range(summed[0], len(columns)):
            column = columns[index]
            text = ""
            if index in summed:
                value = sums[summed.index(index)]
                text = format_fen(value) if column.total == "fen" else str(value)
            self.draw(partial(_cell, x=x, top=top, width=widths[index], height=height,
                              text=text, align=column.align, fill=True))
            x += widths[index]
        self.y -= height


def _underline(canvas: Canvas, x: float, y: float, length: float) -> None:
    canvas.setLineWidth(0.5)
    canvas.setStrokeColor(BLACK)
    canvas.line(x, y, x + length, y)


def _cell(
    canvas: Canvas,
    x: float,
    top: float,
    width: float,
    height: float,
    text: str,
    align: Align,
    *,
    fill: bool = False,
) -> None:
    canvas.setLineWidth(0.5)
    canvas.setStrokeColor(BLACK)
    if fill:
        canvas.setFillColorRGB(*_LABEL_FILL)
    canvas.rect(x, top - height, width, height, stroke=1, fill=1 if fill else 0)
    draw_in_cell(canvas, x, top - height, width, height, text, _CELL_SIZE, align=align)


def _cell_lines(
    canvas: Canvas,
    x: float,
    top: float,
    width: float,
    height: float,
    lines: Sequence[str],
    align: Align,
) -> None:
    canvas.setLineWidth(0.5)
    canvas.setStrokeColor(BLACK)
    canvas.rect(x, top - height, width, height, stroke=1, fill=0)
    first_top = top - (height - len(lines) * _LINE) / 2
    for index, line in enumerate(lines):
        draw_in_cell(canvas, x, first_top - (index + 1) * _LINE, width, _LINE, line,
                     _CELL_SIZE, align=align)
