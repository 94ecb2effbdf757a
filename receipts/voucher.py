"""退费凭证: the paper a resident signs when a premium is paid back, one A4 page per refund.

Drawn by the page engine of ``receipts.paging`` with the embedded CJK font, like the reports;
the clerk keeps the signed copy with the receipt it refers to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app.domain.money import fen_to_capitals, format_fen
from receipts._pdf import local_time
from receipts.paging import Column, Report, Row


@dataclass(frozen=True, kw_only=True)
class RefundVoucher:
    """One refund as the resident signs for it."""

    receipt: str  # 皖医保 00012001, the receipt the premium was paid on
    household_no: str
    payer_name: str  # who paid (户主 on the receipt)
    village: str
    name: str  # the member refunded
    id_masked: str
    benefit_year: int
    amount_fen: int
    reason: str  # 重复参保 … as shown
    note: str
    paid_by: str  # 收款员现金 / 乡镇财政所 / 原缴费渠道
    collector: str
    refunded_at: datetime
    issuer: str


def render_refund_vouchers(vouchers: Sequence[RefundVoucher]) -> bytes:
    """Every voucher on its own page, numbered by itself."""
    return Report.render_all([_voucher_report(v) for v in vouchers])


def _voucher_report(voucher: RefundVoucher) -> Report:
    at = local_time(voucher.refunded_at)
    report = Report(
        "城乡居民基本医疗保险费退费凭证",
        [f"原票据：{voucher.receipt}    户号：{voucher.household_no}    "
         f"交款人：{voucher.payer_name}",
         f"村（组）：{voucher.village}    参保年度：{voucher.benefit_year}年度    "
         f"退费日期：{at.year}年{at.month}月{at.day}日"],
    )
    report.paragraph(f"{voucher.name} 的{voucher.benefit_year}年度城乡居民基本医疗保险费，"
                     f"因“{voucher.reason}”办理退费，其本年度参保随之终止。", size=10.5)
    report.spacer(2)
    report.table(
        [Column("姓名", 18, "center"), Column("身份证号", 36, "center"),
         Column("退费原因", 24, "center"), Column("退付方式", 24, "center"),
         Column("退费金额（元）", 22, "right")],
        [Row((voucher.name, voucher.id_masked, voucher.reason, voucher.paid_by,
              format_fen(voucher.amount_fen)), ())],
    )
    report.spacer(2)
    report.paragraph(f"退费金额：{format_fen(voucher.amount_fen, symbol=True)}    "
                     f"大写：{fen_to_capitals(voucher.amount_fen)}", size=10.5)
    if voucher.note:
        report.paragraph(f"说明：{voucher.note}", size=10)
    report.spacer(4)
    report.paragraph("本人已收到上述退费款项，所载信息无误。", size=10.5)
    report.spacer(2)
    report.signatures(["领款人签字（按手印）", "日期"])
    report.paragraph(f"经办收款员：{voucher.collector}", size=10.5)
    report.signatures(["收款员签字", "日期"])
    if voucher.issuer:
        report.spacer(6)
        report.paragraph(f"{voucher.issuer}（盖章）", size=10, align="right")
    return report
