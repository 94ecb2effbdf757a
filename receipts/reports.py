"""A4 reports: 收款日报 (daily ledger), 票据核销表 (settlement), 缴存明细 (deposits) and the
缴费通知单 (payment notice).

Reports are laid out first and drawn afterwards, so that every page can say "第 n 页 / 共 m 页".
Each page repeats the report header; a table that runs over a page ends with 过次页 (the running
totals so far) and resumes with 承前页 (the same totals), as on a paper ledger, and ends with
合计. Public entry points are re-exported by ``receipts.render``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial

from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.domain.money import fen_to_capitals, format_fen
from receipts._pdf import (
    BLACK,
    GREY,
    RED,
    Align,
    draw_bold,
    draw_in_cell,
    draw_text,
    finish,
    local_time,
    new_canvas,
    width_of,
)
from receipts.model import (
    METHOD_LABELS,
    DailyLedger,
    DepositEntry,
    DepositList,
    PaymentNotice,
    SettlementSheet,
)

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


def _date_text(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# ---------------------------------------------------------------------------------------------
# Number ranges


def compress_ranges(numbers: Iterable[str], width: int) -> list[str]:
    """Receipt numbers as sorted ranges: ["00012001–00012043", "00012045"].

    Numbers are compared as integers and printed zero-padded to ``width`` digits; anything
    that is not a plain number is kept as is, after the ranges.
    """
    digits = sorted({int(n) for n in numbers if n.isdigit()})
    others = sorted({n for n in numbers if not n.isdigit()})
    ranges: list[str] = []
    start = previous = None
    for value in [*digits, None]:
        if previous is not None and value == previous + 1:
            previous = value
            continue
        if start is not None and previous is not None:
            first, last = f"{start:0{width}d}", f"{previous:0{width}d}"
            ranges.append(first if start == previous else f"{first}–{last}")
        start = previous = value
    return ranges + others


# ---------------------------------------------------------------------------------------------
# Layout engine


@dataclass(frozen=True)
class _Column:
    """A table column: relative width, alignment, and whether its values are summed and
    carried across pages ("fen" → money, "count" → an integer)."""

    title: str
    width: float
    align: Align = "left"
    total: str | None = None


@dataclass(frozen=True)
class _Row:
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


class _Report:
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
        canvas, buffer = new_canvas(A4, self.title)
        total = len(self.pages)
        for number, ops in enumerate(self.pages, start=1):
            self._page_frame(canvas, number, total)
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
        columns: Sequence[_Column],
        rows: Sequence[_Row],
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

    def _header_row(self, columns: Sequence[_Column], widths: Sequence[float]) -> None:
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
        columns: Sequence[_Column],
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
        columns: Sequence[_Column],
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


# ---------------------------------------------------------------------------------------------
# Reports


def render_daily_ledger(ledger: DailyLedger) -> bytes:
    """收款日报表（日清单）: every receipt of the day with its members, the voided receipts,
    and the money by payment method, with totals carried from page to page."""
    report = _Report(
        "城乡居民医保费收款日报表（日清单）",
        [f"村（组）：{ledger.village}    收款员：{ledger.collector}    "
         f"日期：{_date_text(ledger.date)}    "
         f"开具 {len(ledger.receipts)} 张    作废 {len(ledger.voids)} 张"],
    )
    columns = [
        _Column("序号", 8, "center"),
        _Column("票据号码", 25, "center"),
        _Column("时间", 10, "center"),
        _Column("户号", 25, "center"),
        _Column("交款人", 14, "center"),
        _Column("参保人员及个人应缴", 50),
        _Column("人数", 9, "right", total="count"),
        _Column("方式", 14, "center"),
        _Column("金额（元）", 20, "right", total="fen"),
    ]
    rows = [
        _Row(
            (
                str(index),
                f"{entry.series} {entry.number}",
                local_time(entry.time).strftime("%H:%M"),
                entry.household_no,
                entry.payer_name,
                "、".join(f"{m.name} {format_fen(m.payable_fen)}" for m in entry.members),
                str(len(entry.members)),
                METHOD_LABELS[entry.method],
                format_fen(entry.amount_fen),
            ),
            (len(entry.members), entry.amount_fen),
        )
        for index, entry in enumerate(ledger.receipts, start=1)
    ]
    report.table(columns, rows, heading="一、开具票据", empty_text="本日未开具票据")

    report.spacer(3)
    void_rows = [
        _Row((str(index), f"{void.series} {void.number}",
             local_time(void.time).strftime("%H:%M"), void.payer_name or "", void.reason))
        for index, void in enumerate(ledger.voids, start=1)
    ]
    report.table(
        [_Column("序号", 8, "center"), _Column("票据号码", 25, "center"),
         _Column("时间", 10, "center"), _Column("交款人", 18, "center"), _Column("作废原因", 60)],
        void_rows,
        heading="二、作废票据",
        empty_text="本日无作废票据",
    )

    report.spacer(3)
    counts = {method: 0 for method in METHOD_LABELS}
    for entry in ledger.receipts:
        counts[entry.method] += 1
    method_rows = [
        _Row((label, str(counts[method]), format_fen(ledger.totals_by_method.get(method, 0))),
            (counts[method], ledger.totals_by_method.get(method, 0)))
        for method, label in METHOD_LABELS.items()
        if counts[method] or ledger.totals_by_method.get(method)
    ]
    report.table(
        [_Column("缴费方式", 30, "center"), _Column("笔数", 20, "right", total="count"),
         _Column("金额（元）", 30, "right", total="fen")],
        method_rows,
        heading="三、按缴费方式汇总",
        empty_text="本日无收款",
    )
    report.spacer(3)
    refund_rows = [
        _Row((str(index), f"{r.series} {r.number}", local_time(r.time).strftime("%H:%M"),
              r.name, r.reason, r.paid_by, format_fen(r.amount_fen)), (r.amount_fen,))
        for index, r in enumerate(ledger.refunds, start=1)
    ]
    report.table(
        [_Column("序号", 8, "center"), _Column("票据号码", 25, "center"),
         _Column("时间", 10, "center"), _Column("退费人", 16, "center"),
         _Column("退费原因", 18, "center"), _Column("退付方", 18, "center"),
         _Column("金额（元）", 20, "right", total="fen")],
        refund_rows,
        heading="四、退费（另行列示，不冲减收款）",
        empty_text="本日无退费",
    )
    report.spacer(2)
    report.paragraph(f"本日收款合计：{format_fen(ledger.total_fen, symbol=True)}    "
                     f"大写：{fen_to_capitals(ledger.total_fen)}", size=10)
    report.signatures(["收款员（签字）", "复核人（签字）", "日期"])
    return report.render()


def _deposit_table(
    report: _Report, deposits: Sequence[DepositEntry], *, heading: str | None = None
) -> None:
    rows = [
        _Row((str(index), _date_text(deposit.date), deposit.slip, format_fen(deposit.amount_fen)),
            (deposit.amount_fen,))
        for index, deposit in enumerate(deposits, start=1)
    ]
    report.table(
        [_Column("序号", 10, "center"), _Column("缴存日期", 30, "center"),
         _Column("缴款单号", 60, "center"), _Column("金额（元）", 30, "right", total="fen")],
        rows,
        heading=heading,
        empty_text="无缴存记录",
    )


def render_settlement(sheet: SettlementSheet) -> bytes:
    """票据核销表 for one book: each number accounted for (已开具 / 作废 / 未使用 / 遗失, printed
    as compressed ranges), any number missing or listed twice, and receipts against money."""
    width = sheet.width
    generated = local_time(sheet.generated_at).strftime("%Y-%m-%d %H:%M")
    report = _Report(
        "医保专用收据核销表（票款核对）",
        [f"字轨：{sheet.series}    号段：{sheet.first}–{sheet.last}（共 {sheet.book_size} 张）",
         f"收款员：{sheet.collector}    村（组）：{sheet.village}    生成时间：{generated}"],
    )
    voided_numbers = [number for number, _ in sheet.voided]
    groups = (
        ("已开具", sheet.issued),
        ("作废", voided_numbers),
        ("未使用", sheet.unused),
        ("遗失", sheet.lost),
    )
    report.table(
        [_Column("项目", 16, "center"), _Column("张数", 12, "right", total="count"),
         _Column("号码", 110)],
        [_Row((name, str(len(numbers)), "，".join(compress_ranges(numbers, width)) or "—"),
             (len(numbers),))
         for name, numbers in groups],
        heading="一、票据使用情况",
    )
    _accounting_check(report, sheet, [number for _, numbers in groups for number in numbers])

    report.spacer(3)
    report.table(
        [_Column("序号", 10, "center"), _Column("票据号码", 30, "center"), _Column("作废原因", 90)],
        [_Row((str(index), f"{sheet.series} {number}", reason or "（未填原因）"))
         for index, (number, reason) in enumerate(
             sorted(sheet.voided, key=lambda pair: pair[0]), start=1)],
        heading="二、作废明细",
        empty_text="无作废票据",
    )

    report.spacer(3)
    report.heading("三、资金情况")
    report.key_values([
        ("收款金额", format_fen(sheet.amount_fen, symbol=True)),
        ("退费金额", format_fen(sheet.refunds_fen, symbol=True)),
        ("应缴存金额", format_fen(sheet.amount_fen - sheet.refunds_fen, symbol=True)),
        ("已缴存金额", format_fen(sheet.deposited_fen, symbol=True)),
        ("未缴存（现金在手）", format_fen(sheet.cash_on_hand_fen, symbol=True)),
        ("收款金额（大写）", fen_to_capitals(sheet.amount_fen)),
    ])

    report.spacer(3)
    _deposit_table(report, sheet.deposits, heading="四、缴存明细")
    report.signatures(["收款员（签字）", "财政所经办人", "审核人", "日期"])
    return report.render()


def _accounting_check(report: _Report, sheet: SettlementSheet, listed: Sequence[str]) -> None:
    """Every number of the book must appear exactly once among the four groups (票据全部有着落)."""
    expected = {int(sheet.first) + offset for offset in range(sheet.book_size)}
    seen: dict[str, int] = {}
    for number in listed:
        seen[number] = seen.get(number, 0) + 1
    present = {int(number) for number in seen if number.isdigit()}
    missing = [f"{n:0{sheet.width}d}" for n in sorted(expected - present)]
    twice = [number for number, count in seen.items() if count > 1]
    outside = [n for n in seen if not n.isdigit() or int(n) not in expected]
    report.spacer(1.5)
    if not (missing or twice or outside):
        report.paragraph(
            f"核对：已开具 + 作废 + 未使用 + 遗失 = {len(listed)} 张，"
            f"与本册 {sheet.book_size} 张相符 ✓")
        return
    report.paragraph(f"核对不符：本册 {sheet.book_size} 张，列明 {len(listed)} 张。",
                     color=RED)
    for label, numbers in (("未说明去向", missing), ("重复列出", twice), ("不属本册", outside)):
        if numbers:
            ranges = "，".join(compress_ranges(numbers, sheet.width))
            report.paragraph(f"{label}的号码：{ranges}", color=RED)


def render_deposit_list(deposits: DepositList) -> bytes:
    """缴存明细表: a collector's deposits into the township account, with their total."""
    report = _Report(
        "城乡居民医保费缴存明细表",
        [f"收款员：{deposits.collector}    村（组）：{deposits.village}    "
         f"共 {len(deposits.deposits)} 笔"],
    )
    _deposit_table(report, deposits.deposits)
    report.spacer(2)
    report.paragraph(f"缴存合计：{format_fen(deposits.total_fen, symbol=True)}    "
                     f"大写：{fen_to_capitals(deposits.total_fen)}", size=10)
    report.signatures(["收款员（签字）", "财政所经办人", "日期"])
    return report.render()


def render_payment_notice(notice: PaymentNotice) -> bytes:
    """缴费通知单 for one household: members, tier, subsidies, amount due and the deadline."""
    report = _Report(
        "城乡居民基本医疗保险费缴费通知单",
        [f"户号：{notice.household_no}    户主：{notice.head}    "
         f"村（组）：{notice.village}{notice.group}",
         f"缴费年度：{notice.label}    档次：{notice.tier_name}    "
         f"缴费截止：{_date_text(notice.deadline)}"],
    )
    report.paragraph(
        f"{notice.head} 户：根据{notice.year_label}城乡居民基本医疗保险集中征缴安排，"
        f"您家本次选择“{notice.tier_name}”，应缴纳医疗保险费如下：", size=10)
    report.spacer(1)
    rows = [
        _Row((str(index), line.name, line.id_masked, format_fen(line.price_fen),
             format_fen(line.subsidy_fen) if line.subsidy_fen else "—",
             line.category or "—", format_fen(line.payable_fen)),
            (line.payable_fen,))
        for index, line in enumerate(notice.lines, start=1)
    ]
    report.table(
        [_Column("序号", 8, "center"), _Column("姓名", 18, "center"),
         _Column("身份证号", 36, "center"), _Column("缴费标准", 18, "right"),
         _Column("资助金额", 16, "right"), _Column("资助类别", 22, "center"),
         _Column("个人应缴（元）", 20, "right", total="fen")],
        rows,
    )
    report.spacer(2)
    report.paragraph(f"应缴合计：{format_fen(notice.total_fen, symbol=True)}    "
                     f"大写：{fen_to_capitals(notice.total_fen)}", size=10.5)
    report.paragraph(f"请于 {_date_text(notice.deadline)} 前缴费，逾期将影响"
                     f"{notice.year_label}医保待遇。", size=10)
    report.paragraph(f"收款员：{notice.collector}    联系电话：{notice.phone}", size=10)
    for note in notice.notes:
        report.paragraph(note)
    if notice.issuer:
        report.spacer(6)
        report.paragraph(f"{notice.issuer}（盖章）", size=10, align="right")
    return report.render()
