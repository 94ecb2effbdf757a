"""Specimen documents (样张) filled with invented data.

For the receipt and report rendering tests: documents built by hand, independent of the
ledger. Names, ID numbers and amounts are made up; ID numbers are masked as on real receipts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from receipts.model import (
    DailyLedger,
    DailyLedgerEntry,
    DepositEntry,
    DepositList,
    MemberAmount,
    NoticeLine,
    PaymentNotice,
    ReceiptDocument,
    ReceiptLine,
    SettlementSheet,
    VoidEntry,
)

_MEMBERS = (
    ("王建国", "340422********0211", 0, None),
    ("李秀英", "340422********0427", 15000, "低保"),
    ("王磊", "340422********0133", 0, None),
    ("王小雨", "340422********0048", 38000, "特困"),
    ("张桂兰", "340422********0525", 30000, "返贫致贫/监测对象"),
    ("王浩然", "340422********0318", 0, None),
    ("刘德华", "340422********0910", 19000, "残疾（一二级）"),
    ("王欣怡", "340422********0620", 0, None),
    ("陈志强", "340422********0734", 0, None),
    ("王子涵", "340422********0242", 0, None),
    ("赵淑芬", "340422********0863", 0, None),
    ("王一鸣", "340422********0117", 0, None),
)
_PRICE = 38000
_METHODS = ("cash", "wechat", "cash", "bank", "cash", "other")

# 10:15 in Asia/Shanghai on the first day of the example collection season.
SPECIMEN_TIME = datetime(2026, 11, 23, 2, 15, tzinfo=UTC)


def specimen_lines(count: int = 4) -> tuple[ReceiptLine, ...]:
    """``count`` members (at most 12) of the specimen household, some with subsidies."""
    return tuple(
        ReceiptLine(
            name=name,
            id_masked=id_masked,
            tier_name="一档",
            price_fen=_PRICE,
            subsidy_fen=subsidy,
            category=category,
            payable_fen=max(0, _PRICE - subsidy),
        )
        for name, id_masked, subsidy, category in _MEMBERS[:count]
    )


def specimen_receipt(
    members: int = 4,
    *,
    state: str = "issued",
    void_reason: str | None = None,
    reprint: bool = False,
    qr_text: str | None = None,
    method: str = "cash",
    method_ref: str | None = None,
) -> ReceiptDocument:
    lines = specimen_lines(members)
    return ReceiptDocument(
        series="皖医保",
        number="00012007",
        payer_name="王建国",
        household_no="3404220010001",
        village="示例村一组",
        benefit_year=2027,
        lines=lines,
        total_fen=sum(line.payable_fen for line in lines),
        method=method,
        method_ref=method_ref,
        collector="李会计",
        issued_at=SPECIMEN_TIME,
        issuer="示例县医疗保障局",
        state=state,
        void_reason=void_reason,
        reprint=reprint,
        reprinted_at=SPECIMEN_TIME + timedelta(days=2) if reprint else None,
        qr_text=qr_text,
    )


def specimen_daily_ledger(receipts: int = 12, voids: int = 2) -> DailyLedger:
    """A day with ``receipts`` receipts of 1–4 members each and ``voids`` voided numbers."""
    entries = []
    by_method: dict[str, int] = {}
    for index in range(receipts):
        size = index % 4 + 1
        members = tuple(
            MemberAmount(name=name, payable_fen=max(0, _PRICE - subsidy))
            for name, _, subsidy, _ in _MEMBERS[index % 8: index % 8 + size]
        )
        amount = sum(member.payable_fen for member in members)
        method = _METHODS[index % len(_METHODS)]
        by_method[method] = by_method.get(method, 0) + amount
        entries.append(DailyLedgerEntry(
            series="皖医保",
            number=f"{12001 + index:08d}",
            payer_name=members[0].name,
            household_no=f"34042200{10001 + index * 16:05d}",
            members=members,
            amount_fen=amount,
            method=method,
            time=SPECIMEN_TIME + timedelta(minutes=3 * index),
        ))
    void_entries = tuple(
        VoidEntry(series="皖医保", number=f"{12001 + receipts + index:08d}",
                  reason="打印错位，重新开具", time=SPECIMEN_TIME + timedelta(hours=5),
                  payer_name="王建军")
        for index in range(voids)
    )
    return DailyLedger(
        date=date(2026, 11, 23),
        village="示例村",
        collector="李会计",
        receipts=tuple(entries),
        voids=void_entries,
        totals_by_method=by_method,
        total_fen=sum(entry.amount_fen for entry in entries),
    )


def specimen_deposits(count: int = 3) -> tuple[DepositEntry, ...]:
    return tuple(
        DepositEntry(slip=f"NS2026112{index:04d}", date=date(2026, 11, 23 + index % 7),
                     amount_fen=150000 + 12300 * index)
        for index in range(count)
    )


def specimen_settlement() -> SettlementSheet:
    """Book 00012001–00012050: 43 issued, 2 voided, 4 unused, 1 lost."""
    numbers = [f"{n:08d}" for n in range(12001, 12051)]
    voided = (("00012010", "打印错位"), ("00012044", "金额填错，重新开具"))
    lost = ("00012046",)
    unused = tuple(numbers[-4:])
    taken = {number for number, _ in voided} | set(lost) | set(unused)
    issued = tuple(n for n in numbers if n not in taken)
    deposits = specimen_deposits(3)
    return SettlementSheet(
        series="皖医保",
        first=numbers[0],
        last=numbers[-1],
        width=8,
        issued=issued,
        voided=voided,
        unused=unused,
        lost=lost,
        amount_fen=1254000,
        refunds_fen=38000,
        deposits=deposits,
        deposited_fen=sum(deposit.amount_fen for deposit in deposits),
        collector="李会计",
        village="示例村",
        generated_at=SPECIMEN_TIME + timedelta(days=20),
    )


def specimen_deposit_list(count: int = 5) -> DepositList:
    deposits = specimen_deposits(count)
    return DepositList(
        collector="李会计",
        village="示例村",
        deposits=deposits,
        total_fen=sum(deposit.amount_fen for deposit in deposits),
    )


def specimen_notice(members: int = 4) -> PaymentNotice:
    lines = tuple(
        NoticeLine(name=line.name, id_masked=line.id_masked, price_fen=line.price_fen,
                   subsidy_fen=line.subsidy_fen, category=line.category,
                   payable_fen=line.payable_fen)
        for line in specimen_lines(members)
    )
    return PaymentNotice(
        household_no="3404220010001",
        head="王建国",
        village="示例村",
        group="一组",
        benefit_year=2027,
        tier_name="一档",
        lines=lines,
        total_fen=sum(line.payable_fen for line in lines),
        deadline=date(2026, 12, 31),
        collector="李会计",
        phone="13905640001",
        issuer="示例村村民委员会",
        notes=("也可在微信“国家医保服务平台”小程序自助缴费，缴费后无需再向收款员缴纳。",),
    )
