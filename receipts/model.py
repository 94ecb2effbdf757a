"""Plain data the ledger hands to the renderers: receipts, reports and payment notices.

Everything here is frozen and free of I/O; money is integer fen (分); timestamps are aware
``datetime`` values (stored in UTC, printed in Asia/Shanghai); ID numbers arrive already masked
(340422********0211) because a receipt never carries a full ID number. The classes check the
invariants a printed document must not break (amounts that add up, known payment methods) and
raise ``ValueError`` otherwise: a receipt whose total disagrees with its lines must never print.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from app.domain.policy import benefit_year_label, campaign_label

METHOD_LABELS: dict[str, str] = {
    "cash": "现金",
    "wechat": "微信",
    "bank": "银行转账",
    "other": "其他",
}
RECEIPT_STATES = ("issued", "voided")


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _require_method(method: str) -> None:
    if method not in METHOD_LABELS:
        raise ValueError(f"unknown payment method {method!r}; expected one of {list(METHOD_LABELS)}")


@dataclass(frozen=True, kw_only=True)
class ReceiptLine:
    """One insured member on a receipt (one row of the members table)."""

    name: str
    id_masked: str  # e.g. 340422********0211, or a masked 出生医学证明 number for a newborn
    tier_name: str  # 档次, e.g. 一档
    price_fen: int  # 缴费标准 for this member (local or non-local price of the tier)
    subsidy_fen: int  # 资助金额; 0 when none
    category: str | None  # 资助类别 that gave the subsidy (低保, 特困 …), None when none
    payable_fen: int  # 个人应缴 = max(0, price − subsidy)


@dataclass(frozen=True, kw_only=True)
class ReceiptDocument:
    """Everything printed on one 城乡居民基本医疗保险费专用收据 (all three parts)."""

    series: str  # 字轨, e.g. 皖医保
    number: str  # zero-padded number within the book, e.g. 00012007
    payer_name: str  # 交款人 (usually the head of household)
    household_no: str  # 户号
    village: str  # 村（组）, e.g. 示例村一组
    benefit_year: int  # 待遇年度 the premium pays for
    lines: tuple[ReceiptLine, ...]
    total_fen: int  # must equal the sum of the lines' payable_fen
    method: str  # cash | wechat | bank | other
    collector: str  # 收款员
    issued_at: datetime  # aware; printed in Asia/Shanghai
    issuer: str  # 收款单位, e.g. 示例县医疗保障局
    insurance_type: str = "390"
    insurance_name: str = "城乡居民基本医疗保险"
    method_ref: str | None = None  # transaction or bank reference for non-cash payments
    state: str = "issued"  # issued | voided
    void_reason: str | None = None  # required when voided
    reprint: bool = False  # 补打: printed again after the original
    reprinted_at: datetime | None = None  # when the 补打 copy was printed, if known
    qr_text: str | None = None  # signed payload from receipts.qr.sign_qr
    coverage_start: date | None = None  # 参保起始日期: a newborn is covered from birth

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(self.lines))
        _require_method(self.method)
        _require_aware(self.issued_at, "issued_at")
        if self.reprinted_at is not None:
            _require_aware(self.reprinted_at, "reprinted_at")
        if self.state not in RECEIPT_STATES:
            raise ValueError(f"unknown receipt state {self.state!r}")
        if self.state == "voided" and not (self.void_reason or "").strip():
            raise ValueError("a voided receipt needs a void_reason")
        if not self.lines:
            raise ValueError("a receipt needs at least one member line")
        if sum(line.payable_fen for line in self.lines) != self.total_fen:
            raise ValueError("total_fen differs from the sum of the lines' payable_fen")
        if self.total_fen < 0:
            raise ValueError("total_fen must not be negative")

    @property
    def year_label(self) -> str:
        """The benefit year as every screen and paper names it: "2027年度"."""
        return benefit_year_label(self.benefit_year)

    @property
    def cover_label(self) -> str:
        """The year, and for a newborn the first day of cover: "2026年度 自11月10日起"."""
        if self.coverage_start is None:
            return self.year_label
        start = self.coverage_start
        return f"{self.year_label} 自{start.month}月{start.day}日起"


@dataclass(frozen=True, kw_only=True)
class MemberAmount:
    """A member and what they paid, as listed in the daily ledger."""

    name: str
    payable_fen: int


@dataclass(frozen=True, kw_only=True)
class DailyLedgerEntry:
    """One issued receipt in a collector's day (日清单 row)."""

    series: str
    number: str
    payer_name: str
    household_no: str
    members: tuple[MemberAmount, ...]
    amount_fen: int
    method: str
    time: datetime  # aware; printed as HH:MM in Asia/Shanghai

    def __post_init__(self) -> None:
        object.__setattr__(self, "members", tuple(self.members))
        _require_method(self.method)
        _require_aware(self.time, "time")


@dataclass(frozen=True, kw_only=True)
class VoidEntry:
    """A receipt voided during the day (作废), listed apart from the money."""

    series: str
    number: str
    reason: str
    time: datetime
    payer_name: str | None = None

    def __post_init__(self) -> None:
        _require_aware(self.time, "time")


@dataclass(frozen=True, kw_only=True)
class RefundEntry:
    """A refund made during the day (退费): whose, how much, why, and who paid it out."""

    series: str
    number: str
    name: str
    amount_fen: int
    reason: str  # 重复参保 … as shown
    paid_by: str  # 收款员现金 / 乡镇财政所 / 原缴费渠道
    time: datetime

    def __post_init__(self) -> None:
        _require_aware(self.time, "time")


@dataclass(frozen=True, kw_only=True)
class DailyLedger:
    """A collector's day: receipts issued, receipts voided, money by payment method."""

    date: date
    village: str
    collector: str
    receipts: tuple[DailyLedgerEntry, ...]
    voids: tuple[VoidEntry, ...]
    totals_by_method: dict[str, int]  # method → fen; must add up to total_fen
    total_fen: int
    refunds: tuple[RefundEntry, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "receipts", tuple(self.receipts))
        object.__setattr__(self, "voids", tuple(self.voids))
        object.__setattr__(self, "refunds", tuple(self.refunds))
        for method in self.totals_by_method:
            _require_method(method)
        if sum(entry.amount_fen for entry in self.receipts) != self.total_fen:
            raise ValueError("total_fen differs from the sum of the receipts")
        if sum(self.totals_by_method.values()) != self.total_fen:
            raise ValueError("totals_by_method do not add up to total_fen")


@dataclass(frozen=True, kw_only=True)
class DepositEntry:
    """One cash deposit (缴存) into the township account, identified by its bank slip."""

    slip: str  # 缴款单号 / bank slip number
    date: date
    amount_fen: int


@dataclass(frozen=True, kw_only=True)
class SettlementSheet:
    """票据核销表 for one receipt book: every number accounted for, and the money.

    ``issued``, ``unused`` and ``lost`` are receipt numbers (strings of ``width`` digits);
    ``voided`` holds (number, reason) pairs. Numbers are printed compressed to ranges.
    """

    series: str
    first: str
    last: str
    width: int  # digits of a receipt number, e.g. 8 for 00012001
    issued: tuple[str, ...]
    voided: tuple[tuple[str, str], ...]
    unused: tuple[str, ...]
    lost: tuple[str, ...]
    amount_fen: int  # collected on the issued receipts
    refunds_fen: int  # paid back (退费) against them
    deposits: tuple[DepositEntry, ...]
    deposited_fen: int
    collector: str
    village: str
    generated_at: datetime

    def __post_init__(self) -> None:
        for name in ("issued", "voided", "unused", "lost", "deposits"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "voided", tuple(tuple(pair) for pair in self.voided))
        _require_aware(self.generated_at, "generated_at")
        if sum(deposit.amount_fen for deposit in self.deposits) != self.deposited_fen:
            raise ValueError("deposited_fen differs from the sum of the deposits")

    @property
    def book_size(self) -> int:
        return int(self.last) - int(self.first) + 1

    @property
    def cash_on_hand_fen(self) -> int:
        """收款 − 退费 − 缴存: cash the collector still holds."""
        return self.amount_fen - self.refunds_fen - self.deposited_fen


@dataclass(frozen=True, kw_only=True)
class DepositList:
    """缴存明细: a collector's deposits with their total."""

    collector: str
    village: str
    deposits: tuple[DepositEntry, ...]
    total_fen: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "deposits", tuple(self.deposits))
        if sum(deposit.amount_fen for deposit in self.deposits) != self.total_fen:
            raise ValueError("total_fen differs from the sum of the deposits")


@dataclass(frozen=True, kw_only=True)
class NoticeLine:
    """One member on a payment notice."""

    name: str
    id_masked: str
    price_fen: int
    subsidy_fen: int
    category: str | None
    payable_fen: int


@dataclass(frozen=True, kw_only=True)
class PaymentNotice:
    """缴费通知单 left with a household before collection: who, which tier, how much, by when."""

    household_no: str
    head: str  # 户主
    village: str
    group: str  # 村民小组, e.g. 一组
    benefit_year: int
    tier_name: str
    lines: tuple[NoticeLine, ...]
    total_fen: int
    deadline: date
    collector: str
    phone: str
    issuer: str | None = None  # who sends the notice, e.g. 示例村村民委员会
    notes: tuple[str, ...] = ()  # extra lines, e.g. other payment channels
    collection_period: tuple[date, date] | None = None  # 征缴期, printed beside the year

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(self.lines))
        object.__setattr__(self, "notes", tuple(self.notes))
        if sum(line.payable_fen for line in self.lines) != self.total_fen:
            raise ValueError("total_fen differs from the sum of the lines' payable_fen")

    @property
    def year_label(self) -> str:
        """The benefit year: "2027年度"."""
        return benefit_year_label(self.benefit_year)

    @property
    def label(self) -> str:
        """The year with its collection period when known:
        "2027年度（征缴期 2026-09-01至2026-12-31）"."""
        if self.collection_period is None:
            return self.year_label
        return campaign_label(self.benefit_year, *self.collection_period)
