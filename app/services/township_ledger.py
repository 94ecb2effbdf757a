"""The villages' ledgers as the township sees them: replayed from their verified journals.

Nothing here reads a village's tables (the township has none): payments, voids, losses,
refunds, deposits, prints and hand-registered books are rebuilt from the events in
``tw_events``, by the same rules the village's own ledger follows, so the township's figures
can be compared with each village's ``reconcile()`` to the fen.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from app.services.workspace import Workspace

Key = tuple[str, int]  # (series, number)


@dataclass
class Payment:
    payment_id: str
    device_id: str
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
    lines: list[dict[str, Any]]
    cancelled: bool = False
    printed: bool = False
    refunded_lines: set[str] = field(default_factory=set)


@dataclass
class Ledger:
    payments: dict[str, Payment] = field(default_factory=dict)
    receipts: dict[Key, list[Payment]] = field(default_factory=lambda: defaultdict(list))
    void_reasons: dict[Key, str] = field(default_factory=dict)
    blanks: dict[Key, tuple[str, str, str]] = field(default_factory=dict)  # village, collector, reason
    lost: dict[Key, tuple[str, str]] = field(default_factory=dict)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    deposits: list[dict[str, Any]] = field(default_factory=list)
    registered: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    households: dict[str, dict[str, Any]] = field(default_factory=dict)
    persons: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)  # device → village
    widths: dict[str, int] = field(default_factory=dict)  # series → digits

    def live_payments(self) -> list[Payment]:
        return [p for p in self.payments.values() if not p.cancelled]


_TYPES = ("database.created", "payment.collected", "receipt.voided", "receipt.lost",
          "receipt.printed", "refund.made", "deposit.recorded", "book.registered",
          "sync.conflict_received", "household.added", "household.updated", "person.added",
          "person.status_changed", "person.moved")


def load_ledger(ws: Workspace) -> Ledger:
    """Replay every stored village event of the types that move money, receipts or roster."""
    ws.require_role("township", "查看各村账目")
    led = Ledger()
    marks = ",".join("?" * len(_TYPES))
    rows = ws.conn.execute(
        f"SELECT device_id, village, type, payload, actor, receipt_sig FROM tw_events "
        f"WHERE type IN ({marks}) ORDER BY device_id, seq", _TYPES).fetchall()
    for device, village, typ, text, actor, sig in rows:
        p = json.loads(text)
        if typ == "database.created":
            led.users[device] = village
        elif typ == "payment.collected":
            receipt = p.get("receipt")
            key = (receipt["series"], int(receipt["number"])) if receipt else None
            hh = p.get("household") or {}
            pay = Payment(p["payment_id"], device, village, actor, int(p["campaign_year"]),
                          int(p["amount_fen"]), p["method"], p["business_date"],
                          str(hh.get("no", "")), str(hh.get("group", "")), key,
                          receipt.get("label") if receipt else None, sig, p.get("lines", []))
            led.payments[pay.payment_id] = pay
            if key is not None:
                led.receipts[key].append(pay)
                label = receipt.get("label", "")
                led.widths.setdefault(key[0], max(1, len(label.rsplit(" ", 1)[-1])))
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
        elif typ == "receipt.printed":
            for pay in led.receipts.get((p["series"], int(p["number"])), []):
                pay.printed = True
        elif typ == "refund.made":
            led.refunds.append({**p, "device_id": device, "village": village, "collector": actor})
            if p.get("payment_id") in led.payments:
                led.payments[p["payment_id"]].refunded_lines.add(p.get("payment_line_id"))
        elif typ == "deposit.recorded":
            led.deposits.append({**p, "device_id": device, "village": village,
                                 "collector": actor})
        elif typ == "book.registered":
            led.registered.append({**p, "device_id": device, "village": village})
            led.widths.setdefault(p["series"], int(p.get("width") or 8))
        elif typ == "sync.conflict_received":
            led.conflicts.append({**p, "device_id": device, "village": village})
        elif typ == "household.added":
            led.households[p["household_id"]] = {"village": village, "no": p["household_no"],
                                                 "group": p.get("group", "")}
        elif typ == "household.updated":
            changes = p.get("changes") or {}
            if p.get("household_id") in led.households and "group" in changes:
                new = changes["group"]
                led.households[p["household_id"]]["group"] = \
                    new[-1] if isinstance(new, list) else new
        elif typ == "person.added":
            led.persons[p["person_id"]] = {"household_id": p["household_id"],
                                           "status": "active", "village": village}
        elif typ == "person.status_changed" and p.get("person_id") in led.persons:
            led.persons[p["person_id"]]["status"] = p.get("to", "active")
        elif typ == "person.moved" and p.get("person_id") in led.persons:
            led.persons[p["person_id"]]["household_id"] = p.get("to_household_id")
    return led


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
    used: list[int] = []
    unconfirmed_voids: list[int] = []
    for n in range(first, last + 1):
        key = (series, n)
        pays = led.receipts.get(key, [])
        if key in led.lost:
            lost += 1
        elif key in led.blanks:
            voided += 1
            used.append(n)
            unconfirmed_voids.append(n)
        elif pays:
            used.append(n)
            if all(p.cancelled for p in pays):
                voided += 1
                unconfirmed_voids.append(n)
            else:
                issued += 1
                for p in pays:
                    if not p.cancelled:
                        amount += p.amount_fen
                        refunds += sum(int(r["amount_fen"]) for r in led.refunds
                                       if r.get("payment_id") == p.payment_id)
    high = max(used, default=None)
    gaps = [] if high is None else [n for n in range(first, high)
                                    if n not in used and (series, n) not in led.lost]
    return {"series": series, "first": first, "last": last, "issued": issued,
            "voided": voided, "lost": lost, "unused": last - first + 1 - issued - voided - lost,
            "amount_fen": amount, "refunds_fen": refunds, "gaps": ranges(gaps),
            "voided_numbers": unconfirmed_voids}
