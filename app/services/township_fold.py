"""The villages' ledgers as the township sees them: each device's journal folded by the one model.

The township holds no village tables: every village device's stored events (``tw_events``, in
its seq order) are parsed by the catalogue (``app.domain.events``) and folded by the same
``app.domain.ledger.fold`` the village checks its own events with, into one
:class:`~app.domain.ledger.LedgerState` per device. The fold starts from what the township
itself knows: the books it settled (``tw_settlements``), so a village's activity on a settled
book stamped after the settlement is a problem the fold names (核销后仍有使用) rather than a
silent change of the book's figures. Every rule the fold finds broken becomes a named problem
of that village and event.

Folds are kept per database connection and caught up with the events stored since, like the
village's own ``Workspace.ledger()``: the township's journals only grow, and a fold is redone
from the start when the event it stopped at is no longer there (a rolled-back import, a
restored backup) or the township's settlements changed for a book the device registered.
"""

from __future__ import annotations

import gc
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from app.domain import events as ev
from app.domain import ledger_views as views
from app.domain.ledger import Book, LedgerState, Payment, Problem, fold
from app.services.workspace import Workspace
from db.connection import Connection

Key = tuple[str, int]  # (series, number)

# The events a device's fold reads: the ledger's, and the county notices it received.
FOLD_TYPES: tuple[str, ...] = (*ev.LEDGER_TYPES, views.ConflictReceived.TYPE)


@dataclass(frozen=True, slots=True)
class PaymentFacts:
    """What the township shows of a payment event beyond what the ledger keeps."""

    sig: str  # the receipt's signature verdict at ingest: ok, bad, none
    label: str | None
    household_no: str
    group: str
    method_ref: str | None


@dataclass(frozen=True, slots=True)
class Act:
    """Who wrote an event of the journal (other than a payment or a print), and when."""

    seq: int
    actor: str
    at: str


@dataclass
class DeviceLedger:
    """One village device's journal, folded."""

    device_id: str
    village: str
    state: LedgerState
    head: tuple[int, str] = (0, ev.GENESIS)
    facts: dict[str, PaymentFacts] = field(default_factory=dict)  # by payment id
    refund_acts: dict[str, Act] = field(default_factory=dict)  # by refund id
    deposits: list[tuple[Act, ev.DepositRecorded]] = field(default_factory=list)
    blanks: dict[Key, tuple[Act, str]] = field(default_factory=dict)  # voided blank forms
    void_reasons: dict[Key, str] = field(default_factory=dict)  # voided receipts
    lost: dict[Key, Act] = field(default_factory=dict)
    conflicts: list[tuple[Act, views.ConflictReceived]] = field(default_factory=list)
    # Payloads the catalogue did not accept: named problems, never folded.
    malformed: list[Problem] = field(default_factory=list)
    actors: dict[int, str] = field(default_factory=dict)  # seq → actor, events with problems

    def live_payments(self) -> Iterator[Payment]:
        return (p for p in self.state.payments.values() if not p.cancelled)

    def printed(self, pay: Payment) -> bool:
        return pay.receipt is not None and pay.receipt in self.state.printed

    def label(self, key: Key) -> str:
        book = self.state.book_of(key)
        return book.label(key[1]) if book is not None else f"{key[0]} {key[1]}"

    def settled_books(self) -> set[tuple[str, int]]:
        return {(b.series, b.first) for b in self.state.books.values()}


@dataclass
class Ledger:
    """Every village device's fold, and what the township names numbers by."""

    devices: dict[str, DeviceLedger] = field(default_factory=dict)
    widths: dict[str, int] = field(default_factory=dict)  # series → digits
    roster: views.RosterView | None = None

    @property
    def users(self) -> dict[str, str]:
        """device → village"""
        return {d.device_id: d.village for d in self.devices.values()}

    def payments(self) -> Iterator[tuple[DeviceLedger, Payment]]:
        for dev in self.devices.values():
            for pay in dev.state.payments.values():
                yield dev, pay

    def live_payments(self) -> Iterator[tuple[DeviceLedger, Payment]]:
        return ((d, p) for d, p in self.payments() if not p.cancelled)

    def device_of_payment(self, device_id: str, payment_id: str) -> Payment | None:
        dev = self.devices.get(device_id)
        return None if dev is None else dev.state.payments.get(payment_id)

    def number_states(self, key: Key) -> list[tuple[DeviceLedger, str]]:
        """(device, issued|voided|skipped|lost) of every device that used this number."""
        return [(d, d.state.numbers[key]) for d in self.devices.values()
                if key in d.state.numbers]

    def width(self, series: str) -> int:
        return self.widths.get(series, 8)


def label(led: Ledger, key: Key) -> str:
    return f"{key[0]} {key[1]:0{led.width(key[0])}d}"


ranges = views.ranges


# --- loading ---------------------------------------------------------------------------------

_MAX_CACHED = 2
_cache: OrderedDict[int, tuple[Connection, dict[str, DeviceLedger]]] = OrderedDict()
_cache_lock = threading.Lock()


def known_settlements(conn: Connection) -> dict[tuple[str, int], str]:
    """(series, first) → when the township settled that book."""
    return {(s, int(a)): at for s, a, at in conn.execute(
        "SELECT i.series, i.first_no, s.at FROM tw_settlements s "
        "JOIN tw_issues i ON i.id = s.issue_id")}


def load_ledger(ws: Workspace, *, roster: bool = False) -> Ledger:
    """Every village device's journal folded, caught up with what was stored since the last
    call on this connection; the villages' rosters only if asked (progress needs them)."""
    ws.require_role("township", "查看各村账目")
    conn = ws.conn
    settlements = known_settlements(conn)
    with _cache_lock:
        held = _cache.get(id(conn))
        folds = held[1] if held is not None and held[0] is conn else {}
        led = Ledger(widths=_widths(conn))
        with _collector_paused():
            for device_id, village in conn.execute(
                    "SELECT device_id, village FROM tw_devices ORDER BY device_id").fetchall():
                dev = _caught_up(conn, folds.get(device_id), device_id, village, settlements)
                folds[device_id] = dev
                led.devices[device_id] = dev
                for book in dev.state.books.values():
                    led.widths.setdefault(book.series, book.width)
        _cache[id(conn)] = (conn, folds)
        _cache.move_to_end(id(conn))
        while len(_cache) > _MAX_CACHED:
            _cache.popitem(last=False)
    if roster:
        led.roster = _roster(conn)
    return led


def _widths(conn: Connection) -> dict[str, int]:
    out = {s: int(w) for s, w in conn.execute("SELECT series, width FROM tw_stock")}
    out.update((s, int(w)) for s, w in conn.execute("SELECT series, width FROM tw_issues"))
    return out


def _caught_up(conn: Connection, dev: DeviceLedger | None, device_id: str, village: str,
               settlements: dict[tuple[str, int], str]) -> DeviceLedger:
    if dev is not None and dev.head[0]:
        row = conn.execute("SELECT hash FROM tw_events WHERE device_id = ? AND seq = ?",
                           (device_id, dev.head[0])).fetchone()
        if row is None or row[0] != dev.head[1]:
            dev = None
    if dev is not None and dev.state.known_settlements != settlements:
        # A settlement the fold did not start from: only a book this device registered is
        # judged differently; the others only need to be known for books registered later.
        changed = {k for k in settlements.keys() | dev.state.known_settlements.keys()
                   if settlements.get(k) != dev.state.known_settlements.get(k)}
        if changed & dev.settled_books():
            dev = None
        else:
            dev.state.known_settlements = dict(settlements)
    if dev is None:
        dev = DeviceLedger(device_id, village,
                           views.IndexedLedgerState(known_settlements=dict(settlements)))
    fold(_observed(dev, _stored_events(conn, device_id, dev.head[0])), dev.state)
    return dev


def _stored_events(conn: Connection, device_id: str,
                   after_seq: int) -> Iterator[tuple[ev.JournalEvent, str, str]]:
    """(typed event, receipt verdict, hash) of a device's events after ``after_seq``."""
    cur = conn.execute(
        "SELECT seq, type, actor, at, payload, receipt_sig, hash FROM tw_events "
        f"WHERE device_id = ? AND seq > ? AND type IN ({','.join('?' * len(FOLD_TYPES))}) "
        "ORDER BY seq", (device_id, after_seq, *FOLD_TYPES))
    for seq, typ, actor, at, text, sig, digest in cur:
        try:
            raw: Any = json.loads(text)
        except ValueError:
            raw = text
        if typ == views.ConflictReceived.TYPE:
            try:
                payload = views.parse_township(typ, raw)
            except ev.EventFormatError as exc:
                payload = ev.Malformed(raw, exc.message)
        else:
            payload = ev.parse_or_malformed(typ, raw)
        yield ev.JournalEvent(seq, device_id, typ, actor, at, payload), sig, digest


def _observed(dev: DeviceLedger,
              stored: Iterable[tuple[ev.JournalEvent, str, str]]) -> Iterator[ev.JournalEvent]:
    """The events for the fold, noting on the way what the township lists beside it."""
    problems_before = len(dev.state.problems)
    for event, sig, digest in stored:
        p = event.payload
        if isinstance(p, ev.PaymentCollected):
            dev.facts[p.payment_id] = PaymentFacts(
                sig, p.receipt.label if p.receipt else None, p.household.no, p.household.group,
                p.method_ref)
        elif isinstance(p, ev.ReceiptPrinted):
            pass
        elif isinstance(p, ev.ReceiptVoided):
            act = Act(event.seq, event.actor, event.at)
            if p.blank:
                dev.blanks[(p.series, p.number)] = (act, p.reason)
            else:
                dev.void_reasons[(p.series, p.number)] = p.reason
        elif isinstance(p, ev.ReceiptLost):
            act = Act(event.seq, event.actor, event.at)
            for n in range(p.first, p.last + 1):
                dev.lost[(p.series, n)] = act
        elif isinstance(p, ev.RefundMade):
            dev.refund_acts[p.refund_id] = Act(event.seq, event.actor, event.at)
        elif isinstance(p, ev.DepositRecorded):
            dev.deposits.append((Act(event.seq, event.actor, event.at), p))
        elif isinstance(p, views.ConflictReceived):
            dev.conflicts.append((Act(event.seq, event.actor, event.at), p))
            dev.head = (event.seq, digest)
            continue  # not a ledger event
        elif isinstance(p, ev.Malformed):
            dev.malformed.append(Problem(event.seq, f"记录内容无法解析（{p.error}）"))
            dev.actors[event.seq] = event.actor
        yield event
        if len(dev.state.problems) != problems_before:
            problems_before = len(dev.state.problems)
        dev.head = (event.seq, digest)
        _note_actor(dev, event)


def _note_actor(dev: DeviceLedger, event: ev.JournalEvent) -> None:
    """The fold has stepped the event (a generator resumes after its consumer's step)."""
    problems = dev.state.problems
    if problems and problems[-1].seq == event.seq:
        dev.actors[event.seq] = event.actor


@contextmanager
def _collector_paused() -> Iterator[None]:
    """A fold creates objects by the hundred thousand and frees few of them, so each pass of
    the cyclic garbage collector it triggers finds nothing; pause it meanwhile."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _roster(conn: Connection) -> views.RosterView:
    view = views.RosterView()
    for village, typ, text in conn.execute(
            f"SELECT village, type, payload FROM tw_events "
            f"WHERE type IN ({','.join('?' * len(views.ROSTER_TYPES))}) "
            "ORDER BY device_id, seq", views.ROSTER_TYPES):
        view.apply(village, typ, ev.parse(typ, json.loads(text)).raw)  # type: ignore[attr-defined]
    return view


# --- per book -----------------------------------------------------------------------------


def book_figures(led: Ledger, series: str, first: int, last: int, *,
                 village: str | None = None) -> dict[str, Any]:
    """Every number of one book accounted for by the village's journals (of ``village``'s
    devices when given, else of every device): issued, voided, lost, unused, the numbers
    skipped below the highest used (gaps), the amount on live receipts and their refunds;
    ``elsewhere``: numbers another village's device used."""
    issued = voided = lost = amount = refunds = 0
    high: int | None = None
    accounted: set[int] = set()
    voided_numbers: list[int] = []
    elsewhere: list[tuple[int, str]] = []
    devices = list(led.devices.values())
    for n in range(first, last + 1):
        key = (series, n)
        found = False
        for dev in devices:
            state = dev.state.numbers.get(key)
            if state is None:
                continue
            if village is not None and dev.village != village:
                elsewhere.append((n, dev.village))
                continue
            if found:
                continue
            found = True
            accounted.add(n)
            if state == "lost":
                lost += 1
                continue
            high = n if high is None else max(high, n)
            if state == "issued":
                issued += 1
                pay = dev.state.payments.get(dev.state.number_payment.get(key, ""))
                if pay is not None and not pay.cancelled:
                    amount += pay.amount_fen
                    refunds += sum(r.amount_fen for r in _refunds_of(dev, pay))
            else:
                voided += 1
                voided_numbers.append(n)
    gaps = [] if high is None else [n for n in range(first, high) if n not in accounted]
    return {"series": series, "first": first, "last": last, "issued": issued,
            "voided": voided, "lost": lost, "unused": last - first + 1 - issued - voided - lost,
            "amount_fen": amount, "refunds_fen": refunds, "gaps": ranges(gaps),
            "voided_numbers": voided_numbers, "elsewhere": elsewhere}


def _refunds_of(dev: DeviceLedger, pay: Payment) -> Iterator[ev.RefundMade]:
    if not pay.refunded_lines:
        return iter(())
    return (r for r in dev.state.refunds.values() if r.payment_id == pay.payment_id)


def refunded_fen(dev: DeviceLedger) -> dict[str, int]:
    """payment id → refunded on it, for one device."""
    out: dict[str, int] = {}
    for r in dev.state.refunds.values():
        out[r.payment_id] = out.get(r.payment_id, 0) + r.amount_fen
    return out


def book_label_range(led: Ledger, series: str, first: int, last: int) -> str:
    return f"{label(led, (series, first))}–{last}"


def books_of(dev: DeviceLedger) -> list[Book]:
    return list(dev.state.books.values())
