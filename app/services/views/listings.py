"""Read-only listings the desktop pages show: receipts, households, progress, refunds, cash.

Each is one or two SQL queries over the ledger tables, so a page of a village's whole
campaign loads in milliseconds; none of them renders a receipt or signs a QR code. Nothing
here writes.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from app.domain.errors import NotFound
from app.domain.idcard import mask_id_number
from app.services.base.common import BUSINESS_TZ, business_date, utc_now
from app.services.base.roles import any_role
from app.services.base.workspace import Workspace
from app.services.village.books import resolve_receipt
from app.services.village.campaigns import active_campaign

RECEIPT_STATES = ("issued", "voided", "lost", "pending")
# Asia/Shanghai has had no daylight saving since 1991: a fixed offset turns a UTC timestamp
# into the business date inside SQL.
_BUSINESS_OFFSET = "+8 hours"
_NUMERALS = {c: i for i, c in enumerate("〇一二三四五六七八九")}


def _chinese_number(text: str) -> int | None:
    """一 … 九十九 as village groups are numbered (一组, 十二组)."""
    if not text or any(c not in _NUMERALS and c != "十" for c in text):
        return None
    if "十" not in text:
        return int("".join(str(_NUMERALS[c]) for c in text))
    tens, _, units = text.partition("十")
    return (_NUMERALS[tens] if tens else 1) * 10 + (_NUMERALS[units] if units else 0)


def group_order(name: str) -> tuple[int, str]:
    """Sort 二组 before 十组: by the group's number, written in figures or in Chinese."""
    match = re.match(r"([0-9]+|[〇一二三四五六七八九十]+)", name)
    number = None
    if match:
        token = match.group(1)
        number = int(token) if token.isdigit() else _chinese_number(token)
    return (number if number is not None else 10**6, name)


def _local(ts: str) -> datetime:
    return datetime.fromisoformat(ts).astimezone(BUSINESS_TZ)


# ---- receipts -------------------------------------------------------------------------------

_RECEIPTS_SQL = """
SELECT n.series, n.number, b.width, b.first_no, b.last_no, b.collector, n.state,
       v.reason, n.reason, h.head_name, h.household_no, p.amount_fen, p.method,
       coalesce(p.collected_at, n.at),
       n.state = 'issued' AND v.reason IS NULL AND NOT EXISTS (
           SELECT 1 FROM receipt_prints x WHERE x.series = n.series AND x.number = n.number),
       (SELECT count(*) FROM receipt_prints x WHERE x.series = n.series
        AND x.number = n.number AND x.kind = 'reprint'),
       (SELECT coalesce(sum(r.amount_fen), 0) FROM refunds r WHERE r.payment_id = p.id)
FROM receipt_numbers n
JOIN receipt_books b ON b.id = n.book_id
LEFT JOIN receipt_voids v ON v.series = n.series AND v.number = n.number
LEFT JOIN payments p ON p.id = n.payment_id
LEFT JOIN households h ON h.id = p.household_id
"""
_STATE_WHERE = {
    "issued": "n.state = 'issued' AND v.reason IS NULL",
    "voided": "(n.state = 'skipped' OR v.reason IS NOT NULL)",
    "lost": "n.state = 'lost'",
    "pending": "n.state = 'issued' AND v.reason IS NULL AND NOT EXISTS (SELECT 1 FROM "
               "receipt_prints x WHERE x.series = n.series AND x.number = n.number)",
}


@any_role
def list_receipts(ws: Workspace, *, state: str | None = None, series: str | None = None,
                  day: date | None = None, text: str | None = None,
                  limit: int | None = None) -> list[dict[str, Any]]:
    """Every number taken from a book (issued, voided or lost), newest first.

    ``state`` is issued / voided / lost, or ``pending`` for issued but never printed; ``day``
    is the business date; ``text`` matches inside the label, the payer or the household no.
    ``void_reason`` also carries the note of a number reported lost; ``reprints`` counts the
    补打 of the receipt and ``refunds_fen`` what was refunded against it.
    """
    where: list[str] = []
    params: list[Any] = []
    if state:
        if state not in RECEIPT_STATES:
            raise ValueError(f"unknown receipt state {state!r}")
        where.append(_STATE_WHERE[state])
    if series:
        where.append("n.series = ?")
        params.append(series)
    if day:
        where.append(f"coalesce(p.business_date, date(n.at, '{_BUSINESS_OFFSET}')) = ?")
        params.append(day.isoformat())
    needle = (text or "").strip()
    if needle:
        where.append("(instr(n.series || ' ' || substr('00000000000000000000' || n.number, "
                     "-b.width), ?) OR instr(coalesce(h.head_name, ''), ?) "
                     "OR instr(coalesce(h.household_no, ''), ?))")
        params += [needle, needle, needle]
    sql = _RECEIPTS_SQL + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY coalesce(p.collected_at, n.at) DESC, n.series, n.number DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    rows = []
    for (ser, number, width, first, last, collector, raw_state, void_reason, note, payer,
         household_no, amount, method, at, pending, reprints,
         refunded) in ws.conn.execute(sql, params):
        formatted = f"{number:0{width}d}"
        voided = raw_state == "skipped" or void_reason is not None
        rows.append({
            "series": ser, "number": formatted, "label": f"{ser} {formatted}",
            "state": "voided" if voided else raw_state,
            "payer": payer or "", "household_no": household_no or "", "amount_fen": amount,
            "method": method or "", "time": _local(at), "pending_print": bool(pending),
            "reprints": reprints, "refunds_fen": refunded,
            "void_reason": void_reason or note or "",
            "book": f"{ser} {first:0{width}d}–{last:0{width}d}", "collector": collector,
        })
    return rows


@any_role
def refund_candidates(ws: Workspace, receipt_no: str,
                      series: str | None = None) -> list[dict[str, Any]]:
    """The lines of a receipt with the full certificate number the refund service needs, and
    whether each was refunded already (a line is refunded at most once)."""
    ref = resolve_receipt(ws, receipt_no, series)
    payment = ws.conn.execute("SELECT id FROM payments WHERE series = ? AND number = ?",
                              (ref.book.series, ref.number)).fetchone()
    if payment is None:
        raise NotFound(f"票据 {ref.book.label(ref.number)} 没有对应的收款")
    rows = ws.conn.execute(
        "SELECT l.id, l.name, l.id_type, l.id_number, l.payable_fen, r.reason, r.at "
        "FROM payment_lines l LEFT JOIN refunds r ON r.payment_line_id = l.id "
        "WHERE l.payment_id = ? ORDER BY l.rowid", (payment[0],)).fetchall()
    return [{"line_id": r[0], "name": r[1], "id_type": r[2], "id_number": r[3],
             "id_masked": mask_id_number(r[3]), "payable_fen": r[4], "refunded": r[5] is not None,
             "refund_reason": r[5], "refunded_at": r[6]} for r in rows]


# ---- roster and progress --------------------------------------------------------------------


@any_role
def list_households(ws: Workspace, group: str | None = None) -> list[dict[str, Any]]:
    """Households by number (optionally one 村民小组) with their count of active members."""
    sql = ("SELECT h.id, h.household_no, h.head_name, h.grp, h.phone, "
           "(SELECT count(*) FROM persons p WHERE p.household_id = h.id "
           " AND p.status = 'active') FROM households h")
    params: tuple[Any, ...] = ()
    if group is not None:
        sql += " WHERE h.grp = ?"
        params = (group,)
    return [{"household_id": r[0], "household_no": r[1], "head_name": r[2], "group": r[3],
             "phone": r[4], "members": r[5]}
            for r in ws.conn.execute(sql + " ORDER BY h.household_no", params)]


# Per active person: paid this campaign (a live enrolment, or paid through another channel)
# and subsidised (a certified category valid on the day).
_PERSON_FACTS = """
SELECT p.household_id,
       EXISTS (SELECT 1 FROM enrolments e JOIN campaigns c ON c.id = e.campaign_id
               WHERE e.person_id = p.id AND c.campaign_year = :year
               AND NOT EXISTS (SELECT 1 FROM enrolment_ends x WHERE x.enrolment_id = e.id))
       OR EXISTS (SELECT 1 FROM external_payments x
                  WHERE x.id_number = p.id_number AND x.campaign_year = :year) AS paid,
       -- Refunded or ended as enrolled elsewhere / 参军: covered, not to be chased.
       EXISTS (SELECT 1 FROM enrolments e JOIN campaigns c ON c.id = e.campaign_id
                  JOIN enrolment_ends x ON x.enrolment_id = e.id
                  LEFT JOIN refunds r ON r.payment_line_id = e.payment_line_id
                  WHERE e.person_id = p.id AND c.campaign_year = :year
                  AND coalesce(r.reason, x.reason) IN ('duplicate', 'elsewhere', 'military'))
       AS elsewhere,
       EXISTS (SELECT 1 FROM person_categories k WHERE k.person_id = p.id
               AND k.revoked_at IS NULL
               AND (k.valid_from IS NULL OR k.valid_from <= :day)
               AND (k.valid_to IS NULL OR k.valid_to >= :day)) AS subsidised
FROM persons p WHERE p.status = 'active'
"""


@any_role
def progress_by_group(ws: Workspace, *, on: date | None = None) -> list[dict[str, Any]]:
    """Per 村民小组 for the active campaign: households, active persons, enrolled (paid here or
    through another channel), subsidised, unpaid, and the money collected here net of refunds.
    """
    campaign = active_campaign(ws)
    day = (on or business_date(utc_now())).isoformat()
    params = {"year": campaign.campaign_year, "day": day, "campaign": campaign.id}
    rows = ws.conn.execute(f"""
        WITH facts AS ({_PERSON_FACTS}),
        people AS (
            SELECT household_id, count(*) AS persons, sum(paid) AS enrolled,
                   sum(subsidised) AS subsidised, sum(elsewhere AND NOT paid) AS elsewhere
            FROM facts GROUP BY household_id),
        money AS (
            SELECT p.household_id, sum(l.payable_fen) - coalesce(sum(r.amount_fen), 0) AS fen
            FROM payments p JOIN payment_lines l ON l.payment_id = p.id
            LEFT JOIN refunds r ON r.payment_line_id = l.id
            WHERE p.campaign_id = :campaign AND NOT EXISTS (
                SELECT 1 FROM payment_cancellations c WHERE c.payment_id = p.id)
            GROUP BY p.household_id)
        SELECT h.grp, count(*), coalesce(sum(f.persons), 0), coalesce(sum(f.enrolled), 0),
               coalesce(sum(f.subsidised), 0), coalesce(sum(m.fen), 0),
               coalesce(sum(f.elsewhere), 0)
        FROM households h LEFT JOIN people f ON f.household_id = h.id
        LEFT JOIN money m ON m.household_id = h.id
        GROUP BY h.grp""", params).fetchall()
    out = [{"group": grp or "—", "households": households, "persons": persons,
            "enrolled": enrolled, "subsidised": subsidised, "elsewhere": elsewhere,
            "unpaid": persons - enrolled - elsewhere, "amount_fen": amount}
           for grp, households, persons, enrolled, subsidised, amount, elsewhere in rows]
    return sorted(out, key=lambda r: group_order(r["group"]))


@any_role
def unpaid_households(ws: Workspace) -> list[dict[str, Any]]:
    """Households with an active member not yet paid this campaign, with how many."""
    campaign = active_campaign(ws)
    rows = ws.conn.execute(f"""
        WITH facts AS ({_PERSON_FACTS})
        SELECT h.household_no, h.head_name, h.grp, h.phone, count(*)
        FROM facts f JOIN households h ON h.id = f.household_id
        WHERE NOT f.paid AND NOT f.elsewhere GROUP BY h.id ORDER BY h.household_no""",
        {"year": campaign.campaign_year, "day": business_date(utc_now()).isoformat()})
    return [{"household_no": r[0], "head_name": r[1], "group": r[2], "phone": r[3],
             "unpaid": r[4]} for r in rows]


# ---- cash -----------------------------------------------------------------------------------


@any_role
def deposit_history(ws: Workspace) -> list[dict[str, Any]]:
    """缴存 records, newest first."""
    return [{"deposit_date": r[0], "slip_no": r[1], "amount_fen": r[2], "actor": r[3],
             "at": _local(r[4])}
            for r in ws.conn.execute("SELECT deposit_date, slip_no, amount_fen, actor, at "
                                     "FROM deposits ORDER BY deposit_date DESC, at DESC")]


@any_role
def daily_close_history(ws: Workspace) -> list[dict[str, Any]]:
    """日清 records, newest first; a difference always comes with its note."""
    return [{"business_date": r[0], "expected_fen": r[1], "counted_fen": r[2],
             "difference_fen": r[3], "note": r[4], "actor": r[5], "at": _local(r[6])}
            for r in ws.conn.execute(
                "SELECT business_date, expected_fen, counted_fen, difference_fen, note, actor, "
                "at FROM daily_closes ORDER BY business_date DESC, at DESC")]
