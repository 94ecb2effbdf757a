"""Receiving villages' journals into the township database (乡镇财政所), checked link by link.

Events arrive from the county feed (kind ``village_event``) or from a village's USB bundle. Each
device's chain is rebuilt here from its genesis event: an event is stored only as the next link
(seq = head + 1, prev_hash = the head's hash, hash recomputed with ``db.journal.event_hash``);
anything else is recorded as a problem and not stored. A ``payment.collected`` receipt's QR is
checked against the device key from that genesis event, and the verdict is stored with the
event. Stored rows are append-only: the township can read a village's records, never change
them, and no service here offers to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.domain import events as catalogue
from app.domain.canonical import canonical_json
from app.services.base.common import iso, utc_now
from app.services.base.roles import any_role, requires_role
from app.services.base.workspace import Workspace
from db.connection import tx
from db.journal import GENESIS, event_hash
from receipts.qr import verify_qr
from sync.protocol import WireEvent


@dataclass
class IngestTally:
    stored: int = 0
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"stored": self.stored, "duplicates": self.duplicates,
                "problems": self.problems[:50], "problem_count": len(self.problems)}


def _problem(ws: Workspace, tally: IngestTally, village: str, ev: WireEvent, reason: str,
             message: str) -> None:
    ws.conn.execute(
        "INSERT OR IGNORE INTO tw_ingest_problems (device_id, village, seq, uuid, reason, "
        "message, at) VALUES (?,?,?,?,?,?,?)",
        (ev.device, village, ev.seq, ev.uuid, reason, message, iso(utc_now())))
    tally.problems.append(message)


def _public_key(hex_key: str) -> Ed25519PublicKey | None:
    try:
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(hex_key))
    except ValueError:
        return None


def receipt_verdict(device_id: str, public_key_hex: str, payment: catalogue.Payload, *,
                    seq: int | None = None, prev_hash: str | None = None) -> str:
    """'ok' when the receipt's signed QR verifies with the device key and says what the
    payment says (and, for a version-2 QR, pins the event's seq and previous hash, when
    given); 'bad' otherwise (a payment its model does not accept included); 'none' for
    a payment without a receipt (fully subsidised)."""
    if isinstance(payment, catalogue.PaymentCollected) and payment.receipt is None:
        return "none"
    key = _public_key(public_key_hex)
    if not isinstance(payment, catalogue.PaymentCollected) or key is None \
            or payment.receipt is None or not isinstance(payment.receipt.qr, str):
        return "bad"
    receipt = payment.receipt
    verdict = verify_qr(receipt.qr, {device_id: key})
    if not verdict.ok or verdict.fields is None:
        return "bad"
    f = verdict.fields
    same = (f["device_id"] == device_id and f"{f['series']} {f['number']}" == receipt.label
            and f["series"] == receipt.series and f["total_fen"] == payment.amount_fen)
    if "journal_seq" in f and seq is not None and prev_hash is not None:
        same = same and f["journal_seq"] == seq and prev_hash.startswith(f["prev_hash16"])
    return "ok" if same else "bad"


def _head(ws: Workspace, device_id: str) -> tuple[int, str]:
    row = ws.conn.execute("SELECT seq, hash FROM tw_events WHERE device_id = ? "
                          "ORDER BY seq DESC LIMIT 1", (device_id,)).fetchone()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS)


@requires_role("township", "接收村里的收缴数据")
def ingest_events(ws: Workspace, events: Iterable[tuple[str, WireEvent]], *,
                  via: str) -> IngestTally:
    """Store each (village, event) that extends its device's verified chain; the caller's
    transaction (or one of our own) holds all of it."""
    tally = IngestTally()
    heads: dict[str, tuple[int, str]] = {}
    devices: dict[str, tuple[str, str]] = {}
    now = iso(utc_now())
    with tx(ws.conn):
        for village, ev in events:
            # The hash is checked first: an altered copy keeping the old hash is no duplicate.
            if event_hash(ev.prev_hash, ev.body()) != ev.hash:
                _problem(ws, tally, village, ev, "bad_hash",
                         f"村 {village} 设备 {ev.device[:8]} 第 {ev.seq} 条记录内容与哈希不符"
                         "（与已收到的记录不同，被篡改）")
                continue
            held = ws.conn.execute("SELECT hash FROM tw_events WHERE uuid = ?",
                                   (ev.uuid,)).fetchone()
            if held is not None:
                if held[0] == ev.hash:
                    tally.duplicates += 1
                else:
                    _problem(ws, tally, village, ev, "uuid_reused",
                             f"村 {village} 设备 {ev.device[:8]} 第 {ev.seq} 条记录与已收到的同一记录"
                             "内容不同（被改动）")
                continue
            if ev.device not in heads:
                heads[ev.device] = _head(ws, ev.device)
            head_seq, head_hash = heads[ev.device]
            if ev.seq != head_seq + 1 or ev.prev_hash != head_hash:
                reason = "gap" if ev.seq > head_seq + 1 else \
                    "fork" if ev.seq <= head_seq else "chain_broken"
                _problem(ws, tally, village, ev, reason,
                         f"村 {village} 设备 {ev.device[:8]} 第 {ev.seq} 条记录接不上已收到的第 "
                         f"{head_seq} 条（{'缺少中间记录' if reason == 'gap' else '日志分叉或被改动'}）")
                continue
            if ev.seq == 1:
                genesis = catalogue.parse_or_malformed(ev.type, ev.payload)
                key = genesis.device_public_key \
                    if isinstance(genesis, catalogue.DatabaseCreated) else None
                if not isinstance(genesis, catalogue.DatabaseCreated) or not key \
                        or _public_key(key) is None:
                    _problem(ws, tally, village, ev, "genesis",
                             f"村 {village} 设备 {ev.device[:8]} 的第一条记录不是有效的建库记录")
                    continue
                ws.conn.execute(
                    "INSERT INTO tw_devices (device_id, village, public_key, first_user, "
                    "first_seen_at, via) VALUES (?,?,?,?,?,?)",
                    (ev.device, village, key, genesis.user or ev.actor, now, via))
            if ev.device not in devices:
                row = ws.conn.execute("SELECT village, public_key FROM tw_devices "
                                      "WHERE device_id = ?", (ev.device,)).fetchone()
                devices[ev.device] = (str(row[0]), str(row[1]))
            home, key_hex = devices[ev.device]
            sig = receipt_verdict(ev.device, key_hex, catalogue.parse_or_malformed(
                ev.type, ev.payload), seq=ev.seq, prev_hash=ev.prev_hash) \
                if ev.type == "payment.collected" else "none"
            ws.conn.execute(
                "INSERT INTO tw_events (device_id, seq, uuid, type, payload, actor, at, "
                "prev_hash, hash, village, receipt_sig, received_at, via) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (ev.device, ev.seq, ev.uuid, ev.type, canonical_json(ev.payload), ev.actor,
                 ev.at, ev.prev_hash, ev.hash, home, sig, now, via))
            heads[ev.device] = (ev.seq, ev.hash)
            tally.stored += 1
    return tally


@any_role
def device_keys(ws: Workspace) -> dict[str, str]:
    """device id → Ed25519 public key (hex) of every village device the township knows."""
    return {d: k for d, k in ws.conn.execute("SELECT device_id, public_key FROM tw_devices")}
