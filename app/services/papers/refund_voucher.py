"""退费凭证 PDFs: the refunds made on one receipt (or one of them), for the resident to sign."""

from __future__ import annotations

from datetime import datetime

from app.domain.errors import NotFound
from app.domain.idcard import mask_id_number
from app.domain.roster import REFUND_REASONS
from app.services.base.roles import any_role
from app.services.base.workspace import Workspace
from app.services.papers.printing import receipt_document
from app.services.village.books import resolve_receipt
from app.services.village.refunds import REFUND_PAID_BY
from receipts.voucher import RefundVoucher, render_refund_vouchers


@any_role
def refund_vouchers(ws: Workspace, receipt_no: str, *, series: str | None = None,
                    refund_id: str | None = None) -> list[RefundVoucher]:
    """The refunds on the receipt in the order they were made; only ``refund_id`` if given."""
    ref = resolve_receipt(ws, receipt_no, series)
    rows = ws.conn.execute(
        "SELECT r.id, r.amount_fen, r.reason, r.note, r.paid_by, r.at, r.actor, l.name, "
        "l.id_number FROM refunds r JOIN payment_lines l ON l.id = r.payment_line_id "
        "JOIN payments p ON p.id = r.payment_id WHERE p.series = ? AND p.number = ? "
        "ORDER BY r.at", (ref.book.series, ref.number)).fetchall()
    rows = [row for row in rows if refund_id is None or row[0] == refund_id]
    label = ref.book.label(ref.number)
    if not rows:
        raise NotFound(f"票据 {label} 没有退费记录")
    # The receipt as printed names the payer, the village and the issuing unit.
    receipt = receipt_document(ws, receipt_no, series=series)
    return [RefundVoucher(
        receipt=label, household_no=receipt.household_no, payer_name=receipt.payer_name,
        village=receipt.village, name=name, id_masked=mask_id_number(id_number),
        benefit_year=receipt.benefit_year, amount_fen=amount,
        reason=REFUND_REASONS.get(reason, reason), note=note,
        # paid_by is cash, township or channel (the refunds table allows no other)
        paid_by=REFUND_PAID_BY.get(paid_by, "原缴费渠道退付"), collector=actor,
        refunded_at=datetime.fromisoformat(at), issuer=receipt.issuer)
        for _rid, amount, reason, note, paid_by, at, actor, name, id_number in rows]


@any_role
def refund_voucher_pdf(ws: Workspace, receipt_no: str, *, series: str | None = None,
                       refund_id: str | None = None) -> bytes:
    return render_refund_vouchers(refund_vouchers(ws, receipt_no, series=series,
                                                  refund_id=refund_id))
