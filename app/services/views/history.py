"""A household's payment history: which receipt covered whom, when, and what became of it.

One query over the ledger's projected tables (payments, their lines, voids and refunds), every
campaign year, newest first. Read-only; the collect view shows it in a dialog and uses the
current year's lines to say which receipt covered a member who has paid already.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.domain.idcard import mask_id_number
from app.services.base.common import BUSINESS_TZ
from app.services.base.roles import any_role
from app.services.base.workspace import Workspace
from app.services.village.roster import household_by_no

# What became of a line: still paid, its receipt voided, or the member refunded.
PAID, VOIDED, REFUNDED = "paid", "voided", "refunded"

_HISTORY_SQL = """
SELECT p.series, p.number, b.width, p.collected_at, c.campaign_year, c.benefit_year, l.person_id,
       l.name, l.id_number, l.tier_code, l.payable_fen, p.method, p.amount_fen,
       coalesce(v.reason, x.reason), r.reason, r.at, r.amount_fen
FROM payments p
JOIN campaigns c ON c.id = p.campaign_id
JOIN payment_lines l ON l.payment_id = p.id
LEFT JOIN receipt_books b ON b.id = p.book_id
LEFT JOIN receipt_voids v ON v.series = p.series AND v.number = p.number
LEFT JOIN payment_cancellations x ON x.payment_id = p.id
LEFT JOIN refunds r ON r.payment_line_id = l.id
WHERE p.household_id = ?
ORDER BY p.collected_at DESC, p.series, p.number, l.rowid
"""


@dataclass(frozen=True)
class HistoryLine:
    """One member on one payment. ``receipt`` is empty for a fully subsidised enrolment."""

    receipt: str
    collected_at: datetime  # business time (Asia/Shanghai)
    campaign_year: int
    benefit_year: int
    person_id: str
    name: str
    id_masked: str
    tier_code: str
    payable_fen: int
    method: str
    receipt_total_fen: int
    state: str  # PAID, VOIDED or REFUNDED
    void_reason: str
    refund_reason: str  # the refund's reason code (app.domain.roster.REFUND_REASONS)
    refunded_at: datetime | None
    refund_fen: int


@any_role
def household_history(ws: Workspace, household_no: str) -> list[HistoryLine]:
    """Every payment line of the household, newest payment first."""
    household = household_by_no(ws, household_no)
    lines = []
    for (series, number, width, at, campaign_year, benefit_year, person_id, name, id_number,
         tier, payable, method, total, void_reason, refund_reason, refunded_at,
         refund_fen) in ws.conn.execute(_HISTORY_SQL, (household["household_id"],)):
        receipt = f"{series} {number:0{width}d}" if series is not None else ""
        state = VOIDED if void_reason is not None else REFUNDED if refund_reason else PAID
        lines.append(HistoryLine(
            receipt=receipt, collected_at=_local(at), campaign_year=campaign_year,
            benefit_year=benefit_year, person_id=person_id, name=name,
            id_masked=mask_id_number(id_number), tier_code=tier, payable_fen=payable,
            method=method, receipt_total_fen=total, state=state,
            void_reason=void_reason or "", refund_reason=refund_reason or "",
            refunded_at=_local(refunded_at) if refunded_at else None,
            refund_fen=refund_fen or 0))
    return lines


def _local(ts: str) -> datetime:
    return datetime.fromisoformat(ts).astimezone(BUSINESS_TZ)
