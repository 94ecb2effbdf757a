"""The one model of the ledger (账本模型): a pure fold of journal events into state.

``fold(events)`` replays a device's journal into a :class:`LedgerState` — books and every
number's state, payments, enrolments, refunds, cash and non-cash money, deposits and
settlements — and names every broken invariant by the event that broke it. The village's
services call :meth:`LedgerState.check` with the event they are about to write and refuse when
it names a problem; ``verify``, the township and the county run the same fold over what they
received, so a rule written here holds at every party (票款人三线合一, across time).

Longer than most modules on purpose: the state and every rule's check and apply sit side by
side, so that a rule and the state it changes are read, reviewed and changed together.
"""

from __future__ import annotations

import bisect
import operator
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from app.domain import events as ev
from app.domain.errors import InvalidIdNumber
from app.domain.idcard import parse_id_number
from app.domain.money import format_fen
from app.domain.roster import ID_BIRTH_CERTIFICATE

EMPLOYEE_MIN_AGE = 16  # 参加职工医保 needs working age

Key = tuple[str, int]  # (series, number)

# A refund's or an end's reason → the person's state for that campaign.
ELSEWHERE_REASONS = frozenset({"duplicate", "elsewhere"})
BLOCKING_REASONS = frozenset({"duplicate", "elsewhere", "employee", "death", "military"})


_FIRST = operator.attrgetter("first")  # a book's first number, for bisect (C, not a lambda)


@dataclass(slots=True)
class Book:
    book_id: str
    series: str
    first: int
    last: int
    width: int
    collector: str
    high: int | None = None  # highest number issued or voided blank
    settled_at: str | None = None
    # Settled by an event of this stream (a village's journal), not told by the township.
    settled_in_stream: bool = False

    def label(self, number: int) -> str:
        return f"{self.series} {number:0{self.width}d}"


@dataclass(slots=True)
class Payment:
    payment_id: str
    seq: int
    campaign_id: str
    campaign_year: int
    household_id: str
    tier: str
    method: str
    amount_fen: int
    receipt: Key | None
    business_date: str
    collector: str
    lines: tuple[ev.PaymentLine, ...]
    cash_before_fen: int = 0  # cash ever collected before it, voided too (first in, first out)
    cancelled: bool = False
    refunded_lines: set[str] = field(default_factory=set)
    matched: bool = False  # a non-cash payment matched to a bank credit
    newborn: bool = False  # covered from birth in a year already running (新生儿参保)


@dataclass(slots=True)
class Enrolment:
    person_id: str
    campaign_year: int
    payment_id: str
    line_id: str
    payable_fen: int
    ended: str | None = None  # 'voided', 'refunded' or an end reason


@dataclass(slots=True)
class Campaign:
    campaign_id: str
    campaign_year: int
    benefit_year: int
    same_tier: bool
    refund_before: date | None
    void_days: int


@dataclass(slots=True)
class Money:
    collected_fen: int = 0
    refunded_fen: int = 0

    @property
    def net_fen(self) -> int:
        return self.collected_fen - self.refunded_fen


@dataclass(frozen=True, slots=True)
class Problem:
    seq: int
    message: str


@dataclass
class LedgerState:
    """Everything the journal says about books, numbers, money and enrolments."""

    books: dict[str, Book] = field(default_factory=dict)
    series_books: dict[str, list[Book]] = field(default_factory=dict)  # by first number
    numbers: dict[Key, str] = field(default_factory=dict)  # issued, voided, skipped, lost
    number_payment: dict[Key, str] = field(default_factory=dict)
    payments: dict[str, Payment] = field(default_factory=dict)
    enrolments: dict[tuple[str, int], Enrolment] = field(default_factory=dict)
    # (person, campaign year) → refund/end reason that decides their state for the campaign.
    person_states: dict[tuple[str, int], str] = field(default_factory=dict)
    household_tiers: dict[tuple[str, int], str] = field(default_factory=dict)
    household_live: dict[tuple[str, int], int] = field(default_factory=dict)  # live payments
    campaigns: dict[str, Campaign] = field(default_factory=dict)
    refunds: dict[str, ev.RefundMade] = field(default_factory=dict)
    cash: Money = field(default_factory=Money)
    cash_gross_fen: int = 0  # every cash payment ever collected, voided ones too
    cash_voided: list[tuple[int, int]] = field(default_factory=list)  # (seq, fen) of voids
    deposited_fen: int = 0
    noncash: Money = field(default_factory=Money)
    noncash_by_method: dict[str, int] = field(default_factory=dict)
    township_refunds_fen: int = 0
    printed: set[Key] = field(default_factory=set)
    # What the township knows it settled, (series, first) → when, given before a village's
    # journal is folded: anything on such a book stamped later is a problem (核销后仍有使用).
    known_settlements: dict[tuple[str, int], str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    seq: int = 0

    # --- figures --------------------------------------------------------------------------

    @property
    def cash_on_hand_fen(self) -> int:
        """现金在手 = cash collected − refunds paid in cash − deposits."""
        return self.cash.collected_fen - self.cash.refunded_fen - self.deposited_fen

    @property
    def receipts_fen(self) -> int:
        """The sum of issued, not voided receipts (= cash + non-cash collected)."""
        return sum(p.amount_fen for p in self.payments.values() if not p.cancelled)

    def book_of(self, key: Key) -> Book | None:
        """The book holding a number (a township folds hundreds of books, so by index)."""
        series, number = key
        held = self.series_books.get(series, [])
        at = bisect.bisect_right(held, number, key=_FIRST) - 1
        if at >= 0 and held[at].first <= number <= held[at].last:
            return held[at]
        # Overlapping books are refused when registered; a forged journal may still hold them.
        return next((b for b in held if b.first <= number <= b.last), None)

    def add_book(self, book: Book) -> None:
        self.books[book.book_id] = book
        bisect.insort(self.series_books.setdefault(book.series, []), book, key=_FIRST)

    def enrolment_state(self, person_id: str, campaign_year: int) -> tuple[str, str | None]:
        """enrolled | not_enrolled | ended | elsewhere, with the reason."""
        enrolment = self.enrolments.get((person_id, campaign_year))
        if enrolment is not None and enrolment.ended is None:
            return "enrolled", None
        reason = self.person_states.get((person_id, campaign_year))
        if reason in ELSEWHERE_REASONS:
            return "elsewhere", reason
        if reason is not None:
            return "ended", reason
        return "not_enrolled", None

    def collectable(self, person_id: str, campaign_year: int) -> bool:
        state, reason = self.enrolment_state(person_id, campaign_year)
        return state == "not_enrolled" or (state == "ended" and reason not in BLOCKING_REASONS)

    # --- checking and applying --------------------------------------------------------------

    def check(self, event: ev.JournalEvent) -> list[str]:
        """Every rule the event would break if it were applied now (Chinese, for the clerk)."""
        handler = _CHECKS.get(type(event.payload))
        return handler(self, event) if handler else []

    def apply(self, event: ev.JournalEvent) -> None:
        handler = _APPLIERS.get(type(event.payload))
        if handler:
            handler(self, event)
        self.seq = event.seq

    def step(self, event: ev.JournalEvent) -> None:
        """Check, record what is broken, apply: one event of a fold."""
        found = self.check(event)
        if found:
            self.problems.extend(Problem(event.seq, m) for m in found)
        self.apply(event)

    def end_problems(self) -> list[str]:
        """What can only be judged on the whole journal: numbers skipped in a book (跳号)."""
        out = []
        for book, a, b in book_gaps(self):
            span = (f"{a:0{book.width}d}" if a == b
                    else f"{a:0{book.width}d}–{b:0{book.width}d}")
            out.append(f"票据 {book.series} {span} 跳号：既未使用也未作废或登记遗失")
        return out


def book_gaps(state: LedgerState) -> list[tuple[Book, int, int]]:
    """Each run of numbers skipped in a book (跳号): below the highest number used, neither
    used nor voided nor reported lost."""
    out = []
    for book in state.books.values():
        if book.high is None:
            continue
        missing = [n for n in range(book.first, book.high)
                   if (book.series, n) not in state.numbers]
        out.extend((book, a, b) for a, b in number_ranges(missing))
    return out


def number_ranges(numbers: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive runs of numbers: [3, 4, 5, 9] → [(3, 5), (9, 9)]."""
    out: list[tuple[int, int]] = []
    for n in sorted(numbers):
        if out and n == out[-1][1] + 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out


def fold(events: Iterable[ev.JournalEvent], state: LedgerState | None = None) -> LedgerState:
    """Replay events (in journal order) into a ledger state, naming every broken rule."""
    state = state if state is not None else LedgerState()
    for event in events:
        state.step(event)
    return state


def _after(at: str, settled_at: str) -> bool:
    try:
        return datetime.fromisoformat(at) > datetime.fromisoformat(settled_at)
    except (TypeError, ValueError):
        return True


def _settled(book: Book, event: ev.JournalEvent) -> str | None:
    """Activity on a settled book: refused at the village, a named problem elsewhere."""
    if book.settled_at is None:
        return None
    if not book.settled_in_stream and not _after(event.at, book.settled_at):
        return None
    return (f"票据 {book.series} {book.first:0{book.width}d}–{book.last:0{book.width}d} "
            f"已核销（{book.settled_at[:10]}），核销后不能再使用（核销后仍有使用）")


def _number_problems(state: LedgerState, key: Key, event: ev.JournalEvent,
                     *, blank_or_issue: bool, book: Book | None = None) -> list[str]:
    book = book or state.book_of(key)
    if book is None:
        return [f"票号 {key[0]} {key[1]} 不在本设备登记的任何票据中"]
    out = []
    settled = _settled(book, event)
    if settled:
        out.append(settled)
    if key in state.numbers:
        out.append(f"票号 {book.label(key[1])} 已经用过（{_STATE_NAMES[state.numbers[key]]}），"
                   "票号不能重复使用")
    elif blank_or_issue and book.high is not None and key[1] < book.high:
        out.append(f"票号 {book.label(key[1])} 小于本票据已用到的 {book.label(book.high)}："
                   "票号必须按顺序使用")
    return out


_STATE_NAMES = {"issued": "已开具", "voided": "已作废", "skipped": "已作废", "lost": "已遗失"}


def _check_payment(state: LedgerState, event: ev.JournalEvent) -> list[str]:
    p: ev.PaymentCollected = event.payload  # type: ignore[assignment]
    out = []
    if p.payment_id in state.payments:
        out.append(f"收款 {p.payment_id} 已经记录过")
    if p.amount_fen != sum(line.payable_fen for line in p.lines):
        out.append(f"收款金额 ¥{format_fen(p.amount_fen)} 与各成员应缴合计不符")
    if not p.lines:
        out.append("收款没有成员明细")
    for line in p.lines:
        if line.price_fen - line.subsidy_fen != line.payable_fen or line.payable_fen < 0:
            out.append(f"{line.name}的缴费标准、资助和应缴金额不一致")
    if (p.amount_fen > 0) != (p.receipt is not None):
        out.append("有金额的收款必须开具票据，零金额的资助参保不使用票据")
    if p.receipt is not None:
        key = (p.receipt.series, p.receipt.number)
        book = state.book_of(key)
        out.extend(_number_problems(state, key, event, blank_or_issue=True, book=book))
        if book is not None and book.collector != event.actor:
            out.append(f"票据 {book.label(p.receipt.number)} 领用人是{book.collector}，"
                       f"不是收款员{event.actor}")
    people = {line.person_id for line in p.lines}
    if len(people) != len(p.lines):
        out.append("同一成员在一笔收款中出现两次")
    year = p.campaign_year
    for line in p.lines:
        # Most people were never enrolled, refunded or ended: two lookups say so.
        person = (line.person_id, year)
        if person not in state.enrolments and person not in state.person_states:
            continue
        state_name, reason = state.enrolment_state(line.person_id, year)
        if state_name == "enrolled":
            out.append(f"{line.name}本年度已经参保缴费，不能重复收款")
        elif not state.collectable(line.person_id, year):
            word = ev.ENROLMENT_END_REASONS.get(reason or "", reason)
            out.append(f"{line.name}本年度已按“{word}”退费或终止参保，不能再收款"
                       "（如有误请由乡镇财政所更正）")
    campaign = state.campaigns.get(p.campaign_id)
    paid_tier = state.household_tiers.get((p.household.id, p.campaign_year))
    if campaign is not None and campaign.same_tier and paid_tier not in (None, p.tier):
        out.append(f"同户同档：此户本年度已按“{paid_tier}”档缴费，其他成员也须选择“{paid_tier}”档")
    return out


def _apply_payment(state: LedgerState, event: ev.JournalEvent) -> None:
    p: ev.PaymentCollected = event.payload  # type: ignore[assignment]
    key = (p.receipt.series, p.receipt.number) if p.receipt else None
    pay = Payment(p.payment_id, event.seq, p.campaign_id, p.campaign_year, p.household.id,
                  p.tier, p.method, p.amount_fen, key, p.business_date, event.actor, p.lines,
                  newborn=p.coverage_start is not None)
    if p.method == "cash":
        pay.cash_before_fen = state.cash_gross_fen
        state.cash_gross_fen += p.amount_fen
        state.cash.collected_fen += p.amount_fen
    else:
        state.noncash.collected_fen += p.amount_fen
        state.noncash_by_method[p.method] = state.noncash_by_method.get(p.method, 0) \
            + p.amount_fen
    state.payments[p.payment_id] = pay
    if key is not None:
        state.numbers[key] = "issued"
        state.number_payment[key] = p.payment_id
        book = state.book_of(key)
        if book is not None and (book.high is None or key[1] > book.high):
            book.high = key[1]
    year, enrolments = p.campaign_year, state.enrolments
    for line in p.lines:
        enrolments[(line.person_id, year)] = Enrolment(line.person_id, year, p.payment_id,
                                                       line.line_id, line.payable_fen)
    household = (p.household.id, p.campaign_year)
    state.household_tiers.setdefault(household, p.tier)
    state.household_live[household] = state.household_live.get(household, 0) + 1


def void_refusal(state: LedgerState, pay: Payment, on: date | None) -> str | None:
    """Why an issued receipt may no longer be voided (then the correction is a refund)."""
    label = _label(state, pay.receipt)
    if pay.refunded_lines:
        return f"票据 {label} 已有退费记录，不能再作废"
    if pay.method == "cash":
        covered = state.deposited_fen + state.cash.refunded_fen
        live_before = pay.cash_before_fen - sum(
            fen for seq, fen in state.cash_voided if seq < pay.seq)
        if covered > live_before:
            return (f"票据 {label} 的现金已缴存，不能作废；如需更正请办理退费")
        if state.cash_on_hand_fen < pay.amount_fen:
            return (f"作废票据 {label} 需退回 ¥{format_fen(pay.amount_fen)}，但现金在手只有 "
                    f"¥{format_fen(state.cash_on_hand_fen)}；如需更正请办理退费")
    elif pay.matched:
        return f"票据 {label} 的{pay.method}款项已与银行到账核对，不能作废；如需更正请办理退费"
    campaign = state.campaigns.get(pay.campaign_id)
    if campaign is not None and on is not None:
        # A newborn is covered in a benefit year already running: a mistake on its receipt is
        # still voided on the day, which the window below allows.
        if campaign.refund_before is not None and on >= campaign.refund_before \
                and not pay.newborn:
            return (f"待遇期已开始（{campaign.refund_before} 起），票据 {label} 不能再作废，"
                    "也不能退费")
        issued = date.fromisoformat(pay.business_date)
        if (on - issued).days > campaign.void_days:
            window = ("开票当天" if campaign.void_days == 0
                      else f"开票后 {campaign.void_days} 天内")
            return (f"票据 {label} 于 {issued} 开具，只能在{window}作废；如需更正请办理退费")
    return None


def _label(state: LedgerState, key: Key | None) -> str:
    if key is None:
        return "（无票据）"
    book = state.book_of(key)
    return book.label(key[1]) if book else f"{key[0]} {key[1]}"


def _check_void(state: LedgerState, event: ev.JournalEvent) -> list[str]:
    p: ev.ReceiptVoided = event.payload  # type: ignore[assignment]
    key = (p.series, p.number)
    if p.blank:
        return _number_problems(state, key, event, blank_or_issue=True)
    if state.numbers.get(key) != "issued":
        return [f"票据 {_label(state, key)} 未开具或已作废，不能作废"]
    pay = state.payments.get(state.number_payment.get(key, ""))
    if pay is None or pay.payment_id != p.payment_id:
        return [f"票据 {_label(state, key)} 与作废的收款不符"]
    book = state.book_of(key)
    if book is not None and _settled(book, event):
        return [f"票据 {book.label(p.number)} 所在票据已核销（{book.settled_at[:10]}），不能作废"
                "（核销后仍有使用）；如需更正请办理退费"]
    refusal = void_refusal(state, pay, date.fromisoformat(p.business_date)
                           if p.business_date else None)
    return [refusal] if refusal else []


def _apply_void(state: LedgerState, event: ev.JournalEvent) -> None:
    p: ev.ReceiptVoided = event.payload  # type: ignore[assignment]
    key = (p.series, p.number)
    if p.blank:
        state.numbers[key] = "skipped"
        book = state.book_of(key)
        if book is not None:
            book.high = max(book.high or p.number, p.number)
        return
    state.numbers[key] = "voided"
    pay = state.payments.get(p.payment_id or "")
    if pay is None or pay.cancelled:
        return
    pay.cancelled = True
    if pay.method == "cash":
        state.cash.collected_fen -= pay.amount_fen
        state.cash_voided.append((pay.seq, pay.amount_fen))
    else:
        state.noncash.collected_fen -= pay.amount_fen
        state.noncash_by_method[pay.method] -= pay.amount_fen
    for line in pay.lines:
        enrolment = state.enrolments.get((line.person_id, pay.campaign_year))
        if enrolment is not None and enrolment.line_id == line.line_id \
                and enrolment.ended is None:
            enrolment.ended = "voided"
    household = (pay.household_id, pay.campaign_year)
    state.household_live[household] = state.household_live.get(household, 1) - 1
    if state.household_live[household] <= 0:
        state.household_tiers.pop(household, None)


def _check_lost(state: LedgerState, event: ev.JournalEvent) -> list[str]:
    p: ev.ReceiptLost = event.payload  # type: ignore[assignment]
    if p.last < p.first:
        return ["遗失票号范围无效"]
    out: list[str] = []
    for n in range(p.first, p.last + 1):
        found = _number_problems(state, (p.series, n), event, blank_or_issue=False)
        if found:
            out.extend(found)
            break
    return out


def _apply_lost(state: LedgerState, event: ev.JournalEvent) -> None:
    p: ev.ReceiptLost = event.payload  # type: ignore[assignment]
    for n in range(p.first, p.last + 1):
        state.numbers[(p.series, n)] = "lost"


def _check_refund(state: LedgerState, event: ev.JournalEvent) -> list[str]:
    p: ev.RefundMade = event.payload  # type: ignore[assignment]
    pay = state.payments.get(p.payment_id)
    if pay is None:
        return ["退费对应的收款不存在"]
    label = _label(state, pay.receipt)
    if pay.cancelled:
        return [f"票据 {label} 已作废，不能退费"]
    line = next((ln for ln in pay.lines if ln.line_id == p.payment_line_id), None)
    if line is None:
        return [f"票据 {label} 中没有这名成员"]
    out = []
    if p.payment_line_id in pay.refunded_lines:
        out.append(f"{line.name}在票据 {label} 中的缴费已经退过")
    enrolment = state.enrolments.get((p.person_id, pay.campaign_year))
    if p.payment_line_id not in pay.refunded_lines and enrolment is not None \
            and enrolment.line_id == line.line_id and enrolment.ended is not None:
        word = ev.ENROLMENT_END_REASONS.get(enrolment.ended, enrolment.ended)
        out.append(f"{line.name}本年度的参保已终止（{word}），无需退费")
    if p.amount_fen != line.payable_fen:
        out.append(f"退费金额 ¥{format_fen(p.amount_fen)} 与{line.name}的应缴金额 "
                   f"¥{format_fen(line.payable_fen)} 不符")
    if p.reason not in ev.ENROLMENT_END_REASONS:
        out.append(f"未知的退费原因：{p.reason}")
    if p.paid_by not in ev.REFUND_PAYERS:
        out.append(f"未知的退费支付方：{p.paid_by}")
    campaign = state.campaigns.get(pay.campaign_id)
    if campaign is not None and campaign.refund_before is not None \
            and date.fromisoformat(p.business_date) >= campaign.refund_before:
        out.append(f"待遇期已开始（{campaign.refund_before} 起），不能再退费")
    if p.paid_by == "cash" and p.amount_fen > state.cash_on_hand_fen:
        out.append(f"现金退费 ¥{format_fen(p.amount_fen)} 超过现金在手 "
                   f"¥{format_fen(state.cash_on_hand_fen)}：请改为由乡镇财政所退付")
    out.extend(_reason_problems(p.reason, line, date.fromisoformat(p.business_date)))
    return out


def _reason_problems(reason: str, line: ev.PaymentLine, on: date) -> list[str]:
    """A reason that cannot be true of this person (参加职工医保 at eight years old)."""
    if reason != "employee":
        return []
    if line.id_type == ID_BIRTH_CERTIFICATE:
        return [f"{line.name}用出生医学证明登记（新生儿），不能以“参加职工医保”退费"]
    try:
        birth = parse_id_number(line.id_number, today=on).birth_date
    except InvalidIdNumber:
        return []
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    if age < EMPLOYEE_MIN_AGE:
        return [f"{line.name}今年 {age} 岁，未满 {EMPLOYEE_MIN_AGE} 岁不能以“参加职工医保”退费"]
    return []


def _apply_refund(state: LedgerState, event: ev.JournalEvent) -> None:
    p: ev.RefundMade = event.payload  # type: ignore[assignment]
    state.refunds[p.refund_id] = p
    pay = state.payments.get(p.payment_id)
    if p.paid_by == "cash":
        state.cash.refunded_fen += p.amount_fen
    elif p.paid_by == "township":
        state.township_refunds_fen += p.amount_fen
    if pay is None:
        return
    if pay.method != "cash" and p.paid_by != "cash":
        state.noncash.refunded_fen += p.amount_fen
    pay.refunded_lines.add(p.payment_line_id)
    enrolment = state.enrolments.get((p.person_id, pay.campaign_year))
    if enrolment is not None and enrolment.line_id == p.payment_line_id:
        enrolment.ended = "refunded"
    state.person_states[(p.person_id, pay.campaign_year)] = p.reason


def _check_deposit(state: LedgerState, event: ev.JournalEvent) -> list[str]:
    p: ev.DepositRecorded = event.payload  # type: ignore[assignment]
    if p.amount_fen <= 0:
        return ["缴存金额必须大于 0"]
    if p.amount_fen > state.cash_on_hand_fen:
        return [f"缴存金额 ¥{format_fen(p.amount_fen)} 超过现金在手 "
                f"¥{format_fen(state.cash_on_hand_fen)}，请核对"]
    return []


def _apply_deposit(state: LedgerState, event: ev.JournalEvent) -> None:
    p: ev.DepositRecorded = event.payload  # type: ignore[assignment]
    state.deposited_fen += p.amount_fen


def _check_book(state: LedgerState, event: ev.JournalEvent) -> list[str]:
    p: ev.BookRegistered = event.payload  # type: ignore[assignment]
    for book in state.series_books.get(p.series, []):
        if book.first <= p.last and p.first <= book.last:
            return [f"票号与已登记的票据 {p.series} {book.first}–{book.last} 重叠"]
    return [] if p.last >= p.first else ["票号范围无效"]


def _apply_book(state: LedgerState, event: ev.JournalEvent) -> None:
    p: ev.BookRegistered = event.payload  # type: ignore[assignment]
    state.add_book(Book(p.book_id, p.series, p.first, p.last, p.width, p.collector,
                        settled_at=state.known_settlements.get((p.series, p.first))))


def _apply_settled(state: LedgerState, event: ev.JournalEvent) -> None:
    p: ev.BookSettled = event.payload  # type: ignore[assignment]
    for book in state.series_books.get(p.series, []):
        if book.first == p.first and book.last == p.last:
            book.settled_at = p.settled_at
            book.settled_in_stream = True



def _check_enrolment_end(state: LedgerState, event: ev.JournalEvent) -> list[str]:
    p: ev.EnrolmentEnded = event.payload  # type: ignore[assignment]
    enrolment = state.enrolments.get((p.person_id, p.campaign_year))
    if enrolment is None or enrolment.ended is not None:
        return ["此人本年度没有有效的参保记录，无需终止"]
    if enrolment.payable_fen > 0:
        return ["此人本年度的参保缴了费：请办理退费，不能直接终止参保"]
    if p.reason not in ev.ENROLMENT_END_REASONS:
        return [f"未知的终止原因：{p.reason}"]
    pay = state.payments.get(enrolment.payment_id)
    line = next((ln for ln in pay.lines if ln.line_id == enrolment.line_id), None) if pay else None
    if line is None:
        return []
    return _reason_problems(p.reason, line, date.fromisoformat(p.business_date))


def _apply_enrolment_end(state: LedgerState, event: ev.JournalEvent) -> None:
    p: ev.EnrolmentEnded = event.payload  # type: ignore[assignment]
    enrolment = state.enrolments.get((p.person_id, p.campaign_year))
    if enrolment is not None:
        enrolment.ended = p.reason
    state.person_states[(p.person_id, p.campaign_year)] = p.reason


def _apply_policy(state: LedgerState, event: ev.JournalEvent) -> None:
    p: ev.PolicyLoaded = event.payload  # type: ignore[assignment]
    policy = p.policy
    rules = policy.get("rules") or {}
    refund_before = rules.get("refund_before")
    state.campaigns[p.campaign_id] = Campaign(
        p.campaign_id, int(policy.get("campaign_year", 0)), int(policy.get("benefit_year", 0)),
        bool(rules.get("household_same_tier", False)),
        date.fromisoformat(refund_before) if isinstance(refund_before, str) else None,
        int(rules.get("void_days", 0)))


def _apply_print(state: LedgerState, event: ev.JournalEvent) -> None:
    p: ev.ReceiptPrinted = event.payload  # type: ignore[assignment]
    state.printed.add((p.series, p.number))


def _check_malformed(state: LedgerState, event: ev.JournalEvent) -> list[str]:
    return [event.payload.error]  # type: ignore[attr-defined]


_CHECKS = {
    ev.Malformed: _check_malformed,
    ev.PaymentCollected: _check_payment,
    ev.ReceiptVoided: _check_void,
    ev.ReceiptLost: _check_lost,
    ev.RefundMade: _check_refund,
    ev.DepositRecorded: _check_deposit,
    ev.BookRegistered: _check_book,
    ev.EnrolmentEnded: _check_enrolment_end,
}

_APPLIERS = {
    ev.PaymentCollected: _apply_payment,
    ev.ReceiptVoided: _apply_void,
    ev.ReceiptLost: _apply_lost,
    ev.RefundMade: _apply_refund,
    ev.DepositRecorded: _apply_deposit,
    ev.BookRegistered: _apply_book,
    ev.BookSettled: _apply_settled,
    ev.EnrolmentEnded: _apply_enrolment_end,
    ev.PolicyLoaded: _apply_policy,
    ev.ReceiptPrinted: _apply_print,
}
