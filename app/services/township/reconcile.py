"""票款人三线合一 across villages: per village and collector, from the villages' own journals.

Each village device's journal is folded by the one ledger model (``township_fold``), so the
figures are the village's ``reconcile()`` to the fen (cash collected excludes voided payments;
refunds are reported apart from the amount on receipts; cash on hand = collected − refunds paid
from cash − deposits). Problems are what the office must chase: every rule a village's journal
breaks as the fold names it (核销后仍有使用 among them), number gaps, receipts not printed, cash
held too long, people enrolled twice, receipts whose signature does not verify, deposits and
non-cash receipts without a bank credit, refund requests the office has not paid, broken
chains, books registered by hand that differ from what was issued.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from typing import Any

from app.domain import events as ev
from app.domain import ledger_views as views
from app.domain.bulk import collector_paused
from app.domain.idcard import mask_id_number
from app.domain.ledger import book_gaps
from app.domain.money import format_fen
from app.domain.roster import METHODS
from app.services.base.common import business_date, utc_now
from app.services.base.roles import requires_role
from app.services.base.settings import get_setting
from app.services.base.workspace import Workspace
from app.services.township.ledger import (
    DeviceLedger,
    Ledger,
    campaign_names,
    label,
    load_ledger,
    refunded_fen,
)
from app.services.views.villages import VillageNames, village_namer
from db import journal

_FIGURES = ("receipts", "voids", "lost", "refunds", "amount_fen", "refunds_fen",
            "cash_collected_fen", "cash_refunded_fen", "deposited_fen", "on_hand_fen",
            "matched_fen", "noncash_fen", "noncash_matched_fen", "township_refunds_fen")

USED_AFTER_SETTLEMENT = "核销后仍有使用"


def _books(ws: Workspace, led: Ledger) -> list[dict[str, Any]]:
    """Each distinct book: issued by the township and/or registered by a village device."""
    seen: dict[tuple[str, int, int], dict[str, Any]] = {}
    for aid, series, first, last, village, collector in ws.conn.execute(
            "SELECT id, series, first_no, last_no, village, collector FROM tw_issues"):
        seen[(series, first, last)] = {"allocation_id": aid, "village": village,
                                       "collector": collector, "registered": False}
    for dev in led.devices.values():
        for b in dev.state.books.values():
            book = seen.setdefault((b.series, b.first, b.last), {
                "allocation_id": None, "village": dev.village, "collector": b.collector,
                "registered": True})
            book["registered"] = True
            book["hand"] = book["allocation_id"] is None or (book["village"], book["collector"]) \
                != (dev.village, b.collector)
    return [{"series": s, "first": a, "last": b, **v} for (s, a, b), v in seen.items()]


def _problem(out: list[dict[str, Any]], village: str, collector: str, kind: str,
             message: str, receipt: str | None = None, **where: Any) -> None:
    out.append({"village": village, "collector": collector, "kind": kind, "message": message,
                "receipt": receipt, **where})


def _cash_ages(led: Ledger) -> dict[tuple[str, str], date | None]:
    """Per village and collector, the oldest business day whose cash is not yet covered by
    cash refunds and deposits (FIFO); None when all of it is."""
    daily: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    covered: dict[tuple[str, str], int] = defaultdict(int)
    for dev in led.devices.values():
        for p in dev.live_payments():
            if p.method == "cash":
                daily[(dev.village, p.collector)][p.business_date] += p.amount_fen
        for r in dev.state.refunds.values():
            if r.paid_by == "cash":
                covered[(dev.village, dev.refund_acts[r.refund_id].actor)] += r.amount_fen
        for act, d in dev.deposits:
            covered[(dev.village, act.actor)] += d.amount_fen
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


def _ledger_problems(dev: DeviceLedger, problems: list[dict[str, Any]]) -> None:
    """Every rule the device's journal breaks, as the fold named it, by village and event."""
    for problem in dev.state.problems:
        kind = "used_after_settlement" if USED_AFTER_SETTLEMENT in problem.message else "ledger"
        _problem(problems, dev.village, dev.actors.get(problem.seq, ""), kind,
                 f"第 {problem.seq} 条记录：{problem.message}", device_id=dev.device_id,
                 seq=problem.seq)


@requires_role("township", "核对各村账目")
def reconcile_villages(ws: Workspace, *, today: date | None = None) -> dict[str, Any]:
    """The township's table: per village and collector, the figures and every problem."""
    with collector_paused():
        return _reconcile(ws, load_ledger(ws), today)


def _reconcile(ws: Workspace, led: Ledger, today: date | None) -> dict[str, Any]:
    day = today or business_date(utc_now())
    max_days = int(get_setting(ws, "cash_max_days"))
    rows: dict[tuple[str, str], dict[str, Any]] = defaultdict(lambda: dict.fromkeys(_FIGURES, 0))
    problems: list[dict[str, Any]] = []
    deposit_matches = {(d, dep) for d, dep in ws.conn.execute(
        "SELECT device_id, deposit_id FROM tw_deposit_matches")}
    noncash_matches = {(d, pid) for d, pid in ws.conn.execute(
        "SELECT device_id, payment_id FROM tw_noncash_matches")}
    refunds_paid = {(d, rid) for d, rid in ws.conn.execute(
        "SELECT device_id, refund_id FROM tw_refund_payments")}
    for dev in led.devices.values():
        _ledger_problems(dev, problems)
        for p in dev.state.payments.values():
            row = rows[(dev.village, p.collector)]
            facts = dev.facts.get(p.payment_id)
            receipt = facts.label if facts else None
            if p.receipt is not None:
                if p.cancelled:
                    row["voids"] += 1
                else:
                    row["receipts"] += 1
                    row["amount_fen"] += p.amount_fen
            if not p.cancelled and p.method == "cash":
                row["cash_collected_fen"] += p.amount_fen
            elif not p.cancelled and p.amount_fen > 0:
                row["noncash_fen"] += p.amount_fen
                if (dev.device_id, p.payment_id) in noncash_matches:
                    row["noncash_matched_fen"] += p.amount_fen
                else:
                    age = (day - date.fromisoformat(p.business_date)).days
                    ref = facts.method_ref if facts and facts.method_ref else "未填"
                    _problem(problems, dev.village, p.collector, "noncash_unmatched",
                             f"{METHODS.get(p.method, p.method)}收款 票据 {receipt} "
                             f"{format_fen(p.amount_fen, symbol=True)}（交易号 {ref}，"
                             f"{p.business_date}）未与银行到账核对（{age} 天）", receipt,
                             device_id=dev.device_id, payment_id=p.payment_id, days=age)
            if p.receipt is not None and not p.cancelled and not dev.printed(p):
                _problem(problems, dev.village, p.collector, "pending_print",
                         f"票据 {receipt} 待打印：尚未确认打印", receipt)
            if facts is not None and facts.sig == "bad":
                _problem(problems, dev.village, p.collector, "bad_signature",
                         f"票据 {receipt} 的签名校验失败：收据可能是伪造或被改动的", receipt)
        for act, _reason in dev.blanks.values():
            rows[(dev.village, act.actor)]["voids"] += 1
        for act in dev.lost.values():
            rows[(dev.village, act.actor)]["lost"] += 1
        for r in dev.state.refunds.values():
            act = dev.refund_acts[r.refund_id]
            row = rows[(dev.village, act.actor)]
            row["refunds"] += 1
            row["refunds_fen"] += r.amount_fen
            if r.paid_by == "cash":
                row["cash_refunded_fen"] += r.amount_fen
            elif r.paid_by == "township":
                row["township_refunds_fen"] += r.amount_fen
                if (dev.device_id, r.refund_id) not in refunds_paid:
                    lbl = dev.label((r.series, r.number)) if r.series is not None \
                        and r.number is not None else None
                    _problem(problems, dev.village, act.actor, "refund_unpaid",
                             f"退费申请未支付：{mask_id_number(r.id_number)} 票据 {lbl} 退 "
                             f"{format_fen(r.amount_fen, symbol=True)}（{r.business_date} 申请，"
                             "由乡镇财政所退付）", lbl, device_id=dev.device_id,
                             refund_id=r.refund_id)
        for act, d in dev.deposits:
            row = rows[(dev.village, act.actor)]
            row["deposited_fen"] += d.amount_fen
            if (dev.device_id, d.deposit_id) in deposit_matches:
                row["matched_fen"] += d.amount_fen
            else:
                _problem(problems, dev.village, act.actor, "deposit_without_credit",
                         f"缴款单 {d.slip_no}（{d.deposit_date}，"
                         f"{format_fen(d.amount_fen, symbol=True)}）没有对应的银行到账")
    cash_ages = _cash_ages(led)
    for (village, collector), row in rows.items():
        row["on_hand_fen"] = row["cash_collected_fen"] - row["cash_refunded_fen"] \
            - row["deposited_fen"]
        oldest = cash_ages.get((village, collector))
        if oldest is not None and (day - oldest).days > max_days:
            _problem(problems, village, collector, "cash_held",
                     f"{collector} 有 {(day - oldest).days} 天前收的现金尚未缴存（限 {max_days} 天），"
                     f"在手 {format_fen(row['on_hand_fen'], symbol=True)}")
    for dev in led.devices.values():
        for book, a, b in book_gaps(dev.state):
            span = label(led, (book.series, a)) + ("" if a == b else f"–{b}")
            _problem(problems, dev.village, book.collector, "gap",
                     f"票据 {span} 跳号：既未使用也未作废或登记遗失", span)
    _countersigned_problems(ws, problems)
    for book in _books(ws, led):
        if book.get("hand"):
            _problem(problems, book["village"], book["collector"], "book_mismatch",
                     f"票据 {book['series']} {book['first']}–{book['last']} 是村里手工登记的，"
                     "与财政所的领用记录不符")
    _duplicates(ws, led, problems)
    for village, message in ws.conn.execute(
            "SELECT village, message FROM tw_ingest_problems ORDER BY id"):
        _problem(problems, village, "", "chain", message)
    names = village_namer(ws)
    for p in problems:  # read by a person: the village by its name
        p["village_name"] = names.label(p["village"])
    per_collector = Counter((p["village"], p["collector"]) for p in problems)
    per_village = Counter(p["village"] for p in problems)
    villages: dict[str, dict[str, Any]] = {}
    for (village, collector), row in sorted(rows.items()):
        v = villages.setdefault(village, {"village": village,
                                          "village_name": names.label(village), "collectors": [],
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
    payments: dict[tuple[str, int], tuple[int, DeviceLedger, Any]] = {}
    for order, (dev, p) in enumerate(led.live_payments()):
        if (dev.device_id, p.seq) in events:
            payments[(dev.device_id, p.seq)] = (order, dev, p)
    live = []
    for device, seq, idx, line_id, year, id_type, number in candidates:
        held = payments.get((device, seq))
        if held is not None and line_id not in held[2].refunded_lines:
            live.append((held[0], idx, (year, id_type, number), held[1], held[2]))
    live.sort(key=lambda held: held[:2])
    holders: dict[tuple[int, str, str], list[tuple[str, str, str]]] = defaultdict(list)
    for _order, _idx, key, dev, p in live:
        facts = dev.facts.get(p.payment_id)
        holders[key].append((dev.village, p.collector,
                             (facts.label if facts else None) or "（全额资助）"))
    year_labels: dict[int, str] = {}
    names: VillageNames | None = None  # read only when there is a duplicate to name
    for (year, _t, number), held in holders.items():
        if len(held) > 1:
            if year not in year_labels:  # the benefit year's name, as on the receipts
                year_labels[year] = campaign_names(ws, year).year_label
            names = names or village_namer(ws)
            where = "、".join(f"{names.label(v)} {lbl}" for v, _c, lbl in held)
            for village, collector, lbl in held:
                _problem(problems, village, collector, "duplicate_enrolment",
                         f"{number[:6]}********{number[-4:]} {year_labels[year]}重复参保：{where}",
                         lbl)
    for dev in led.devices.values():
        refunded_lines = {r.payment_line_id for r in dev.state.refunds.values()}
        for _act, c in dev.conflicts:
            pay = dev.state.payments.get(c.payment_id)
            if c.line_id in refunded_lines or (pay is not None and pay.cancelled):
                continue
            _problem(problems, dev.village, pay.collector if pay else "", "county_conflict",
                     f"县医保通知未处理：{c.message}", c.receipt)


@requires_role("township", "查看村里的票据")
def village_receipts(ws: Workspace, village: str,
                     collector: str | None = None) -> list[dict[str, Any]]:
    """Drill-down: every receipt of a village (or one collector) with its state and checks."""
    led = load_ledger(ws)
    issued: list[tuple[tuple[str, int], dict[str, Any]]] = []
    blanks: list[tuple[tuple[str, int], dict[str, Any]]] = []
    for dev in led.devices.values():
        if dev.village != village:
            continue
        refunds = refunded_fen(dev)
        for p in dev.state.payments.values():
            key = p.receipt
            if key is None or (collector and p.collector != collector):
                continue
            facts = dev.facts.get(p.payment_id)
            issued.append((key, {
                "receipt": facts.label if facts else dev.label(key), "series": key[0],
                "number": key[1], "collector": p.collector,
                "household_no": facts.household_no if facts else "",
                "group": facts.group if facts else "", "business_date": p.business_date,
                "method": p.method, "amount_fen": p.amount_fen,
                "state": "voided" if p.cancelled else "issued",
                "void_reason": dev.void_reasons.get(key) if p.cancelled else None,
                "printed": dev.printed(p), "signature": facts.sig if facts else "none",
                "refunds_fen": refunds.get(p.payment_id, 0), "members": len(p.lines)}))
        for key, (act, reason) in dev.blanks.items():
            if not collector or act.actor == collector:
                blanks.append((key, {
                    "receipt": label(led, key), "series": key[0], "number": key[1],
                    "collector": act.actor, "household_no": "", "group": "",
                    "business_date": "", "method": "", "amount_fen": 0,
                    "state": "blank_voided", "void_reason": reason, "printed": False,
                    "signature": "none", "refunds_fen": 0, "members": 0}))
    issued.sort(key=lambda held: held[0])
    blanks.sort(key=lambda held: held[0])
    return [entry for _key, entry in issued + blanks]


_COUNTERSIGNED_WORDS = {
    "differs": "本所收到的该设备日志与县医保确认的不符：日志被改写（村里给县和给乡镇的不是同一份）",
    "forged": "数据包中的县医保确认签名无效：不是县医保签发的",
}


def _countersigned_problems(ws: Workspace, problems: list[dict[str, Any]]) -> None:
    """The newest county countersignature each village's bundle brought, where the journal
    the township holds does not agree with it."""
    latest: dict[str, views.TownshipCountersignatureSeen] = {}
    for event in journal.iter_ledger_events(
            ws.conn, types=(views.TownshipCountersignatureSeen.TYPE,)):
        if not isinstance(event.payload, ev.Other):
            continue
        try:
            seen = views.parse_township(event.type, event.payload.raw)
        except ev.EventFormatError:
            continue
        if isinstance(seen, views.TownshipCountersignatureSeen):
            latest[seen.device_id] = seen
    for seen in latest.values():
        if seen.verdict in _COUNTERSIGNED_WORDS:
            _problem(problems, seen.village, "", "countersignature_mismatch",
                     f"县医保确认到第 {seen.seq} 条：{_COUNTERSIGNED_WORDS[seen.verdict]}",
                     device_id=seen.device_id, seq=seen.seq)
