"""Refunds (退费): one person's line, before the benefit year starts, as a new linked record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.domain.errors import NotFound, Refused, ValidationError
from app.domain.idcard import mask_id_number
from app.domain.roster import REFUND_REASONS
from app.services.books import resolve_receipt
from app.services.campaigns import campaign_by_id
from app.services.common import business_date, iso, new_id, utc_now
from app.services.workspace import Workspace
from db.connection import tx


def refund_line(ws: Workspace, *, receipt_no: str, id_number: str, reason: str,
                series: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Refund one member of a receipt; the enrolment ends; a cash refund lowers cash on hand."""
    if reason not in REFUND_REASONS:
        raise ValidationError("退费原因应为：" + "、".join(
            f"{k}（{v}）" for k, v in REFUND_REASONS.items()))
    moment = now or utc_now()
    day = business_date(moment)
    ref = resolve_receipt(ws, receipt_no, series)
    label = ref.book.label(ref.number)
    with tx(ws.conn):
        pay = ws.conn.execute(
            "SELECT p.id, p.campaign_id, p.method, "
            "EXISTS (SELECT 1 FROM payment_cancellations c WHERE c.payment_id = p.id) "
            "FROM payments p WHERE p.series = ? AND p.number = ?",
            (ref.book.series, ref.number)).fetchone()
        if pay is None:
            raise NotFound(f"票据 {label} 没有对应的收款")
        if pay[3]:
            raise Refused(f"票据 {label} 已作废，不能退费")
        policy = campaign_by_id(ws, pay[1]).policy
        if day >= policy.rules.refund_before:
            raise Refused(f"待遇期已开始（{policy.rules.refund_before} 起），不能再退费")
        wanted = (id_number or "").strip().upper()
        line = ws.conn.execute(
            "SELECT id, person_id, name, payable_fen FROM payment_lines "
            "WHERE payment_id = ? AND id_number = ?", (pay[0], wanted)).fetchone()
        if line is None:
            raise NotFound(f"票据 {label} 中没有证件号码 {mask_id_number(wanted)}")
        if ws.conn.execute("SELECT 1 FROM refunds WHERE payment_line_id = ?",
                           (line[0],)).fetchone():
            raise Refused(f"{line[2]}在票据 {label} 中的缴费已经退过")
        refund_id = new_id()
        at = iso(moment)
        ws.conn.execute(
            "INSERT INTO refunds (id, payment_line_id, payment_id, person_id, amount_fen, method, "
            "reason, at, business_date, actor) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (refund_id, line[0], pay[0], line[1], line[3], pay[2], reason, at, day.isoformat(),
             ws.user))
        enrolment = ws.conn.execute("SELECT id FROM enrolments WHERE payment_line_id = ?",
                                    (line[0],)).fetchone()
        if enrolment:
            ws.conn.execute("INSERT INTO enrolment_ends (enrolment_id, reason, at) "
                            "VALUES (?, 'refunded', ?)", (enrolment[0], at))
        ws.record("refund.made", {"refund_id": refund_id, "payment_id": pay[0],
                                  "payment_line_id": line[0], "person_id": line[1],
                                  "id_number": wanted, "series": ref.book.series,
                                  "number": ref.number, "amount_fen": line[3],
                                  "method": pay[2], "reason": reason,
                                  "business_date": day.isoformat()})
    return {"refund_id": refund_id, "refund_fen": line[3], "receipt": label, "name": line[2],
            "method": pay[2], "reason": reason}
