"""票款人三线合一 across villages: per village and collector, from the villages' own journals.

The figures follow the village's ``reconcile()`` rules exactly (cash collected excludes voided
payments; refunds are reported apart from the amount on receipts; cash on hand = collected −
cash refunds − deposits), so the township's totals for a village equal that village's own to
the fen. Problems are what the office must chase: number gaps, receipts not printed, cash held
too long, people enrolled twice, receipts whose signature does not verify, deposits without a
bank credit, broken chains, books registered by hand that differ from what was issued.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from typing import Any

from app.domain.money import format_fen
from app.services.common import business_date, utc_now
from app.services.settings import get_setting
from app.services.township_ledger import (
    Ledger,
    book_figures,
    campaign_names,
    label,
    load_ledger,
)
from app.services.workspace import Workspace

_FIGURES = ("receipts", "voids", "lost", "refunds", "amount_fen", "refunds_fen",
            "cash_collected_fen", "cash_refunded_fen", "deposited_fen", "on_hand_fen",
            "matched_fen")


def _books(ws: Workspace, led: Ledger) -> list[dict[str, Any]]:
    """Each distinct book: issued by the township and/or registered by a village device."""
    seen: dict[tuple[str, int, int], dict[str, Any]] = {}
    for aid, series, first, last, village, collector in ws.conn.execute(
            "SELECT id, series, first_no, last_no, village, collector FROM tw_issues"):
        seen[(series, first, last)] = {"allocation_id": aid, "village": village,
                                       "collector": collector, "registered": False}
    for r in led.registered:
        key = (r["series"], int(r["first"]), int(r["last"]))
        book = seen.setdefault(key, {"allocation_id": None, "village": r["village"],
                                     "collector": r["collector"], "registered": True})
        book["registered"] = True
        book["hand"] = book["allocation_id"] is None or (book["village"], book["collector"]) \
            != (r["village"], r["collector"])
    return [{"series": s, "first": a, "last": b, **v} for (s, a, b), v in seen.items()]


def _problem(out: list[dict[str, Any]], village: str, collector: str, kind: str,
             message: str, receipt: str | None = None) -> None:
    out.append({"village": village, "collector": collector, "kind": kind, "message": message,
                "receipt": receipt})


def _cash_ages(led: Ledger) -> dict[tuple[str, str], date | None]:
    """Per village and collector, the oldest business day whose cash is not yet covered by
    cash refunds and deposits (FIFO); None when all of it is."""
    daily: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for p in led.live_payments():
        if p.method == "cash":
            daily[(p.village, p.collector)][p.business_date] += p.amount_fen
    covered: dict[tuple[str, str], int] = defaultdict(int)
    for r in led.refunds:
        if r.get("method") == "cash":
            covered[(r["village"], r["collector"])] += int(r["amount_fen"])
    for d in led.deposits:
        covered[(d["village"], d["collector"])] += int(d["amount_fen"])
    oldest: dict[tuple[str, str], date | None] = {}
    for who, days in daily.items():
        left = covered[who]
        oldest[who] = None
        for day in sorted(days):
            if left < days[day]:
                oldest[who] = date.fromisoformat(day)
                break
            left -= days[day]
    return oldest


def reconcile_villages(ws: Workspace, *, today: date | None = None) -> dict[str, Any]:
    """The township's table: per village and collector, the figures and every problem."""
    led = load_ledger(ws)
    day = today or business_date(utc_now())
    max_days = int(get_setting(ws, "cash_max_days"))
    rows: dict[tuple[str, str], dict[str, Any]] = defaultdict(lambda: dict.fromkeys(_FIGURES, 0))
    problems: list[dict[str, Any]] = []
    for p in led.payments.values():
        row = rows[(p.village, p.collector)]
        if p.receipt is not None:
            if p.cancelled:
                row["voids"] += 1
            else:
                row["receipts"] += 1
                row["amount_fen"] += p.amount_fen
        if p.method == "cash" and not p.cancelled:
            row["cash_collected_fen"] += p.amount_fen
        if p.receipt is not None and not p.cancelled and not p.printed:
            _problem(problems, p.village, p.collector, "pending_print",
                     f"票据 {p.label} 待打印：尚未确认打印", p.label)
        if p.sig == "bad":
            _problem(problems, p.village, p.collector, "bad_signature",
                     f"票据 {p.label} 的签名校验失败：收据可能是伪造或被改动的", p.label)
    for (village, collector, _reason) in led.blanks.values():
        rows[(village, collector)]["voids"] += 1
    for (village, collector) in led.lost.values():
        rows[(village, collector)]["lost"] += 1
    for r in led.refunds:
        row = rows[(r["village"], r["collector"])]
        row["refunds"] += 1
        row["refunds_fen"] += int(r["amount_fen"])
        if r.get("method") == "cash":
            row["cash_refunded_fen"] += int(r["amount_fen"])
    matched = {(d, dep) for d, dep in ws.conn.execute(
        "SELECT device_id, deposit_id FROM tw_deposit_matches")}
    for d in led.deposits:
        row = rows[(d["village"], d["collector"])]
        row["deposited_fen"] += int(d["amount_fen"])
        if (d["device_id"], d["deposit_id"]) in matched:
            row["matched_fen"] += int(d["amount_fen"])
        else:
            _problem(problems, d["village"], d["collector"], "deposit_without_credit",
                     f"缴款单 {d['slip_no']}（{d['deposit_date']}，"
                     f"{format_fen(int(d['amount_fen']), symbol=True)}）没有对应的银行到账")
    cash_ages = _cash_ages(led)
    for (village, collector), row in rows.items():
        row["on_hand_fen"] = row["cash_collected_fen"] - row["cash_refunded_fen"] \
            - row["deposited_fen"]
        oldest = cash_ages.get((village, collector))
        if oldest is not None and (day - oldest).days > max_days:
            _problem(problems, village, collector, "cash_held",
                     f"{collector} 有 {(day - oldest).days} 天前收的现金尚未缴存（限 {max_days} 天），"
                     f"在手 {format_fen(row['on_hand_fen'], symbol=True)}")
    for book in _books(ws, led):
        fig = book_figures(led, book["series"], book["first"], book["last"])
        for a, b in fig["gaps"]:
            span = label(led, (book["series"], a)) + ("" if a == b else f"–{b}")
            _problem(problems, book["village"], book["collector"], "gap",
                     f"票据 {span} 跳号：既未使用也未作废或登记遗失", span)
        if book.get("hand"):
            _problem(problems, book["village"], book["collector"], "book_mismatch",
                     f"票据 {book['series']} {book['first']}–{book['last']} 是村里手工登记的，"
                     "与财政所的领用记录不符")
    _duplicates(ws, led, problems)
    for village, message in ws.conn.execute(
            "SELECT village, message FROM tw_ingest_problems ORDER BY id"):
        _problem(problems, village, "", "chain", message)
    per_collector = Counter((p["village"], p["collector"]) for p in problems)
    per_village = Counter(p["village"] for p in problems)
    villages: dict[str, dict[str, Any]] = {}
    for (village, collector), row in sorted(rows.items()):
        v = villages.setdefault(village, {"village": village, "collectors": [],
                                          **dict.fromkeys(_FIGURES, 0)})
        v["collectors"].append({"collector": collector, **row,
                                "problems": per_collector[(village, collector)]})
        for k in _FIGURES:
            v[k] += row[k]
    for v in villages.values():
        v["problems"] = per_village[v["village"]]
    totals = {k: sum(v[k] for v in villages.values()) for k in _FIGURES}
    return {"villages": list(villages.values()), "totals": totals, "problems": problems,
            "devices": [{"device_id": d, "village": v} for d, v in led.users.items()]}


def _duplicates(ws: Workspace, led: Ledger, problems: list[dict[str, Any]]) -> None:
    """The same person with two live enrolments in one year, and the county's open notices."""
    # Only lines whose person and year occur more than once can be duplicates: the database
    # finds them with its index of lines by year and person, instead of every line being read
    # and grouped here.
    candidates = ws.conn.execute(
        "SELECT device_id, seq, idx, line_id, campaign_year, id_type, id_number "
        "FROM tw_payment_lines JOIN (SELECT campaign_year, id_type, id_number "
        "FROM tw_payment_lines GROUP BY campaign_year, id_type, id_number "
        "HAVING count(*) > 1) USING (campaign_year, id_type, id_number)").fetchall()
    events = {(device, seq) for device, seq, *_ in candidates}
    # Live payments in the ledger's order, so problems come out as a full replay lists them.
    payments = {(p.device_id, p.seq): (i, p) for i, p in enumerate(led.live_payments())
                if (p.device_id, p.seq) in events}
    live = []
    for device, seq, idx, line_id, year, id_type, number in candidates:
        order, p = payments.get((device, seq), (None, None))
        if p is not None and line_id not in p.refunded_lines:
            live.append((order, idx, (year, id_type, number), p))
    live.sort(key=lambda held: held[:2])
    holders: dict[tuple[int, str, str], list[tuple[str, str, str]]] = defaultdict(list)
    for _order, _idx, key, p in live:
        holders[key].append((p.village, p.collector, p.label or "（全额资助）"))
    year_labels: dict[int, str] = {}
    for (year, _t, number), held in holders.items():
        if len(held) > 1:
            if year not in year_labels:  # the benefit year's name, as on the receipts
                year_labels[year] = campaign_names(ws, year).year_label
            where = "、".join(f"{v} {lbl}" for v, _c, lbl in held)
            for village, collector, lbl in held:
                _problem(problems, village, collector, "duplicate_enrolment",
                         f"{number[:6]}********{number[-4:]} {year_labels[year]}重复参保：{where}",
                         lbl)
    refunded_lines = {r.get("payment_line_id") for r in led.refunds}
    for c in led.conflicts:
        pay = led.payments.get(c.get("payment_id", ""))
        if c.get("line_id") in refunded_lines or (pay is not None and pay.cancelled):
            continue
        _problem(problems, c["village"], pay.collector if pay else "", "county_conflict",
                 f"县医保通知未处理：{c.get('message', '')}", c.get("receipt"))


def village_receipts(ws: Workspace, village: str,
                     collector: str | None = None) -> list[dict[str, Any]]:
    """Drill-down: every receipt of a village (or one collector) with its state and checks."""
    led = load_ledger(ws, lines=True)
    out = []
    for key, pays in sorted(led.receipts.items()):
        for p in pays:
            if p.village != village or (collector and p.collector != collector):
                continue
            out.append({"receipt": p.label, "series": key[0], "number": key[1],
                        "collector": p.collector, "household_no": p.household_no,
                        "group": p.group, "business_date": p.business_date,
                        "method": p.method, "amount_fen": p.amount_fen,
                        "state": "voided" if p.cancelled else "issued",
                        "void_reason": led.void_reasons.get(key) if p.cancelled else None,
                        "printed": p.printed, "signature": p.sig,
                        "refunds_fen": led.refunded_fen.get(p.payment_id, 0),
                        "members": len(p.lines)})
    for key, (v, c, reason) in sorted(led.blanks.items()):
        if v == village and (not collector or c == collector):
            out.append({"receipt": label(led, key), "series": key[0], "number": key[1],
                        "collector": c, "household_no": "", "group": "", "business_date": "",
                        "method": "", "amount_fen": 0, "state": "blank_voided",
                        "void_reason": reason, "printed": False, "signature": "none",
                        "refunds_fen": 0, "members": 0})
    return out
