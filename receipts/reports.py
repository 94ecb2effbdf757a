"""A4 reports: 收款日报 (daily ledger), 票据核销表 (settlement), 缴存明细 (deposits) and the
缴费通知单 (payment notice).

Each is laid out by the page engine of ``receipts.paging``: every page repeats the report
header and says "第 n 页 / 共 m 页"; a table that runs over a page carries its totals
(过次页 / 承前页) and ends with 合计.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import TypeVar

from app.domain.money import fen_to_capitals, format_fen
from receipts._pdf import RED, local_time
from receipts.model import (
    METHOD_LABELS,
    DailyLedger,
    DepositEntry,
    DepositList,
    PaymentNotice,
    SettlementSheet,
)
from receipts.paging import Column, Report, Row

T = TypeVar("T")


def _date_text(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _numbered(items: Iterable[T], row: Callable[[T], Row]) -> list[Row]:
    """A table's rows, numbered from 1 in front of the cells ``row`` gives (序号)."""
    return [Row((str(index), *r.cells), r.values)
            for index, r in enumerate(map(row, items), start=1)]


def _total_in_words(report: Report, label: str, total_fen: int, *, size: float = 10) -> None:
    """The line under a report's tables: the total in figures and in capitals (大写)."""
    report.paragraph(f"{label}：{format_fen(total_fen, symbol=True)}    "
                     f"大写：{fen_to_capitals(total_fen)}", size=size)


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
# Reports


def render_daily_ledger(ledger: DailyLedger) -> bytes:
    """收款日报表（日清单）: every receipt of the day with its members, the voided receipts,
    and the money by payment method, with totals carried from page to page."""
    report = Report(
        "城乡居民医保费收款日报表（日清单）",
        [f"村（组）：{ledger.village}    收款员：{ledger.collector}    "
         f"日期：{_date_text(ledger.date)}    "
         f"开具 {len(ledger.receipts)} 张    作废 {len(ledger.voids)} 张"],
    )
    columns = [
        Column("序号", 8, "center"),
        Column("票据号码", 25, "center"),
        Column("时间", 10, "center"),
        Column("户号", 25, "center"),
        Column("交款人", 14, "center"),
        Column("参保人员及个人应缴", 50),
        Column("人数", 9, "right", total="count"),
        Column("方式", 14, "center"),
        Column("金额（元）", 20, "right", total="fen"),
    ]
    rows = _numbered(ledger.receipts, lambda entry: Row(
        (
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
    ))
    report.table(columns, rows, heading="一、开具票据", empty_text="本日未开具票据")

    report.spacer(3)
    void_rows = _numbered(ledger.voids, lambda void: Row((
        f"{void.series} {void.number}", local_time(void.time).strftime("%H:%M"),
        void.payer_name or "", void.reason)))
    report.table(
        [Column("序号", 8, "center"), Column("票据号码", 25, "center"),
         Column("时间", 10, "center"), Column("交款人", 18, "center"), Column("作废原因", 60)],
        void_rows,
        heading="二、作废票据",
        empty_text="本日无作废票据",
    )

    report.spacer(3)
    counts = {method: 0 for method in METHOD_LABELS}
    for entry in ledger.receipts:
        counts[entry.method] += 1
    method_rows = [
        Row((label, str(counts[method]), format_fen(ledger.totals_by_method.get(method, 0))),
            (counts[method], ledger.totals_by_method.get(method, 0)))
        for method, label in METHOD_LABELS.items()
        if counts[method] or ledger.totals_by_method.get(method)
    ]
    report.table(
        [Column("缴费方式", 30, "center"), Column("笔数", 20, "right", total="count"),
         Column("金额（元）", 30, "right", total="fen")],
        method_rows,
        heading="三、按缴费方式汇总",
        empty_text="本日无收款",
    )
    report.spacer(3)
    refund_rows = _numbered(ledger.refunds, lambda r: Row((
        f"{r.series} {r.number}", local_time(r.time).strftime("%H:%M"), r.name, r.reason,
        r.paid_by, format_fen(r.amount_fen)), (r.amount_fen,)))
    report.table(
        [Column("序号", 8, "center"), Column("票据号码", 25, "center"),
         Column("时间", 10, "center"), Column("退费人", 16, "center"),
         Column("退费原因", 18, "center"), Column("退付方", 18, "center"),
         Column("金额（元）", 20, "right", total="fen")],
        refund_rows,
        heading="四、退费（另行列示，不冲减收款）",
        empty_text="本日无退费",
    )
    report.spacer(2)
    _total_in_words(report, "本日收款合计", ledger.total_fen)
    report.signatures(["收款员（签字）", "复核人（签字）", "日期"])
    return report.render()


def _deposit_table(
    report: Report, deposits: Sequence[DepositEntry], *, heading: str | None = None
) -> None:
    rows = _numbered(deposits, lambda deposit: Row((
        _date_text(deposit.date), deposit.slip, format_fen(deposit.amount_fen)),
        (deposit.amount_fen,)))
    report.table(
        [Column("序号", 10, "center"), Column("缴存日期", 30, "center"),
         Column("缴款单号", 60, "center"), Column("金额（元）", 30, "right", total="fen")],
        rows,
        heading=heading,
        empty_text="无缴存记录",
    )


def render_settlement(sheet: SettlementSheet) -> bytes:
    """票据核销表 for one book: each number accounted for (已开具 / 作废 / 未使用 / 遗失, printed
    as compressed ranges), any number missing or listed twice, and receipts against money."""
    width = sheet.width
    generated = local_time(sheet.generated_at).strftime("%Y-%m-%d %H:%M")
    report = Report(
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
        [Column("项目", 16, "center"), Column("张数", 12, "right", total="count"),
         Column("号码", 110)],
        [Row((name, str(len(numbers)), "，".join(compress_ranges(numbers, width)) or "—"),
             (len(numbers),))
         for name, numbers in groups],
        heading="一、票据使用情况",
    )
    _accounting_check(report, sheet, [number for _, numbers in groups for number in numbers])

    report.spacer(3)
    report.table(
        [Column("序号", 10, "center"), Column("票据号码", 30, "center"), Column("作废原因", 90)],
        _numbered(sorted(sheet.voided, key=lambda pair: pair[0]), lambda void: Row((
            f"{sheet.series} {void[0]}", void[1] or "（未填原因）"))),
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


def _accounting_check(report: Report, sheet: SettlementSheet, listed: Sequence[str]) -> None:
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
    report = Report(
        "城乡居民医保费缴存明细表",
        [f"收款员：{deposits.collector}    村（组）：{deposits.village}    "
         f"共 {len(deposits.deposits)} 笔"],
    )
    _deposit_table(report, deposits.deposits)
    report.spacer(2)
    _total_in_words(report, "缴存合计", deposits.total_fen)
    report.signatures(["收款员（签字）", "财政所经办人", "日期"])
    return report.render()


def render_payment_notice(notice: PaymentNotice) -> bytes:
    """缴费通知单 for one household: members, tier, subsidies, amount due and the deadline."""
    return _payment_notice_report(notice).render()


def render_payment_notices(notices: Sequence[PaymentNotice]) -> bytes:
    """Many households' notices in one PDF (a chase list's 催缴通知单), each on its own pages
    and numbered by itself."""
    return Report.render_all([_payment_notice_report(n) for n in notices])


def _payment_notice_report(notice: PaymentNotice) -> Report:
    report = Report(
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
    rows = _numbered(notice.lines, lambda line: Row((
        line.name, line.id_masked, format_fen(line.price_fen),
        format_fen(line.subsidy_fen) if line.subsidy_fen else "—", line.category or "—",
        format_fen(line.payable_fen)), (line.payable_fen,)))
    report.table(
        [Column("序号", 8, "center"), Column("姓名", 18, "center"),
         Column("身份证号", 36, "center"), Column("缴费标准", 18, "right"),
         Column("资助金额", 16, "right"), Column("资助类别", 22, "center"),
         Column("个人应缴（元）", 20, "right", total="fen")],
        rows,
    )
    report.spacer(2)
    _total_in_words(report, "应缴合计", notice.total_fen, size=10.5)
    report.paragraph(f"请于 {_date_text(notice.deadline)} 前缴费，逾期将影响"
                     f"{notice.year_label}医保待遇。", size=10)
    report.paragraph(f"收款员：{notice.collector}    联系电话：{notice.phone}", size=10)
    for note in notice.notes:
        report.paragraph(note)
    if notice.issuer:
        report.spacer(6)
        report.paragraph(f"{notice.issuer}（盖章）", size=10, align="right")
    return report
