"""The client's side of sync in its own database: enrolment keys, acknowledgements, cursor.

The journal is the outbox: an event is pending while its seq is above ``acked_seq``. Nothing
here opens a transaction; callers write state in the same transaction as what it describes
(the pull page it follows, or right after the push response that acknowledged it).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from db import journal
from db.connection import Connection
from sync.protocol import (
    GENESIS,
    Countersignature,
    EventResult,
    Head,
    WireEvent,
    verify_countersignature,
)


@dataclass(frozen=True)
class SyncState:
    enrolled: bool
    enrol_pending: bool  # a bundle carried an enrolment whose reply has not come back yet
    server_id: str | None
    server_sign_key: str | None
    server_box_key: str | None
    box_private_key: str | None
    village: str | None
    user: str | None
    acked_seq: int
    acked_hash: str
    cursor: int
    last_sync_at: str | None
    last_server_time: str | None
    ca_bundle: str | None

    def box_key(self) -> X25519PrivateKey | None:
        if not self.box_private_key:
            return None
        return X25519PrivateKey.from_private_bytes(bytes.fromhex(self.box_private_key))


def _values(conn: Connection) -> dict[str, str]:
    return dict(conn.execute("SELECT key, value FROM sync_state").fetchall())


def load_state(conn: Connection) -> SyncState:
    v = _values(conn)
    return SyncState(
        enrolled=v.get("enrolled") == "1",
        enrol_pending=v.get("enrol_pending") == "1",
        server_id=v.get("server_id"),
        server_sign_key=v.get("server_sign_key"),
        server_box_key=v.get("server_box_key"),
        box_private_key=v.get("box_private_key"),
        village=v.get("village"),
        user=v.get("user"),
        acked_seq=int(v.get("acked_seq", "0")),
        acked_hash=v.get("acked_hash", GENESIS),
        cursor=int(v.get("cursor", "0")),
        last_sync_at=v.get("last_sync_at"),
        last_server_time=v.get("last_server_time"),
        ca_bundle=v.get("ca_bundle"),
    )


def save_state(conn: Connection, **values: str | int | bool | None) -> None:
    """Write some keys; ``None`` removes one. The caller holds the transaction."""
    for key, value in values.items():
        if value is None:
            conn.execute("DELETE FROM sync_state WHERE key = ?", (key,))
            continue
        text = ("1" if value else "0") if isinstance(value, bool) else str(value)
        conn.execute("INSERT INTO sync_state (key, value) VALUES (?, ?) "
                     "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, text))


def to_wire(ev: journal.Event) -> WireEvent:
    return WireEvent(uuid=ev.uuid, device=ev.device_id, seq=ev.seq, type=ev.type,
                     payload=ev.payload, actor=ev.actor, at=ev.at, prev_hash=ev.prev_hash,
                     hash=ev.hash)


# A push request stays well under MAX_REQUEST_BYTES whatever its events hold: a batch ends
# at ``limit`` events or at this many bytes of payload, whichever comes first (at least one).
PUSH_BATCH_BYTES = 2 * 1024 * 1024


def pending_events(conn: Connection, after_seq: int, limit: int) -> list[WireEvent]:
    out: list[WireEvent] = []
    size = 0
    # Each event weighs its stored payload's bytes: the canonical JSON it is sent as
    # (db.journal stores exactly that), read by SQLite instead of encoded again here.
    weights = conn.execute("SELECT length(CAST(payload AS BLOB)) FROM journal WHERE seq > ? "
                           "ORDER BY seq LIMIT ?", (after_seq, limit))
    for ev, (weight,) in zip(journal.iter_events(conn, after_seq=after_seq), weights,
                             strict=False):
        wire = to_wire(ev)
        if out and size + weight > PUSH_BATCH_BYTES:
            break
        out.append(wire)
        size += weight
        if len(out) >= limit:
            break
    return out


def pending_count(conn: Connection, acked_seq: int) -> int:
    head_seq, _ = journal.head(conn)
    return max(0, head_seq - acked_seq)


def journal_head(conn: Connection) -> Head:
    seq, digest = journal.head(conn)
    return Head(seq=seq, hash=digest)


def event_link(conn: Connection, seq: int) -> tuple[str, str] | None:
    """(uuid, hash) of our journal event ``seq``, or None when there is no such event."""
    row = conn.execute("SELECT uuid, hash FROM journal WHERE seq = ?", (seq,)).fetchone()
    return None if row is None else (str(row[0]), str(row[1]))


# ---- the county's countersignatures and refusals (docs/SYNC.md, "County trust") ------------


def countersignature_problem(conn: Connection, device_id: str, cs: Countersignature,
                             server_sign_key: str | None) -> str | None:
    """Why a countersignature the county sent does not hold for this journal, or None: it
    must be the county's signature (the key pinned at enrolment) over one of our own events."""
    if cs.device_id != device_id:
        return "县医保服务器的确认签名不是给本机的"
    if not server_sign_key or not verify_countersignature(server_sign_key, cs):
        return "县医保服务器的确认签名无效（不是县医保服务器签发的）"
    if cs.seq == 0:
        return None if cs.hash == GENESIS else "县医保服务器确认的日志末条与本机不符"
    link = event_link(conn, cs.seq)
    if link is None:
        head_seq, _ = journal.head(conn)
        return (f"日志被截断：县医保服务器已确认到第 {cs.seq} 条，本机日志只到第 {head_seq} 条"
                "（请从备份恢复并报告乡镇财政所）")
    if link[1] != cs.hash:
        return (f"本机日志第 {cs.seq} 条及以前与县医保服务器确认的不符：日志被改写"
                "（请报告乡镇财政所）")
    return None


def record_countersignature(conn: Connection, cs: Countersignature, *, via: str,
                            received_at: str) -> None:
    """Keep a countersignature (the caller checked it and holds the transaction)."""
    conn.execute("INSERT OR IGNORE INTO county_countersignatures (seq, hash, at, signature, "
                 "received_at, via) VALUES (?,?,?,?,?,?)",
                 (cs.seq, cs.hash, cs.at, cs.signature, received_at, via))


def latest_countersignature(conn: Connection, device_id: str) -> Countersignature | None:
    """The newest countersignature kept (the highest seq), or None before the first."""
    row = conn.execute("SELECT seq, hash, at, signature FROM county_countersignatures "
                       "ORDER BY seq DESC, received_at DESC LIMIT 1").fetchone()
    if row is None:
        return None
    return Countersignature(device_id=device_id, seq=int(row[0]), hash=str(row[1]),
                            at=str(row[2]), signature=str(row[3]))


def record_refusals(conn: Connection, results: list[EventResult], *,
                    received_at: str) -> list[dict[str, object]]:
    """Keep the events the county refused (stored there, claiming nothing); returns them."""
    out: list[dict[str, object]] = []
    for r in results:
        if r.status != "refused":
            continue
        row = conn.execute("SELECT type FROM journal WHERE seq = ?", (r.seq,)).fetchone()
        refusal = {"seq": r.seq, "uuid": r.uuid, "type": str(row[0]) if row else "",
                   "reason": r.reason or "", "message": r.message or r.reason or "refused"}
        conn.execute("INSERT OR IGNORE INTO county_refusals (seq, uuid, type, reason, message, "
                     "received_at) VALUES (?,?,?,?,?,?)",
                     (r.seq, r.uuid, refusal["type"], refusal["reason"], refusal["message"],
                      received_at))
        out.append(refusal)
    return out


def refusals(conn: Connection) -> list[dict[str, object]]:
    """Every event the county refused, oldest first."""
    return [{"seq": s, "uuid": u, "type": t, "reason": r, "message": m, "received_at": at}
            for s, u, t, r, m, at in conn.execute(
                "SELECT seq, uuid, type, reason, message, received_at FROM county_refusals "
                "ORDER BY seq")]
