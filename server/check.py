"""The payer's check page (``GET /r/{QR text}``): is my receipt in the county's books?

A payer scans the QR code on the paper receipt; the phone opens the county's page with the
code's text as the path. The page shows only what the paper itself shows — the receipt
number, the payer's name masked (张*), the amount and the benefit year — and one verdict:

- 已入账 (``recorded``): the signature is the enrolled device's, and the county holds an
  accepted payment from that device with the same number, fields and (v2) chain pins —
  journal seq and previous hash — neither voided nor refunded (a partial refund is noted);
- 尚未上传 (``not_uploaded``): the signature is an enrolled device's and the county has not
  yet received the journal position (v2) or any payment with that number (v1);
- 已作废 (``voided``) / 已退费 (``refunded``, every member refunded): as recorded, then undone;
- 与县医保记录不符 (``mismatch``): the signature does not verify, the device is not enrolled,
  the county holds something else at that position or refused the payment, or any field
  differs from the county's record.

Anything that is not a receipt code at all is a 400 page (``unreadable``); more than the
rate allows from one address is a 429 (``limited``). Nothing here writes to the database.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select

from app.domain import events as catalogue
from app.domain.idcard import mask_name
from app.domain.money import format_fen
from receipts.qr import verify_qr
from server.kernel import Server
from server.schema import devices, events, receipt_index

MAX_TOKEN = 2048  # a receipt's QR text is under 500 characters

STATES: dict[str, tuple[str, str]] = {
    "recorded": ("已入账", "县医保已收到这笔缴费，记录与收据一致。"),
    "not_uploaded": ("尚未上传", "收据签名有效，但收款员的电脑还没有把这笔记录上传到县医保。"
                     "通常在收款员下次同步后入账；如长时间未入账，请联系村委会或乡镇财政所。"),
    "voided": ("已作废", "这张收据已被收款员作废，不能作为缴费凭证。"),
    "refunded": ("已退费", "这笔缴费已经办理退费。"),
    "mismatch": ("与县医保记录不符", "收据与县医保的记录不一致，或二维码签名无效。"
                 "请保留收据，联系乡镇财政所或县医保核实。"),
    "unreadable": ("无法识别", "这不是有效的医保收据二维码。"),
    "limited": ("查询过于频繁", "同一网络的查询次数过多，请稍后再试。"),
}
_STATUS = {"unreadable": 400, "limited": 429}


@dataclass(frozen=True)
class CheckResult:
    state: str
    receipt: str | None = None  # 皖医保 00012007
    payer: str | None = None  # masked: 王*国
    amount: str | None = None  # ¥610.00
    benefit_year: int | None = None
    note: str | None = None

    @property
    def label(self) -> str:
        return STATES[self.state][0]

    @property
    def explanation(self) -> str:
        return STATES[self.state][1]

    @property
    def http_status(self) -> int:
        return _STATUS.get(self.state, 200)


# ---- rate limit -----------------------------------------------------------------------------


@dataclass
class RateLimiter:
    """A token bucket per client address, in this process: ``capacity`` checks at once, then
    ``per_second`` more each second. The oldest addresses are forgotten past
    ``max_clients`` (a forgotten address starts with a full bucket)."""

    capacity: float = 30.0
    per_second: float = 0.5
    max_clients: int = 10_000
    clock: Any = time.monotonic
    _buckets: OrderedDict[str, tuple[float, float]] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self, client: str) -> bool:
        now = self.clock()
        with self._lock:
            tokens, then = self._buckets.pop(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - then) * self.per_second)
            allowed = tokens >= 1.0
            self._buckets[client] = (tokens - 1.0 if allowed else tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return allowed


# ---- the verdict ----------------------------------------------------------------------------


def _shown(fields: dict[str, Any]) -> dict[str, Any]:
    """What the paper shows, as the page shows it."""
    return {"receipt": f"{fields['series']} {fields['number']}"[:60],
            "payer": mask_name(fields["payer_name"])[:30],
            "amount": format_fen(fields["total_fen"], symbol=True),
            "benefit_year": fields["benefit_year"]}


def _same_moment(a: str, b: str) -> bool:
    try:
        return int(datetime.fromisoformat(a.replace("Z", "+00:00")).timestamp()) == \
            int(datetime.fromisoformat(b.replace("Z", "+00:00")).timestamp())
    except (TypeError, ValueError):
        return False


def _agrees(fields: dict[str, Any], pay: catalogue.PaymentCollected, seq: int,
            prev_hash: str, version: int) -> bool:
    receipt = pay.receipt
    if receipt is None or receipt.series != fields["series"] \
            or not fields["number"].isdigit() or int(fields["number"]) != receipt.number:
        return False
    if version == 2 and (fields["journal_seq"] != seq
                         or fields["prev_hash16"] != prev_hash[:16]):
        return False
    return (fields["household_no"] == pay.household.no
            and fields["payer_name"] == pay.household.head
            and fields["total_fen"] == pay.amount_fen
            and fields["member_count"] == len(pay.lines)
            and fields["benefit_year"] == pay.benefit_year
            and fields["method"] == pay.method
            and _same_moment(fields["issued_at"], pay.collected_at))


def _undone(conn: Any, device_id: str, pay: catalogue.PaymentCollected) -> tuple[bool, set[str]]:
    """Whether the device's accepted events void the payment, and which lines they refund."""
    voided = False
    refunded: set[str] = set()
    for row in conn.execute(select(events.c.type, events.c.payload).where(
            events.c.device_id == device_id, events.c.status != "refused",
            events.c.type.in_(("receipt.voided", "refund.made")))):
        typed = catalogue.parse_stored(row.type, row.payload)
        if isinstance(typed, catalogue.ReceiptVoided) and not typed.blank \
                and typed.payment_id == pay.payment_id:
            voided = True
        elif isinstance(typed, catalogue.RefundMade) and typed.payment_id == pay.payment_id:
            refunded.add(typed.payment_line_id)
    return voided, refunded & {line.line_id for line in pay.lines}


def check_receipt(srv: Server, token: str) -> CheckResult:
    """The verdict on one receipt code, from the county's database alone."""
    text = (token or "").strip()
    if not text or len(text) > MAX_TOKEN:
        return CheckResult("unreadable")
    claimed = verify_qr(text, {})
    if claimed.fields is None:
        return CheckResult("unreadable")
    fields = claimed.fields
    shown = _shown(fields)
    with srv.engine.connect() as conn:
        device = conn.execute(select(devices.c.id, devices.c.public_key, devices.c.head_seq)
                              .where(devices.c.id == fields["device_id"])).first()
        if device is None:
            return CheckResult("mismatch", **shown, note="签发此收据的设备未在县医保登记")
        try:
            key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(device.public_key))
        except ValueError:
            return CheckResult("mismatch", **shown)
        verdict = verify_qr(text, {device.id: key})
        if not verdict.ok:
            return CheckResult("mismatch", **shown, note="二维码签名无效")
        number = int(fields["number"]) if fields["number"].isdigit() else -1
        rows = conn.execute(select(receipt_index).where(
            receipt_index.c.device_id == device.id, receipt_index.c.series == fields["series"],
            receipt_index.c.number == number)).all() if 0 <= number <= 10**12 else []
        if verdict.version == 2:
            seq = fields["journal_seq"]
            row = next((r for r in rows if int(r.seq) == seq), None)
            if row is None:
                state = "not_uploaded" if seq > int(device.head_seq) else "mismatch"
                return CheckResult(state, **shown)
        else:
            standing = [r for r in rows if r.status != "refused"]
            if not standing:
                return CheckResult("mismatch" if rows else "not_uploaded", **shown)
            row = standing[-1]
        if row.status == "refused":
            return CheckResult("mismatch", **shown, note="县医保未接受这笔收款记录")
        event = conn.execute(select(events.c.seq, events.c.type, events.c.payload,
                                    events.c.prev_hash)
                             .where(events.c.device_id == device.id,
                                    events.c.seq == row.seq)).first()
        pay = catalogue.parse_stored(event.type, event.payload) if event is not None else None
        if not isinstance(pay, catalogue.PaymentCollected) or not _agrees(
                fields, pay, int(event.seq), event.prev_hash, verdict.version):
            return CheckResult("mismatch", **shown)
        voided, refunded = _undone(conn, device.id, pay)
    if voided:
        return CheckResult("voided", **shown)
    if refunded and len(refunded) == len(pay.lines):
        return CheckResult("refunded", **shown)
    note = f"其中 {len(refunded)} 人已退费" if refunded else None
    return CheckResult("recorded", **shown, note=note)


def page_context(result: CheckResult) -> dict[str, Any]:
    return {"result": result, "title": f"医保缴费收据查询：{result.label}"}
