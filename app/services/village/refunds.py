"""Refunds (退费) and ends of enrolment (终止参保): new linked records, never edits.

A refund's reason decides who the person is for the campaign: 重复参保 / 在外地参保 → enrolled
elsewhere (not unpaid, not collected again), 参加职工医保 → employee-insured, 死亡 →
deceased, 参军 → ended; 其他 (with a note) ends the enrolment and leaves the person collectable.
The refund is paid from the collector's cash (which must hold it) or by the township, which
sees the request and marks it paid.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from app.domain import events as ev
from app.domain.errors import NotFound, Refused, ValidationError
from app.domain.events import ENROLMENT_END_REASONS
from app.domain.idcard import mask_id_number
from app.domain.text import clean_text
from app.services.base.common import business_date, new_id, utc_now
from app.services.base.roles import requires_role
from app.services.base.workspace import Workspace
from app.services.village.books import resolve_receipt
from app.services.village.campaigns import active_campaign
from db.connection import tx

REFUND_PAID_BY = {"cash": "收款员现金退付", "township": "乡镇财政所退付"}


def _reason(reason: str, note: str | None) -> str:
    if reason not in ENROLMENT_END_REASONS:
        raise ValidationError("原因应为：" + "、".join(
            f"{k}（{v}）" for k, v in ENROLMENT_END_REASONS.items()))
    if reason == "other" and not clean_text(note):
        raise ValidationError("原因为“其他”时请填写说明（--note）")
    return clean_text(note)


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    refund_fen: int
    receipt: str
    name: str
    method: str
    reason: str
    paid_by: str
    note: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@requires_role("collector", "退费")
def refund_line(ws: Workspace, *, receipt_no: str, id_number: str, reason: str,
                series: str | None = None, paid_by: str = "cash", note: str | None = None,
                now: datetime | None = None) -> RefundResult:
    """Refund one member of a receipt; the enrolment ends; a cash refund lowers cash on hand."""
    note_text = _reason(reason, note)
    if paid_by not in REFUND_PAID_BY:
        raise ValidationError("退费支付方应为：cash（收款员现金）或 township（乡镇财政所）")
    moment = now or utc_now()
    day = business_date(moment)
    ref = resolve_receipt(ws, receipt_no, series)
    label = ref.book.label(ref.number)
    with tx(ws.conn):
        pay = ws.conn.execute(
            "SELECT p.id, p.method, "
            "EXISTS (SELECT 1 FROM payment_cancellations c WHERE c.payment_id = p.id) "
            "FROM payments p WHERE p.series = ? AND p.number = ?",
            (ref.book.series, ref.number)).fetchone()
        if pay is None:
            raise NotFound(f"票据 {label} 没有对应的收款")
        if pay[2]:
            raise Refused(f"票据 {label} 已作废，不能退费")
        wanted = clean_text(id_number).upper()
        line = ws.conn.execute(
            "SELECT id, person_id, name, payable_fen FROM payment_lines "
            "WHERE payment_id = ? AND id_number = ?", (pay[0], wanted)).fetchone()
        if line is None:
            raise NotFound(f"票据 {label} 中没有证件号码 {mask_id_number(wanted)}")
        refund_id = new_id()
        ws.commit_event(ev.RefundMade(
            refund_id=refund_id, payment_id=pay[0], payment_line_id=line[0], person_id=line[1],
            id_number=wanted, series=ref.book.series, number=ref.number, amount_fen=line[3],
            method=pay[1], reason=reason, business_date=day.isoformat(), paid_by=paid_by,
            note=note_text), at=moment)
    return RefundResult(refund_id, line[3], label, line[2], pay[1], reason, paid_by, note_text)


@dataclass(frozen=True)
class EnrolmentEndResult:
    person_id: str
    name: str
    campaign_year: int
    reason: str
    note: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@requires_role("collector", "终止参保")
def end_enrolment(ws: Workspace, *, id_number: str, reason: str, note: str | None = None,
                  now: datetime | None = None) -> EnrolmentEndResult:
    """终止参保 of an enrolment that took no money (资助参保): an event, never a delete; a paid
    enrolment is ended by a refund instead."""
    note_text = _reason(reason, note)
    moment = now or utc_now()
    campaign = active_campaign(ws)
    wanted = clean_text(id_number).upper()
    with tx(ws.conn):
        row = ws.conn.execute(
            "SELECT l.person_id, l.name, l.id, l.payment_id FROM payment_lines l "
            "JOIN enrolments e ON e.payment_line_id = l.id "
            "JOIN campaigns c ON c.id = e.campaign_id "
            "WHERE l.id_number = ? AND c.campaign_year = ? AND NOT EXISTS "
            "(SELECT 1 FROM enrolment_ends x WHERE x.enrolment_id = e.id)",
            (wanted, campaign.campaign_year)).fetchone()
        if row is None:
            raise NotFound(f"证件号码 {mask_id_number(wanted)} 本年度没有有效的参保记录")
        ws.commit_event(ev.EnrolmentEnded(
            person_id=row[0], id_number=wanted, campaign_year=campaign.campaign_year,
            payment_id=row[3], payment_line_id=row[2], reason=reason,
            business_date=business_date(moment).isoformat(), note=note_text), at=moment)
    return EnrolmentEndResult(row[0], row[1], campaign.campaign_year, reason, note_text)
