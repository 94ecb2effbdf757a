"""County trust: the ledger model run on every device's journal, and the county's own checks.

The county no longer believes whatever a device says. Each device's accepted events are kept
folded by the one ledger model (``app.domain.ledger``); a new ``payment.collected``,
``receipt.voided``, ``refund.made``, ``book.registered`` or ``book.settlement_received``
goes through :meth:`LedgerState.check` on that fold plus the county's checks:

- a payment only for persons on the village's county roster (``roster_persons``), or
  persons the device itself added by accepted events (``device_persons``) who are on no
  other village's county roster;
- a receipt number (a payment's, a blank void's) only from a book the county allocated to
  this device, and for that book's collector; a registered book or a settlement only of such
  a book.

An event that breaks any of them is *refused*: stored (it is genuine and chained) and
acknowledged, with a stable ``reason`` (:data:`sync.protocol.REFUSAL_REASONS`) and the
Chinese ``message``, but it claims nothing, makes no conflict or feed item and is not folded
into the county's state of the device; an alert records it (``server.alerts``).

The fold is cached per device (``Server.ledgers``) with the head it stands for; the cache
is used only when that head is the one the database holds under the device's row lock, and
refolded from the stored, not-refused events otherwise — several workers may serve one
county, and the database decides.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select, text

from app.domain import events as catalogue
from app.domain.idcard import mask_id_number, mask_name
from app.domain.ledger import LedgerState
from server.kernel import Server, among, distinct_chunks, insert_rows
from server.people import PERSON_TYPES, persons_added
from server.schema import books, device_persons, events, roster_persons

# The event types whose refusal the county decides (the others are folded as they come).
CHECKED_TYPES = frozenset({"payment.collected", "receipt.voided", "refund.made",
                           "book.registered", "book.settlement_received"})
_FOLDED_TYPES = tuple(catalogue.LEDGER_TYPES)
_MAX_NUMBER = 10**12  # a receipt number the county's columns hold (BookData's bound)
# What the model's code raises on a payload that is typed right but means nothing (a date
# that is no date, a policy with text for a year): the event is refused as malformed.
_BAD_PAYLOAD = (ValueError, TypeError, KeyError, AttributeError, IndexError, ArithmeticError)


@dataclass
class DeviceLedger:
    """A device's accepted events folded, and the head (seq, hash) it stands for."""

    state: LedgerState
    seq: int
    hash: str


@dataclass(frozen=True)
class Refusal:
    reason: str
    message: str


@dataclass(frozen=True)
class _Book:
    series: str
    first: int
    last: int
    collector: str

    def label(self) -> str:
        return f"{self.series} {self.first}–{self.last}"


def journal_event(device_id: str, seq: int, type_: str, actor: str, at: str,
                  payload: catalogue.Payload) -> catalogue.JournalEvent:
    return catalogue.JournalEvent(seq=seq, device=device_id, type=type_, actor=actor, at=at,
                                  payload=payload)


def _refold(conn: Connection, device_id: str, head_seq: int, head_hash: str) -> DeviceLedger:
    state = LedgerState()
    rows = conn.execute(
        select(events.c.seq, events.c.type, events.c.actor, events.c.at, events.c.payload)
        .where(events.c.device_id == device_id, events.c.status != "refused",
               events.c.type.in_(_FOLDED_TYPES))
        .order_by(events.c.seq))
    for row in rows:
        try:
            state.apply(journal_event(device_id, int(row.seq), row.type, row.actor, row.at,
                                      catalogue.parse_stored(row.type, row.payload)))
        except _BAD_PAYLOAD:
            continue  # stored before the county judged events; its effect is left out
    return DeviceLedger(state, head_seq, head_hash)


def device_ledger(srv: Server, conn: Connection, device_id: str, head_seq: int,
                  head_hash: str) -> DeviceLedger:
    """The device's fold for the head the database holds (taken out of the cache: put it back
    with :func:`keep` once the transaction has committed)."""
    cached: DeviceLedger | None = srv.ledgers.take(device_id)
    if cached is not None and (cached.seq, cached.hash) == (head_seq, head_hash):
        return cached
    return _refold(conn, device_id, head_seq, head_hash)


def keep(srv: Server, device_id: str, ledger: DeviceLedger) -> None:
    srv.ledgers.put(device_id, ledger)


def _who(line: catalogue.PaymentLine) -> str:
    """A payment line's person as the county's words name them: masked, and only when a
    problem is to be told (most lines have none)."""
    return f"{mask_name(line.name)}（{mask_id_number(line.id_number)}）"


@dataclass
class Judge:
    """The county's checks for one push batch of one device, over the folded ledger.

    What the checks read from the database (the device's books, the roster entries and the
    device's own persons for the batch's payment lines) is read once per batch; what the
    batch itself adds is kept here until :meth:`flush` writes it."""

    conn: Connection
    device_id: str
    village: str
    ledger: DeviceLedger
    books: list[_Book] = field(default_factory=list)
    roster: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # → villages
    persons: dict[str, tuple[str, str]] = field(default_factory=dict)  # person_id → cert
    added: dict[str, tuple[str, str]] = field(default_factory=dict)  # this batch's
    applied: list[catalogue.JournalEvent] = field(default_factory=list)  # this batch's

    @classmethod
    def for_batch(cls, conn: Connection, device: Any, ledger: DeviceLedger,
                  typed: Iterable[catalogue.Payload]) -> Judge:
        judge = cls(conn, device.id, device.village, ledger)
        judge.books = [_Book(r.series, int(r.first_no), int(r.last_no), r.collector)
                       for r in conn.execute(select(books.c.series, books.c.first_no,
                                                    books.c.last_no, books.c.collector)
                                             .where(books.c.device_id == device.id))]
        lines = [line for p in typed if isinstance(p, catalogue.PaymentCollected)
                 for line in p.lines]
        types = list({line.id_type for line in lines})
        for chunk in distinct_chunks(line.id_number for line in lines):
            for r in conn.execute(select(roster_persons.c.village, roster_persons.c.id_type,
                                         roster_persons.c.id_number)
                                  .where(among(conn, roster_persons.c.id_type, types),
                                         among(conn, roster_persons.c.id_number, chunk))):
                judge.roster.setdefault((r.id_type, r.id_number), set()).add(r.village)
        for chunk in distinct_chunks(line.person_id for line in lines):
            for r in _device_persons(conn, device.id, chunk):
                judge.persons[r.person_id] = (r.id_type, r.id_number)
        return judge

    # --- the checks -------------------------------------------------------------------------

    def _book_of(self, series: str, number: int) -> _Book | None:
        return next((b for b in self.books
                     if b.series == series and b.first <= number <= b.last), None)

    def _number_problem(self, series: str, number: int, actor: str) -> str | None:
        book = self._book_of(series, number)
        if book is None:
            return f"票号 {series} {number} 不在县医保分配给本设备的票据中"
        if book.collector != actor:
            return f"票据 {book.label()} 由县医保分配给收款员{book.collector}，不是{actor}"
        return None

    def _line_problem(self, line: catalogue.PaymentLine) -> str | None:
        cert = (line.id_type, line.id_number)
        villages = self.roster.get(cert, set())
        if self.village in villages:
            return None
        if self.added.get(line.person_id, self.persons.get(line.person_id)) == cert:
            if not villages:
                return None  # added by this device and on nobody's county roster
            return (f"{_who(line)} 在县医保花名册上属于村 {'、'.join(sorted(villages))}，"
                    f"不在村 {self.village} 的花名册上")
        return f"{_who(line)} 不在村 {self.village} 的县医保花名册上，也不是本设备登记的人员"

    def _payment_problems(self, ev: catalogue.JournalEvent,
                          p: catalogue.PaymentCollected) -> tuple[list[str], list[str]]:
        roster = [m for m in (self._line_problem(line) for line in p.lines) if m]
        numbers = []
        if p.receipt is not None:
            found = self._number_problem(p.receipt.series, p.receipt.number, ev.actor)
            if found:
                numbers.append(found)
        return roster, numbers

    def _book_problem(self, p: catalogue.BookRegistered | catalogue.BookSettled,
                      collector: str | None) -> str | None:
        for book in self.books:
            if book.series == p.series and book.first <= p.first and p.last <= book.last \
                    and (collector is None or book.collector == collector):
                return None
        return (f"票据 {p.series} {p.first}–{p.last} 不是县医保分配给本设备"
                f"{'（收款员' + collector + '）' if collector else ''}的票据")

    def judge(self, ev: catalogue.JournalEvent) -> Refusal | None:
        """Why the county refuses the event (None: accept it). Pure over the fold and what
        was read for the batch; :meth:`accept` must follow for an accepted event."""
        if ev.type not in CHECKED_TYPES:
            return None
        p = ev.payload
        if isinstance(p, catalogue.Malformed):
            return Refusal("malformed", f"记录内容无法解析：{p.error}"[:500])
        roster: list[str] = []
        numbers: list[str] = []
        if isinstance(p, catalogue.PaymentCollected):
            if not _payment_fits(p):
                return Refusal("malformed", "收款记录的字段超出县医保可以保存的范围")
            roster, numbers = self._payment_problems(ev, p)
        elif isinstance(p, catalogue.ReceiptVoided):
            if not 0 <= p.number <= _MAX_NUMBER:
                return Refusal("malformed", "作废记录的票号超出范围")
            if p.blank:
                found = self._number_problem(p.series, p.number, ev.actor)
                numbers = [found] if found else []
        elif isinstance(p, catalogue.BookRegistered):
            found = self._book_problem(p, p.collector)
            numbers = [found] if found else []
        elif isinstance(p, catalogue.BookSettled):
            found = self._book_problem(p, None)
            numbers = [found] if found else []
        try:
            rules = self.ledger.state.check(ev)
        except _BAD_PAYLOAD:
            return Refusal("malformed", "记录内容不符合账本模型（日期、金额或字段无效）")
        problems = [*roster, *numbers, *rules]
        if not problems:
            return None
        reason = ("not_on_roster" if roster else "book_not_allocated" if numbers
                  else "ledger_rule")
        return Refusal(reason, "；".join(dict.fromkeys(problems))[:500])

    def accept(self, ev: catalogue.JournalEvent, payload_text: str) -> Refusal | None:
        """Fold an accepted event into the device's state and note the persons it adds (read
        off its payload's canonical text); a payload the model cannot apply is refused instead
        (the fold is rebuilt without it)."""
        try:
            self.ledger.state.apply(ev)
        except _BAD_PAYLOAD:
            # The appliers may have changed part of the state: rebuild it without this event.
            self.ledger = _refold(self.conn, self.device_id, self.ledger.seq, self.ledger.hash)
            for done in self.applied:
                self.ledger.state.apply(done)
            return Refusal("malformed", "记录内容不符合账本模型（日期、金额或字段无效）")
        self.applied.append(ev)
        if ev.type in PERSON_TYPES:
            for person_id, id_type, id_number in persons_added(ev.type, payload_text):
                self.added[person_id] = (id_type, id_number)
        return None

    def flush(self, head_seq: int, head_hash: str) -> None:
        """Write the persons the batch added; the fold now stands for the new head."""
        insert_rows(self.conn, device_persons, [
            {"device_id": self.device_id, "person_id": pid, "id_type": t, "id_number": n}
            for pid, (t, n) in self.added.items()], replace_on=("device_id", "person_id"))
        self.ledger.seq, self.ledger.hash = head_seq, head_hash


def _device_persons(conn: Connection, device_id: str, person_ids: list[str]) -> Iterable[Any]:
    """The device's own persons among ``person_ids``. On PostgreSQL the values are joined as
    the elements of a JSON array: with ``person_id = ANY (…)`` the planner scans the device's
    index prefix and compares each of its persons with every value, a push slower the more it
    has added."""
    if conn.dialect.name != "postgresql":
        return conn.execute(select(device_persons).where(
            device_persons.c.device_id == device_id,
            device_persons.c.person_id.in_(person_ids)))
    return conn.execute(text(
        "SELECT dp.person_id, dp.id_type, dp.id_number "
        "FROM json_array_elements_text(CAST(:ids AS json)) AS wanted(person_id) "
        "JOIN device_persons dp ON dp.device_id = :device "
        "AND dp.person_id = wanted.person_id"), {"ids": json.dumps(person_ids), "device": device_id})


def _payment_fits(pay: catalogue.PaymentCollected) -> bool:
    """A payment the county's columns can hold (claims, conflicts, the receipt index)."""
    return (1 <= len(pay.payment_id) <= 64 and 1990 <= pay.campaign_year <= 2100
            and len(pay.lines) <= 100
            and (pay.receipt is None or (len(pay.receipt.label) <= 200
                                         and 1 <= len(pay.receipt.series) <= 20
                                         and 0 <= pay.receipt.number <= _MAX_NUMBER))
            and all(1 <= len(line.line_id) <= 64 and len(line.id_type) <= 4
                    and 1 <= len(line.id_number) <= 30 and len(line.name) <= 60
                    and 1 <= len(line.person_id) <= 64
                    for line in pay.lines))
