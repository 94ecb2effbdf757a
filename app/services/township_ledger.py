"""The villages' ledgers as the township sees them: replayed from their verified journals.

Nothing here reads a village's tables (the township has none): payments, voids, losses,
refunds, deposits, prints and hand-registered books are rebuilt from the events in
``tw_events``, by the same rules the village's own ledger follows, so the township's figures
can be compared with each village's ``reconcile()`` to the fen.
"""

from __future__ import annotations

import gc
import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from app.domain.errors import Refused
from app.domain.policy import benefit_year_label
from app.services.campaigns import active_campaign, campaign_by_id
from app.services.workspace import Workspace
from db.connection import Connection
from db.township_perf_schema import (
    LINE_FIELDS,
    PAYMENT_FIELDS,
    PAYMENTS_INDEX,
    PRINT_FIELDS,
    PRINTS_INDEX,
    RECEIPT_FIELDS,
    extracts,
)

Key = tuple[str, int]  # (series, number)


@dataclass(slots=True)
class Payment:
    payment_id: str
    device_id: str
    seq: int  # of its event in the device's journal
    village: str
    collector: str
    campaign_year: int
    amount_fen: int
    method: str
    business_date: str
    household_no: str
    group: str
    receipt: Key | None
    label: str | None
    sig: str
    cancelled: bool = False
    printed: bool = False
    # Immutable and shared while empty, as they mostly stay: two fresh containers for each
    # of a township's tens of thousands of payments cost 15 MB and collector passes.
    refunded_lines: frozenset[str] = frozenset()
    lines: Sequence[dict[str, Any]] = ()  # only with load_ledger(lines=True)


@dataclass
class Ledger:
    payments: dict[str, Payment] = field(default_factory=dict)
    receipts: dict[Key, list[Payment]] = field(default_factory=lambda: defaultdict(list))
    void_reasons: dict[Key, str] = field(default_factory=dict)
    blanks: dict[Key, tuple[str, str, str]] = field(default_factory=dict)  # village, collector, reason
    lost: dict[Key, tuple[str, str]] = field(default_factory=dict)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    refunded_fen: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # by payment
    deposits: list[dict[str, Any]] = field(default_factory=list)
    registered: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    households: dict[str, dict[str, Any]] = field(default_factory=dict)
    persons: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)  # device → village
    widths: dict[str, int] = field(default_factory=dict)  # series → digits

    def live_payments(self) -> list[Payment]:
        return [p for p in self.payments.values() if not p.cancelled]

    def events(self) -> list[Payment]:
        """Every payment event, also one whose payment id a later event reused."""
        held = {id(p): p for pays in self.receipts.values() for p in pays}
        held.update((id(p), p) for p in self.payments.values())
        return list(held.values())


# Events replayed from their payloads; payments and prints are read from their indexes.
_MONEY_TYPES = ("database.created", "receipt.voided", "receipt.lost", "refund.made",
                "deposit.recorded", "book.registered", "sync.conflict_received")
_ROSTER_TYPES = ("household.added", "household.updated", "person.added",
                 "person.status_changed", "person.moved", "roster.imported")


def _nulls(n: int) -> str:
    return ", ".join(["NULL"] * n)


# Each device's events must be replayed in its order (a void or a refund finds its payment
# only once it was collected), so payments, read from their covering index (no payload is
# read), and the few other money events, with their payloads, are merged in that order by the
# database, padded to one shape. A payment counts as printed when a print of its receipt
# number comes after it, as a replay of the prints in turn would find.
_REPLAY = (
    f"SELECT device_id, seq, 'payment.collected', village, actor, receipt_sig, "
    f"{extracts(PAYMENT_FIELDS, 'pay')}, EXISTS (SELECT 1 FROM tw_events AS print "
    f"INDEXED BY {PRINTS_INDEX} WHERE print.type = 'receipt.printed' AND "
    f"({extracts(PRINT_FIELDS, 'print')}) = ({extracts(RECEIPT_FIELDS, 'pay')}) AND "
    "(print.device_id, print.seq) > (pay.device_id, pay.seq)) "
    f"FROM tw_events AS pay INDEXED BY {PAYMENTS_INDEX} WHERE type = 'payment.collected' "
    f"UNION ALL SELECT device_id, seq, type, village, actor, payload, "
    f"{_nulls(len(PAYMENT_FIELDS) + 1)} FROM tw_events "
    f"WHERE type IN ({','.join('?' * len(_MONEY_TYPES))}) ORDER BY 1, 2")


@dataclass(frozen=True)
class CampaignNames:
    """How the township names the campaign the villages collected for in ``campaign_year``:
    by its benefit year (``year_label``, "2027年度"), with the collection period beside it
    (``label``; ``period_label`` "征缴期 …") when a policy for that year is loaded here."""

    campaign_year: int
    benefit_year: int
    year_label: str
    label: str
    period_label: str | None = None


def campaign_names(ws: Workspace, campaign_year: int) -> CampaignNames:
    """The benefit year of ``campaign_year``: from the policy loaded at the township, else
    from the villages' payments (each names its benefit year), else the next year."""
    try:
        active = active_campaign(ws).policy
    except Refused:
        active = None
    policy = active if active is not None and active.campaign_year == campaign_year else None
    if policy is None:
        row = ws.conn.execute("SELECT id FROM campaigns WHERE campaign_year = ? "
                              "ORDER BY loaded_at DESC LIMIT 1", (campaign_year,)).fetchone()
        policy = campaign_by_id(ws, row[0]).policy if row else None
    if policy is not None:
        return CampaignNames(campaign_year, policy.benefit_year, policy.year_label(),
                             policy.label(), policy.period_label())
    row = ws.conn.execute(
        "SELECT CAST(json_extract(payload, '$.benefit_year') AS INTEGER) FROM tw_events "
        "WHERE type = 'payment.collected' AND json_extract(payload, '$.campaign_year') = ? "
        "AND json_extract(payload, '$.benefit_year') IS NOT NULL LIMIT 1",
        (campaign_year,)).fetchone()
    benefit_year = int(row[0]) if row else campaign_year + 1
    name = benefit_year_label(benefit_year)
    return CampaignNames(campaign_year, benefit_year, name, name)


def load_ledger(ws: Workspace, *, lines: bool = False, roster: bool = False) -> Ledger:
    """Replay every stored village event that moves money or receipts.

    Each payment's lines and the villages' rosters only if asked: few callers need them, and
    at township scale they would be most of the time a replay takes.
    """
    ws.require_role("township", "查看各村账目")
    led = Ledger()
    with _collector_paused():
        for row in ws.conn.execute(_REPLAY, _MONEY_TYPES):
            typ = row[2]
            if typ == "payment.collected":
                _collected(led, row)
            else:
                _money_event(led, row[0], typ, row[3], row[4], json.loads(row[5]))
    if lines:
        grouped: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
        for device, seq, *values in ws.conn.execute(
                f"SELECT device_id, seq, {', '.join(LINE_FIELDS)} FROM tw_payment_lines "
                "ORDER BY device_id, seq, idx"):
            grouped[(device, seq)].append(dict(zip(LINE_FIELDS, values, strict=True)))
        for pay in led.events():
            pay.lines = grouped.get((pay.device_id, pay.seq), [])
    if roster:
        _replay_roster(led, ws.conn)
    return led


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The replay creates objects by the hundred thousand and frees none of them, so each
    pass of the cyclic garbage collector it triggers finds nothing, yet those passes were a
    quarter of the time (more in a process already holding much). Pause it meanwhile."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _collected(led: Ledger, row: tuple[Any, ...]) -> None:
    (device, seq, _typ, village, actor, sig, payment_id, year, amount, method, day, hh_no,
     group, series, number, receipt_label, printed) = row
    key = None if series is None else (series, int(number))
    pay = Payment(payment_id, device, seq, village, actor, int(year), int(amount), method, day,
                  "" if hh_no is None else str(hh_no), "" if group is None else str(group),
                  key, receipt_label, sig, printed=bool(printed))
    led.payments[payment_id] = pay
    if key is not None:
        led.receipts[key].append(pay)
        if series not in led.widths:
            led.widths[series] = max(1, len((receipt_label or "").rsplit(" ", 1)[-1]))


def _money_event(led: Ledger, device: str, typ: str, village: str, actor: str,
                 p: dict[str, Any]) -> None:
    if typ == "database.created":
        led.users[device] = village
    elif typ == "receipt.voided":
        key = (p["series"], int(p["number"]))
        if p.get("blank"):
            led.blanks[key] = (village, actor, p.get("reason", ""))
        else:
            led.void_reasons[key] = p.get("reason", "")
            if p.get("payment_id") in led.payments:
                led.payments[p["payment_id"]].cancelled = True
    elif typ == "receipt.lost":
        for n in range(int(p["first"]), int(p["last"]) + 1):
            led.lost[(p["series"], n)] = (village, actor)
    elif typ == "refund.made":
        led.refunds.append({**p, "device_id": device, "village": village, "collector": actor})
        led.refunded_fen[p.get("payment_id")] += int(p["amount_fen"])
        if p.get("payment_id") in led.payments:
            led.payments[p["payment_id"]].refunded_lines |= {p.get("payment_line_id")}
    elif typ == "deposit.recorded":
        led.deposits.append({**p, "device_id": device, "village": village, "collector": actor})
    elif typ == "book.registered":
        led.registered.append({**p, "device_id": device, "village": village})
        led.widths.setdefault(p["series"], int(p.get("width") or 8))
    elif typ == "sync.conflict_received":
        led.conflicts.append({**p, "device_id": device, "village": village})


def _replay_roster(led: Ledger, conn: Connection) -> None:
    """Households and persons from each device's roster events, in its order.

    A spreadsheet import journals ``roster.imported`` (possibly split into parts, each with
    the households its persons need); it adds, moves and re-files people like the single
    events do. Its categories are not replayed: the ledger keeps no person's category.
    """
    for village, typ, text in conn.execute(
            f"SELECT village, type, payload FROM tw_events "
            f"WHERE type IN ({','.join('?' * len(_ROSTER_TYPES))}) ORDER BY device_id, seq",
            _ROSTER_TYPES):
        p = json.loads(text)
        if typ == "roster.imported":
            for hh in p.get("households", []):
                _add_household(led, village, hh)
            for person in p.get("persons", []):
                _add_person(led, village, person)
            for update in p.get("updates", []):
                changes = update.get("changes") or {}
                if "household_no" in changes:
                    _move(led, update["person_id"], update.get("household_id"))
                if "status" in changes and update.get("person_id") in led.persons:
                    led.persons[update["person_id"]]["status"] = changes["status"]["to"]
        elif typ == "household.added":
            _add_household(led, village, p)
        elif typ == "household.updated":
            changes = p.get("changes") or {}
            if p.get("household_id") in led.households and "group" in changes:
                new = changes["group"]
                led.households[p["household_id"]]["group"] = \
                    new[-1] if isinstance(new, list) else new
        elif typ == "person.added":
            _add_person(led, village, p)
        elif typ == "person.status_changed" and p.get("person_id") in led.persons:
            led.persons[p["person_id"]]["status"] = p.get("to", "active")
        elif typ == "person.moved":
            _move(led, p.get("person_id"), p.get("to_household_id"))


def _add_household(led: Ledger, village: str, hh: dict[str, Any]) -> None:
    led.households[hh["household_id"]] = {"village": village, "no": hh["household_no"],
                                          "group": hh.get("group", "")}


def _add_person(led: Ledger, village: str, person: dict[str, Any]) -> None:
    led.persons[person["person_id"]] = {"household_id": person["household_id"],
                                        "status": person.get("status") or "active",
                                        "village": village}


def _move(led: Ledger, person_id: str | None, household_id: str | None) -> None:
    if person_id in led.persons:
        led.persons[person_id]["household_id"] = household_id


def label(led: Ledger, key: Key) -> str:
    return f"{key[0]} {key[1]:0{led.widths.get(key[0], 8)}d}"


def ranges(numbers: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for n in sorted(numbers):
        if out and n == out[-1][1] + 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out


def book_figures(led: Ledger, series: str, first: int, last: int) -> dict[str, Any]:
    """Every number of one book accounted for: issued, voided, unused, lost, gaps, amount."""
    issued = voided = lost = 0
    amount = refunds = 0
    used: set[int] = set()
    unconfirmed_voids: list[int] = []
    for n in range(first, last + 1):
        key = (series, n)
        pays = led.receipts.get(key, [])
        if key in led.lost:
            lost += 1
        elif key in led.blanks:
            voided += 1
            used.add(n)
            unconfirmed_voids.append(n)
        elif pays:
            used.add(n)
            if all(p.cancelled for p in pays):
                voided += 1
                unconfirmed_voids.append(n)
            else:
                issued += 1
                for p in pays:
                    if not p.cancelled:
                        amount += p.amount_fen
                        refunds += led.refunded_fen.get(p.payment_id, 0)
    high = max(used, default=None)
    gaps = [] if high is None else [n for n in range(first, high)
                                    if n not in used and (series, n) not in led.lost]
    return {"series": series, "first": first, "last": last, "issued": issued,
            "voided": voided, "lost": lost, "unused": last - first + 1 - issued - voided - lost,
            "amount_fen": amount, "refunds_fen": refunds, "gaps": ranges(gaps),
            "voided_numbers": unconfirmed_voids}
