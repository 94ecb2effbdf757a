"""Refunds the township pays (退费申请): a village refund with ``paid_by`` township.

When a collector's cash cannot pay a refund (or the office pays refunds itself), the village
journals the refund as paid by the township: the person's enrolment ends at once, and the
money is owed by the office. The township sees each such refund here as a request, pays it
(by bank transfer to the household, a cash voucher …) and records the payment's reference:
``tw_refund_payments`` and a ``township.refund_paid`` event. Until then, the township's
reconciliation lists the request as unpaid.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app.domain import events as ev
from app.domain.errors import NotFound, Refused, ValidationError
from app.domain.events import ENROLMENT_END_REASONS, RefundMade
from app.domain.idcard import mask_id_number
from app.domain.ledger_views import TownshipRefundPaid
from app.domain.text import clean_text
from app.services.base.common import business_date, iso, utc_now
from app.services.base.roles import requires_role
from app.services.base.workspace import Workspace
from app.services.township.ledger import DeviceLedger, load_ledger
from db.connection import tx


def _request(dev: DeviceLedger, r: RefundMade, paid: tuple[str, str, str] | None
             ) -> dict[str, Any]:
    act = dev.refund_acts[r.refund_id]
    pay = dev.state.payments.get(r.payment_id)
    line = next((ln for ln in pay.lines if ln.line_id == r.payment_line_id), None) \
        if pay is not None else None
    receipt = dev.label((r.series, r.number)) if r.series is not None and r.number is not None \
        else None
    return {"device_id": dev.device_id, "refund_id": r.refund_id, "village": dev.village,
            "collector": act.actor, "receipt": receipt, "name": line.name if line else "",
            "id_number": mask_id_number(r.id_number), "amount_fen": r.amount_fen,
            "reason": r.reason, "reason_name": ENROLMENT_END_REASONS.get(r.reason, r.reason),
            "note": r.note, "requested_on": r.business_date, "requested_at": act.at,
            "paid": paid is not None, "reference": paid[0] if paid else None,
            "paid_on": paid[1] if paid else None, "paid_at": paid[2] if paid else None}


def _payments(ws: Workspace) -> dict[tuple[str, str], tuple[str, str, str]]:
    return {(d, rid): (ref, on, at) for d, rid, ref, on, at in ws.conn.execute(
        "SELECT device_id, refund_id, reference, paid_on, at FROM tw_refund_payments")}


@requires_role("township", "查看退费申请")
def township_refund_requests(ws: Workspace) -> list[dict[str, Any]]:
    """退费申请: every village refund the township is to pay, oldest first, paid or not."""
    paid = _payments(ws)
    out = [_request(dev, r, paid.get((dev.device_id, r.refund_id)))
           for dev in load_ledger(ws).devices.values()
           for r in dev.state.refunds.values() if r.paid_by == "township"]
    out.sort(key=lambda r: (r["requested_at"], r["village"]))
    return out


@requires_role("township", "登记退费支付")
def mark_refund_paid(ws: Workspace, *, device_id: str, refund_id: str, reference: str,
                     paid_on: date | None = None) -> dict[str, Any]:
    """退费已支付: the office paid a village's refund request; ``reference`` is the transfer's
    (or the voucher's) number, ``paid_on`` the day it was paid (today if not given)."""
    ref = clean_text(reference)
    if not ref:
        raise ValidationError("请填写退费支付的凭证号或银行流水号")
    day = paid_on or business_date(utc_now())
    if day > business_date(utc_now()):
        raise ValidationError("支付日期不能晚于今天")
    dev = load_ledger(ws).devices.get(device_id)
    refund = dev.state.refunds.get(refund_id) if dev is not None else None
    if dev is None or refund is None:
        raise NotFound(f"找不到退费 {refund_id}（村里的数据是否已经收到？）")
    if refund.paid_by != "township":
        raise Refused("这笔退费由收款员现金退付，不是向乡镇财政所的退费申请")
    if day.isoformat() < refund.business_date:
        raise ValidationError(f"支付日期早于退费申请日期 {refund.business_date}")
    at = iso(utc_now())
    with tx(ws.conn):
        held = ws.conn.execute("SELECT paid_on, reference FROM tw_refund_payments WHERE "
                               "device_id = ? AND refund_id = ?",
                               (device_id, refund_id)).fetchone()
        if held is not None:
            raise Refused(f"这笔退费已于 {held[0]} 支付（凭证 {held[1]}）")
        ws.conn.execute("INSERT INTO tw_refund_payments (device_id, refund_id, reference, "
                        "paid_on, at, actor) VALUES (?,?,?,?,?,?)",
                        (device_id, refund_id, ref, day.isoformat(), at, ws.user))
        ws.record(TownshipRefundPaid.TYPE, ev.payload_of(TownshipRefundPaid(
            device_id=device_id, refund_id=refund_id, reference=ref, paid_on=day.isoformat(),
            amount_fen=refund.amount_fen, village=dev.village)))
    return _request(dev, refund, (ref, day.isoformat(), at))
