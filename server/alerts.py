"""Alerts at the county (``yibao-server admin alerts``): what a person must look at.

Three kinds, each per device and village, with the journal position it is about:

- ``refused``: a genuine, chained event the ledger model or the county's checks refused
  (``reason`` is the event's refusal code: ledger_rule, not_on_roster, book_not_allocated,
  malformed);
- ``rewritten_event``: a push carried a different event at a position the county already
  holds (same seq, different hash; ``reason`` fork or uuid_reused) — the device's journal was
  rewritten after it synced;
- ``countersignature_mismatch``: the device reported a head, or presented a
  countersignature, that contradicts what the county countersigned (``reason``
  head_contradicts, head_behind, forged_countersignature, foreign_countersignature,
  countersigned_head_differs, countersigned_head_missing).

An alert is recorded once: the same finding (kind, device, seq, reason, hash) pushed again is
not a new alert.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select

from server.kernel import Server
from server.schema import alerts

KINDS: tuple[str, ...] = ("refused", "rewritten_event", "countersignature_mismatch")


def raise_alert(srv: Server, conn: Connection, *, kind: str, device: Any, seq: int,
                reason: str, message: str, event_uuid: str | None = None,
                detail: str = "") -> bool:
    """Record an alert in the caller's transaction (which holds the device's row lock, so
    two pushes of one device cannot race here); False when it was already recorded."""
    held = conn.execute(select(alerts.c.id).where(
        alerts.c.kind == kind, alerts.c.device_id == device.id, alerts.c.seq == seq,
        alerts.c.reason == reason, alerts.c.detail == detail)).first()
    if held is not None:
        return False
    conn.execute(insert(alerts).values(kind=kind, device_id=device.id, village=device.village,
                                       seq=seq, reason=reason, message=message[:2000],
                                       event_uuid=event_uuid, detail=detail,
                                       at=srv.now_iso()))
    return True


def list_alerts(srv: Server, *, kind: str | None = None, village: str | None = None,
                device_id: str | None = None) -> list[dict[str, Any]]:
    """Every alert, by device (and village) then journal position."""
    query = select(alerts)
    if kind:
        query = query.where(alerts.c.kind == kind)
    if village:
        query = query.where(alerts.c.village == village)
    if device_id:
        query = query.where(alerts.c.device_id == device_id)
    with srv.engine.connect() as conn:
        rows = conn.execute(query.order_by(alerts.c.village, alerts.c.device_id,
                                           alerts.c.seq, alerts.c.id)).all()
    return [{"kind": r.kind, "device_id": r.device_id, "village": r.village, "seq": int(r.seq),
             "reason": r.reason, "message": r.message, "at": r.at,
             "event_uuid": r.event_uuid} for r in rows]
