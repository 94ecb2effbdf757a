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

import heapq
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.domain import events as ev
from app.domain import ledger_views as views
from app.domain.bulk import collector_paused
from app.domain.ledger import LedgerState, Payment, fold, number_ranges
from app.services.base.roles import requires_role
from app.services.base.workspace import Workspace
from db.connection import Connection
from db.township_perf_schema import PRINT_FIELDS, PRINTS_INDEX, extracts

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
    void_acts: dict[Key, Act] = field(default_factory=dict)
    lost: dict[Key, Act] = field(default_factory=dict)
    conflicts: list[tuple[Act, views.ConflictReceived]] = field(default_factory=list)
    actors: dict[int, str] = field(default_factory=dict)  # seq → actor, events with problems
    latest_at: datetime | None = None  # the latest stamp of an event folded

    def live_payments(self) -> Iterator[Payment]:
        return (p for p in self.state.payments.values() if not p.cancelled)

    def printed(self, pay: Payment) -> bool:
        return pay.receipt is not None and pay.receipt in self.state.printed

    def label(self, key: Key) -> str:
        book = self.state.book_of(key)
        return book.label(key[1]) if book is not None else f"{key[0]} {key[1]}"

    def registered_books(self) -> set[tuple[str, int]]:
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

    def number_states(self, key: Key) -> list[tuple[DeviceLedger, str]]:
        """(device, issued|voided|skipped|lost) of every device that used this number."""
        return [(d, d.state.numbers[key]) for d in self.devices.values()
                if key in d.state.numbers]

    def width(self, series: str) -> int:
        return self.widths.get(series, 8)


def label(led: Ledger, key: Key) -> str:
    return f"{key[0]} {key[1]:0{led.width(key[0])}d}"



# --- loading ---------------------------------------------------------------------------------

_MAX_CACHED = 2
_cache: OrderedDict[int, tuple[Connection, dict[str, DeviceLedger]]] = OrderedDict()
_cache_lock = threading.Lock()


def known_settlements(conn: Connection) -> dict[tuple[str, int], str]:
    """(series, first) → when the township settled that book."""
    return {(s, int(a)): at for s, a, at in conn.execute(
        "SELECT i.series, i.first_no, s.at FROM tw_settlements s "
        "JOIN tw_issues i ON i.id = s.issue_id")}


@requires_role("township", "查看各村账目")
def load_ledger(ws: Workspace, *, roster: bool = False) -> Ledger:
    """Every village device's journal folded, caught up with what was stored since the last
    call on this connection; the villages' rosters only if asked (progress needs them)."""
    conn = ws.conn
    settlements = known_settlements(conn)
    with _cache_lock:
        held = _cache.get(id(conn))
        folds = held[1] if held is not None and held[0] is conn else {}
        led = Ledger(widths=_widths(conn))
        with collector_paused():
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
    top = conn.execute("SELECT seq, hash FROM tw_events WHERE device_id = ? "
                       "ORDER BY seq DESC LIMIT 1", (device_id,)).fetchone()
    top = (int(top[0]), str(top[1])) if top else (0, ev.GENESIS)
    if dev is not None and dev.head[0]:
        row = conn.execute("SELECT hash FROM tw_events WHERE device_id = ? AND seq = ?",
                           (device_id, dev.head[0])).fetchone()
        if row is None or row[0] != dev.head[1]:
            dev = None
    if dev is not None and dev.state.known_settlements != settlements:
        dev = _settlements_changed(dev, settlements)
    if dev is None:
        dev = DeviceLedger(device_id, village,
                           LedgerState(known_settlements=dict(settlements)))
    if top[0] > dev.head[0]:
        fold(_observed(dev, _stored_events(conn, device_id, dev.head[0], top[0])), dev.state)
        dev.head = top
    return dev


def _settlements_changed(dev: DeviceLedger, settlements: dict[tuple[str, int], str]
                         ) -> DeviceLedger | None:
    """The fold as if it had started from these settlements, or None to fold again.

    A settlement only changes how events on a book the device registered are judged, and only
    those stamped after it. The office settles a book once it holds the village's journal, so
    every event folded is older than the settlement: the book is marked settled where the fold
    holds it (as ``LedgerState`` does at registration) and the fold goes on. Otherwise (an
    event folded already is stamped later, a settlement gone after a restore) it is redone.
    """
    changed = {k for k in settlements.keys() | dev.state.known_settlements.keys()
               if settlements.get(k) != dev.state.known_settlements.get(k)}
    affected = changed & dev.registered_books()
    for key in affected:
        if key not in settlements or dev.latest_at is None or \
                not _before(dev.latest_at, settlements[key]):
            return None
    for book in dev.state.books.values():
        if (book.series, book.first) in affected and not book.settled_in_stream:
            book.settled_at = settlements[(book.series, book.first)]
    dev.state.known_settlements = dict(settlements)
    return dev


def _before(latest: datetime, at: str) -> bool:
    try:
        return latest <= datetime.fromisoformat(at)
    except ValueError:
        return False


def _stamp(at: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(at)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else None


_OTHER_TYPES = tuple(t for t in FOLD_TYPES if t != ev.ReceiptPrinted.TYPE)


def _stored_events(conn: Connection, device_id: str, after_seq: int,
                   upto_seq: int) -> Iterator[tuple[ev.JournalEvent, str]]:
    """(typed event, receipt verdict) of a device's events in ``(after_seq, upto_seq]``.

    Prints, half of a journal, are read from their covering index (series and number: all a
    fold reads of a print) instead of parsing each payload; the rest are parsed by the
    catalogue. The two are merged back into the journal's order.
    """
    others = conn.execute(
        "SELECT seq, type, actor, at, payload, receipt_sig FROM tw_events "
        f"WHERE device_id = ? AND seq > ? AND seq <= ? "
        f"AND type IN ({','.join('?' * len(_OTHER_TYPES))}) ORDER BY seq",
        (device_id, after_seq, upto_seq, *_OTHER_TYPES))
    prints = conn.execute(
        f"SELECT seq, actor, at, {extracts(PRINT_FIELDS)} FROM tw_events "
        f"INDEXED BY {PRINTS_INDEX} WHERE type = '{ev.ReceiptPrinted.TYPE}' AND device_id = ? "
        "AND seq > ? AND seq <= ? ORDER BY seq", (device_id, after_seq, upto_seq)).fetchall()
    printed = (_printed(device_id, row) for row in prints)
    yield from heapq.merge(printed, _parsed(device_id, others), key=lambda held: held[0].seq)


def _printed(device_id: str, row: tuple[Any, ...]) -> tuple[ev.JournalEvent, str]:
    seq, actor, at, series, number = row
    if isinstance(series, str) and type(number) is int:
        # The kind (print or reprint) is not in the index and no fold reads it.
        payload: ev.Payload = ev.ReceiptPrinted(series, number, "")
    else:
        payload = ev.Malformed({"series": series, "number": number},
                               "事件内容不符合格式：receipt.printed")
    return ev.JournalEvent(seq, device_id, ev.ReceiptPrinted.TYPE, actor, at, payload), "none"


def _parsed(device_id: str, rows: Iterable[tuple[Any, ...]]
            ) -> Iterator[tuple[ev.JournalEvent, str]]:
    for seq, typ, actor, at, text, sig in rows:
        if typ == views.ConflictReceived.TYPE:
            payload = views.parse_township_stored(typ, text)
        else:
            payload = ev.parse_stored(typ, text)
        yield ev.JournalEvent(seq, device_id, typ, actor, at, payload), sig


def _observed(dev: DeviceLedger,
              stored: Iterable[tuple[ev.JournalEvent, str]]) -> Iterator[ev.JournalEvent]:
    """The events for the fold, noting on the way what the township lists beside it."""
    for event, sig in stored:
        p = event.payload
        moment = _stamp(event.at)
        if moment is None:
            dev.latest_at = datetime.max.replace(tzinfo=UTC)  # unknown: judged as the latest
        elif dev.latest_at is None or moment > dev.latest_at:
            dev.latest_at = moment
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
                dev.void_acts[(p.series, p.number)] = act
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
            continue  # not a ledger event
        yield event
        # Resumed once the fold has stepped the event: who broke a rule, if it named one.
        if dev.state.problems and dev.state.problems[-1].seq == event.seq:
            dev.actors[event.seq] = event.actor


def _roster(conn: Connection) -> views.RosterView:
    view = views.RosterView()
    for village, typ, text in conn.execute(
            f"SELECT village, type, payload FROM tw_events "
            f"WHERE type IN ({','.join('?' * len(views.ROSTER_TYPES))}) "
            "ORDER BY device_id, seq", views.ROSTER_TYPES):
        view.apply(village, typ, ev.parse(typ, json.loads(text)))
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
            "amount_fen": amount, "refunds_fen": refunds, "gaps": number_ranges(gaps),
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
