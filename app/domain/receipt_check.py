"""A paper receipt's QR held against the ledger (收据核验): is the payment it shows still there,
unchanged, in the place of the journal it was issued at?

The QR (``receipts/qr.py``) is signed by the device when the receipt is issued and, from
version 2, pins the payment event's journal seq and the first 16 hex of the hash before it.
A journal rewritten consistently afterwards (chain and head recomputed with the passphrase)
still verifies on its own; the paper copy does not agree with it any more, and this says
where.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.domain.ledger import LedgerState

# The fields of a receipt QR that the stored payment's own QR must repeat.
COMPARED = ("device_id", "series", "number", "household_no", "payer_name", "total_fen",
            "member_count", "benefit_year", "issued_at", "method")


@dataclass(frozen=True)
class ReceiptStanding:
    """``state`` is ``ok``, ``voided``, ``refunded``, ``not_in_ledger`` or ``differs``;
    ``field`` names the first field that differs."""

    state: str
    field: str | None
    message: str

    @property
    def label(self) -> str:
        """The CLI's word for it: ``differs: total_fen`` names the field."""
        return f"differs: {self.field}" if self.state == "differs" else self.state


def receipt_standing(state: LedgerState, paper: dict[str, Any],
                     stored: dict[str, Any] | None, stored_prev_hash: str | None
                     ) -> ReceiptStanding:
    """``paper``: the fields of the scanned (validly signed) QR. ``stored``: the fields of
    the QR the journal's payment event holds for the same receipt, as its own record of what
    was printed (None if it holds none); ``stored_prev_hash``: the prev_hash of the journal
    event at the seq the paper names (None if there is none)."""
    label = f"{paper['series']} {paper['number']}"
    key = (paper["series"], int(paper["number"]))
    pay = state.payments.get(state.number_payment.get(key, ""))
    if pay is None:
        return ReceiptStanding("not_in_ledger", None,
                               f"收据 {label} 不在本机账目中：账目可能被删除或改写，请报告乡镇财政所")
    for name in COMPARED:
        if stored is None or stored.get(name) != paper[name]:
            return _differs(label, name)
    if pay.amount_fen != paper["total_fen"]:
        return _differs(label, "total_fen")
    if len(pay.lines) != paper["member_count"]:
        return _differs(label, "member_count")
    if "journal_seq" in paper:
        if pay.seq != paper["journal_seq"]:
            return _differs(label, "journal_seq")
        if stored_prev_hash is None or stored_prev_hash[:16] != paper["prev_hash16"]:
            return _differs(label, "prev_hash16")
    if pay.cancelled:
        return ReceiptStanding("voided", None, f"收据 {label} 已作废")
    if pay.refunded_lines:
        return ReceiptStanding("refunded", None, f"收据 {label} 已退费"
                               f"（{len(pay.refunded_lines)} 人）")
    return ReceiptStanding("ok", None, f"收据 {label} 与账目一致")


def _differs(label: str, name: str) -> ReceiptStanding:
    return ReceiptStanding("differs", name,
                           f"收据 {label} 与本机账目不符（{name}）：账目可能被改写，请报告乡镇财政所")
