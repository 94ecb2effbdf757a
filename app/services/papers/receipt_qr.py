"""Receipt QR codes (收据二维码): the device's signing key for those who check them, the QR
text of an issued receipt, and a scanned QR checked — its signature, and for this device's
own receipts, against the ledger (``app.domain.receipt_check``)."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.domain import events as ev
from app.domain.errors import NotFound, ValidationError
from app.domain.receipt_check import receipt_standing
from app.services.base.roles import any_role
from app.services.base.workspace import Workspace
from app.services.village.books import resolve_receipt
from db import journal
from receipts.qr import verify_qr

DEVICE_KEY_FORMAT = "yibao.device-key/1"


@any_role
def device_public_key(ws: Workspace) -> dict[str, str]:
    """This device's receipt-signing public key, to hand to whoever checks receipts."""
    row = ws.conn.execute("SELECT public_key FROM device WHERE id = ?",
                          (ws.device_id,)).fetchone()
    return {"format": DEVICE_KEY_FORMAT, "device_id": ws.device_id,
            "public_key": bytes(row[0]).hex(), "village": ws.meta("village") or ""}


def parse_device_keys(documents: list[dict[str, Any]]) -> dict[str, Ed25519PublicKey]:
    """Device id → public key from exported key files; bad entries are refused, not skipped."""
    keys = {}
    for doc in documents:
        if not isinstance(doc, dict) or doc.get("format") != DEVICE_KEY_FORMAT:
            raise ValidationError("设备公钥文件格式不正确（应为 yibao.device-key/1）")
        try:
            keys[str(doc["device_id"])] = Ed25519PublicKey.from_public_bytes(
                bytes.fromhex(str(doc["public_key"])))
        except (KeyError, ValueError) as exc:
            raise ValidationError("设备公钥文件内容无效") from exc
    return keys


@any_role
def known_device_keys(ws: Workspace) -> dict[str, Ed25519PublicKey]:
    """Devices whose receipts this database can check: itself and every device whose
    `database.created` event it holds (the township receives its villages' journals)."""
    keys = {}
    for event in journal.iter_ledger_events(ws.conn, types=(ev.DatabaseCreated.TYPE,)):
        genesis = event.payload
        if isinstance(genesis, ev.DatabaseCreated) and genesis.device_public_key:
            keys[event.device] = Ed25519PublicKey.from_public_bytes(
                bytes.fromhex(genesis.device_public_key))
    return keys


def verify_receipt_qr(text: str, keys: dict[str, Ed25519PublicKey]) -> dict[str, Any]:
    """valid / forged / unknown_device / malformed, with the fields the QR claims."""
    verdict = verify_qr(text, keys)
    return {"status": verdict.status, "valid": verdict.ok, "message": verdict.message,
            "fields": verdict.fields}


@any_role
def stored_qr(ws: Workspace, series: str, number: int) -> str | None:
    """The QR text the payment event of an issued receipt holds: what was printed, and what
    every reprint must show again (it pins the event's place in the journal)."""
    led = ws.ledger()
    pay = led.payments.get(led.number_payment.get((series, number), ""))
    payment = _stored_payment(ws, pay.seq) if pay is not None else None
    if payment is None or payment.receipt is None or not payment.receipt.qr:
        return None
    return payment.receipt.qr


@any_role
def receipt_qr(ws: Workspace, number: str, *, series: str | None = None) -> dict[str, Any]:
    """The QR text printed on an issued receipt (as its payment event holds it)."""
    ref = resolve_receipt(ws, number, series)
    qr = stored_qr(ws, ref.book.series, ref.number)
    if qr is None:
        raise NotFound(f"票号 {ref.book.label(ref.number)} 没有开具过收据（或没有二维码）")
    return {"series": ref.book.series, "number": ref.book.label(ref.number), "qr": qr}


@any_role
def check_receipt_qr(ws: Workspace, text: str) -> dict[str, Any]:
    """A scanned receipt QR: its signature (valid / forged / unknown_device / malformed) and,
    for a receipt of this device, how it stands in the ledger (``ledger``: ok / voided /
    refunded / not_in_ledger / differs: FIELD); ``ledger`` is None for another device's."""
    keys = known_device_keys(ws)
    result = verify_receipt_qr(text, keys)
    result.update(ledger=None, ledger_message=None)
    paper = result["fields"]
    if not result["valid"] or paper["device_id"] != ws.device_id:
        return result
    led = ws.ledger()
    try:
        key = (paper["series"], int(paper["number"]))
    except ValueError:
        key = (paper["series"], -1)
    pay = led.payments.get(led.number_payment.get(key, ""))
    stored = None
    if pay is not None:
        payment = _stored_payment(ws, pay.seq)
        if payment is not None and payment.receipt is not None and payment.receipt.qr:
            held = verify_qr(payment.receipt.qr, keys)
            stored = held.fields if held.ok else None
    prev = None
    if "journal_seq" in paper:
        row = ws.conn.execute("SELECT prev_hash FROM journal WHERE seq = ?",
                              (paper["journal_seq"],)).fetchone()
        prev = str(row[0]) if row else None
    standing = receipt_standing(led, paper, stored, prev)
    result.update(ledger=standing.label, ledger_message=standing.message)
    return result


def _stored_payment(ws: Workspace, seq: int) -> ev.PaymentCollected | None:
    row = ws.conn.execute("SELECT seq, device_id, type, payload, actor, at FROM journal "
                          "WHERE seq = ?", (seq,)).fetchone()
    if row is None:
        return None
    payload = journal.typed_event(*row).payload
    return payload if isinstance(payload, ev.PaymentCollected) else None
