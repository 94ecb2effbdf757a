"""票款人三线合一: reconcile books, money and collector; the ledger invariants for `verify`.

Two independent views must agree: the state tables, and a replay of the journal. `verify`
checks both the table invariants and that replaying the journal gives the same receipts,
payments and cash.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any

from app.domain import events as ev
from app.domain.events import RefundMade
from app.domain.ledger import LedgerState, number_ranges
from app.domain.money import format_fen
from app.services.base.roles import any_role
from app.services.base.workspace import Workspace
from app.services.village.cash import cash_position
from db.connection import Connection


@any_role
def book_summaries(ws: Workspace) -> list[dict[str, Any]]:
    """Per book: issued, voided, unused, lost numbers and the amount on issued receipts."""
    conn = ws.conn
    out = []
    for book_id, series, first, last, width, collector in conn.execute(
            "SELECT id, series, first_no, last_no, width, collector FROM receipt_books "
            "ORDER BY registered_at, series, first_no").fetchall():
        counts = Counter()
        for state, voided in conn.execute(
                "SELECT n.state, v.number IS NOT NULL FROM receipt_numbers n LEFT JOIN "
                "receipt_voids v ON v.series = n.series AND v.number = n.number "
                "WHERE n.book_id = ?", (book_id,)):
            if state == "lost":
                counts["lost"] += 1
            elif state == "skipped" or voided:
                counts["voided"] += 1
            else:
                counts["issued"] += 1
        amount = conn.execute(
            "SELECT coalesce(sum(p.amount_fen), 0) FROM payments p WHERE p.book_id = ? AND NOT "
            "EXISTS (SELECT 1 FROM payment_cancellations c WHERE c.payment_id = p.id)",
            (book_id,)).fetchone()[0]
        refunds = conn.execute(
            "SELECT coalesce(sum(r.amount_fen), 0) FROM refunds r JOIN payments p "
            "ON p.id = r.payment_id WHERE p.book_id = ?", (book_id,)).fetchone()[0]
        used = counts["issued"] + counts["voided"] + counts["lost"]
        out.append({"series": series, "first": first, "last": last, "width": width,
                    "collector": collector, "issued": counts["issued"],
                    "voided": counts["voided"], "unused": last - first + 1 - used,
                    "lost": counts["lost"], "amount_fen": amount, "refunds_fen": refunds})
    return out


@any_role
def reconcile(ws: Workspace, *, today: date | None = None) -> dict[str, Any]:
    """The township's and the clerk's check: books, cash, and every problem found."""
    cash = cash_position(ws, today=today)
    problems = list(cash.warnings)
    for series, number, width in ws.conn.execute(
            "SELECT n.series, n.number, (SELECT width FROM receipt_books b WHERE b.id = "
            "n.book_id) FROM receipt_numbers n WHERE n.state = 'issued' "
            "AND NOT EXISTS (SELECT 1 FROM receipt_voids v WHERE v.series = n.series "
            "AND v.number = n.number) AND NOT EXISTS (SELECT 1 FROM receipt_prints r "
            "WHERE r.series = n.series AND r.number = n.number) ORDER BY n.series, n.number"):
        problems.append(f"票据 {series} {number:0{width}d} 待打印：尚未确认打印")
    problems.extend(_gap_problems(ws.conn))
    led = ws.ledger()
    if cash.on_hand_fen < 0:
        problems.append(f"现金在手为负数（¥{format_fen(cash.on_hand_fen)}）：请核对")
    township_refunds = [r for r in led.refunds.values() if r.paid_by == "township"]
    return {
        "books": book_summaries(ws),
        "cash": {k: v for k, v in cash.to_dict().items() if k.endswith("_fen")},
        "noncash": {"collected_fen": led.noncash.collected_fen,
                    "refunded_fen": led.noncash.refunded_fen,
                    "by_method": dict(sorted(led.noncash_by_method.items()))},
        "receipts_fen": led.receipts_fen,
        "refunds": {"count": len(led.refunds),
                    "cash_fen": led.cash.refunded_fen,
                    "township_fen": sum(r.amount_fen for r in township_refunds),
                    "by_reason": _refunds_by_reason(led.refunds.values())},
        "oldest_undeposited": cash.to_dict()["oldest_undeposited"],
        "problems": problems,
    }


def _refunds_by_reason(refunds: Iterable[RefundMade]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in refunds:
        out[r.reason] = out.get(r.reason, 0) + r.amount_fen
    return dict(sorted(out.items()))


def _gap_problems(conn: Connection) -> list[str]:
    problems = []
    for book_id, series, first, last, width in conn.execute(
            "SELECT id, series, first_no, last_no, width FROM receipt_books").fetchall():
        high = conn.execute("SELECT max(number) FROM receipt_numbers WHERE book_id = ? "
                               "AND state != 'lost'", (book_id,)).fetchone()[0]
        if high is None:
            continue
        present = {n for (n,) in conn.execute(
            "SELECT number FROM receipt_numbers WHERE book_id = ? AND number <= ?",
            (book_id, high))}
        missing = [n for n in range(first, high + 1) if n not in present]
        for a, b in number_ranges(missing):
            span = f"{a:0{width}d}" if a == b else f"{a:0{width}d}–{b:0{width}d}"
            problems.append(f"票据 {series} {span} 跳号：既未使用也未作废或登记遗失")
        outside = conn.execute("SELECT count(*) FROM receipt_numbers WHERE book_id = ? "
                                  "AND (number < ? OR number > ?)",
                                  (book_id, first, last)).fetchone()[0]
        if outside:
            problems.append(f"票据 {series} 有 {outside} 个票号超出本票据范围")
    return problems


def table_invariants(c: Connection) -> list[str]:
    """The state tables' own invariants (SQL only: verify runs them on a connection of their
    own beside the fold, since SQLite lets go of the interpreter while it works)."""
    problems = _gap_problems(c)
    checks = [
        ("已开具的票号没有对应的收款，或收款的票号不一致",
         "SELECT count(*) FROM receipt_numbers n LEFT JOIN payments p ON p.id = n.payment_id "
         "WHERE n.state = 'issued' AND (p.id IS NULL OR p.series != n.series "
         "OR p.number != n.number)"),
        ("收款金额大于 0 却没有开具票号",
         "SELECT count(*) FROM payments p WHERE p.series IS NOT NULL AND NOT EXISTS (SELECT 1 "
         "FROM receipt_numbers n WHERE n.series = p.series AND n.number = p.number "
         "AND n.state = 'issued' AND n.payment_id = p.id)"),
        ("收款金额与明细合计不符",
         "SELECT count(*) FROM payments p WHERE p.amount_fen != (SELECT coalesce(sum("
         "payable_fen), 0) FROM payment_lines l WHERE l.payment_id = p.id)"),
        ("收款没有明细", "SELECT count(*) FROM payments p WHERE NOT EXISTS (SELECT 1 FROM "
         "payment_lines l WHERE l.payment_id = p.id)"),
        ("收款员不是本数据库的用户",
         "SELECT count(*) FROM payments p WHERE p.collector NOT IN (SELECT name FROM users)"),
        ("作废记录指向未开具的票号",
         "SELECT count(*) FROM receipt_voids v JOIN receipt_numbers n ON n.series = v.series "
         "AND n.number = v.number WHERE n.state != 'issued'"),
        ("票据作废与收款撤销不一致",
         "SELECT count(*) FROM payments p WHERE p.series IS NOT NULL AND (EXISTS (SELECT 1 FROM "
         "receipt_voids v WHERE v.series = p.series AND v.number = p.number)) != (EXISTS "
         "(SELECT 1 FROM payment_cancellations x WHERE x.payment_id = p.id))"),
        ("同一人在同一征缴年度有两条有效参保记录",
         "SELECT count(*) FROM (SELECT e.person_id FROM enrolments e JOIN campaigns c ON "
         "c.id = e.campaign_id WHERE NOT EXISTS (SELECT 1 FROM enrolment_ends x WHERE "
         "x.enrolment_id = e.id) GROUP BY e.person_id, c.campaign_year HAVING count(*) > 1)"),
        # Driven from the few voided payments and refunds, not from every enrolment ever made.
        ("已作废或已退费的参保记录仍然有效",
         "SELECT count(*) FROM enrolments e WHERE e.payment_line_id IN ("
         "SELECT l.id FROM payment_lines l WHERE l.payment_id IN "
         "(SELECT payment_id FROM payment_cancellations) "
         "UNION ALL SELECT r.payment_line_id FROM refunds r) "
         "AND NOT EXISTS (SELECT 1 FROM enrolment_ends x WHERE x.enrolment_id = e.id)"),
        ("退费金额与缴费明细不符",
         "SELECT count(*) FROM refunds r JOIN payment_lines l ON l.id = r.payment_line_id "
         "WHERE r.amount_fen != l.payable_fen OR r.payment_id != l.payment_id"),
    ]
    for message, sql in checks:
        bad = c.execute(sql).fetchone()[0]
        if bad:
            problems.append(f"{message}（{bad} 处）")
    return problems


# What verify folds: every ledger event but the prints, which no invariant reads and which
# are as many as the receipts.
VERIFY_TYPES = frozenset(ev.LEDGER_TYPES) - {ev.ReceiptPrinted.TYPE}


@any_role
def journal_invariants(ws: Workspace, led: LedgerState) -> list[str]:
    """What the fold of the journal (``led``, built by verify while it checked the chain)
    names, and whether the state tables say what the journal says (receipts, payments,
    voids, cash)."""
    problems = [f"第 {p.seq} 条事件：{p.message}" for p in led.problems]
    problems.extend(led.end_problems())
    journal_payments = {pid: (p.amount_fen, p.method, p.receipt)
                        for pid, p in led.payments.items()}
    table_payments = {pid: (amt, method, (s, n) if s is not None else None) for pid, amt, method,
                      s, n in ws.conn.execute(
                          "SELECT id, amount_fen, method, series, number FROM payments")}
    if table_payments != journal_payments:
        diff = set(table_payments.items()) ^ set(journal_payments.items())
        problems.append(f"收款记录与日志不一致（{len(diff)} 处）")
    by_state: dict[str, set[tuple[str, int]]] = {"issued": set(), "voided": set(),
                                                 "skipped": set(), "lost": set()}
    for key, state in led.numbers.items():
        by_state[state].add(key)
    tables: dict[str, set[tuple[str, int]]] = {"issued": set(), "skipped": set(), "lost": set()}
    for series, number, state in ws.conn.execute(
            "SELECT series, number, state FROM receipt_numbers"):
        tables[state].add((series, number))
    table_voids = {(s, n) for s, n in ws.conn.execute("SELECT series, number FROM receipt_voids")}
    if tables["issued"] != by_state["issued"] | by_state["voided"]:
        problems.append("已开具票号与日志不一致")
    if tables["skipped"] != by_state["skipped"]:
        problems.append("作废空白票据与日志不一致")
    if tables["lost"] != by_state["lost"]:
        problems.append("遗失票号与日志不一致")
    if table_voids != by_state["voided"]:
        problems.append("作废票据与日志不一致")
    position = cash_position(ws)
    if position.on_hand_fen != led.cash_on_hand_fen:
        problems.append(f"现金在手 ¥{format_fen(position.on_hand_fen)} 与按日志重算的 "
                        f"¥{format_fen(led.cash_on_hand_fen)} 不符")
    if led.cash_on_hand_fen < 0:
        problems.append(f"现金在手为负数（¥{format_fen(led.cash_on_hand_fen)}）")
    if led.receipts_fen != led.cash.collected_fen + led.noncash.collected_fen:
        problems.append("票据金额合计不等于现金与非现金收款合计")
    return problems
