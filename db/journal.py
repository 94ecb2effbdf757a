"""The one journal: append-only, hash-chained events (audit trail, sync outbox, evidence).

hash = SHA-256(prev_hash ‖ canonical JSON of the event), the first prev_hash being 64 zeros.
The head (last seq and hash) is also recorded in ``meta`` in the same transaction, so a
truncated tail is detected even though every remaining link still verifies.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from json.encoder import encode_basestring as _json_str  # type: ignore[attr-defined]
from typing import Any

import msgspec

from app.domain import events as ev
from app.domain.canonical import canonical_json, plain_canonical_bytes
from app.domain.events import GENESIS, event_hash
from app.domain.ids import new_id
from db.connection import Connection

__all__ = ["GENESIS", "ChainReport", "Event", "append", "event_hash", "head", "iter_events",
           "iter_ledger_events", "verify_chain"]


@dataclass(frozen=True)
class Event:
    seq: int
    uuid: str
    device_id: str
    type: str
    payload: dict[str, Any]
    actor: str
    at: str
    prev_hash: str
    hash: str

    def body(self) -> dict[str, Any]:
        """The hashed part of the event (everything but the chain links)."""
        return ev.event_body(uuid=self.uuid, device=self.device_id, seq=self.seq,
                             type=self.type, payload=self.payload, actor=self.actor, at=self.at)

    def typed(self) -> ev.JournalEvent:
        return ev.JournalEvent(self.seq, self.device_id, self.type, self.actor, self.at,
                               ev.parse_or_malformed(self.type, self.payload))


def _set_meta(conn: Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def head(conn: Connection) -> tuple[int, str]:
    """The recorded head: (last seq, its hash); (0, GENESIS) for an empty journal."""
    found = dict(conn.execute("SELECT key, value FROM meta WHERE key IN "
                              "('journal_head_seq', 'journal_head_hash')").fetchall())
    seq, hsh = found.get("journal_head_seq"), found.get("journal_head_hash")
    return (int(seq), str(hsh)) if seq is not None and hsh is not None else (0, GENESIS)


def stamp(at: datetime | None = None) -> str:
    """How an event's time is written: UTC, to the microsecond."""
    return (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")


def append(
    conn: Connection,
    *,
    device_id: str,
    type: str,
    payload: dict[str, Any],
    actor: str,
    at: datetime | str | None = None,
    plain: bool = False,
) -> Event:
    """Append one event; the caller holds the transaction that also writes the state tables.

    ``plain``: the caller knows the payload holds no float, so the faster encoder writes the
    same canonical text (:func:`app.domain.canonical.plain_canonical_bytes`)."""
    if not conn.in_transaction:
        raise RuntimeError("journal.append must run inside the transaction of its change")
    last_seq, last_hash = head(conn)
    when = at if isinstance(at, str) else stamp(at)
    # Encoded once: the stored text is what is hashed (as verify reads it back), and the
    # event handed back holds what that text decodes to. A roster import's payload is
    # megabytes, so each further encoding was a visible part of the import.
    text = plain_canonical_bytes(payload).decode("utf-8") if plain else canonical_json(payload)
    new = Event(last_seq + 1, new_id(), device_id, type, ev.stored_json(text), actor,
                when, last_hash, "")
    digest = _stored_event_hash(last_hash, new.seq, new.uuid, device_id, type, text, actor,
                                when) or event_hash(last_hash, new.body())
    conn.execute(
        "INSERT INTO journal (seq, uuid, device_id, type, payload, actor, at, prev_hash, hash) "
        "VALUES (?,?,?,?,?,?,?,?,?)",
        (new.seq, new.uuid, device_id, type, text, actor, when, last_hash, digest),
    )
    _set_meta(conn, "journal_head_seq", str(new.seq))
    _set_meta(conn, "journal_head_hash", digest)
    return Event(**{**new.__dict__, "hash": digest})


# The payloads a push reads back, decoded in C (a damaged one raises, a ValueError as from
# json.loads): the standard decoder was half of reading a 2,000-event batch.
_PAYLOAD = msgspec.json.Decoder()


def iter_events(conn: Connection, *, after_seq: int = 0) -> Iterator[Event]:
    cur = conn.execute(
        "SELECT seq, uuid, device_id, type, payload, actor, at, prev_hash, hash "
        "FROM journal WHERE seq > ? ORDER BY seq",
        (after_seq,),
    )
    for row in cur:
        yield Event(row[0], row[1], row[2], row[3], _PAYLOAD.decode(row[4]), row[5], row[6],
                    row[7], row[8])


def iter_ledger_events(conn: Connection, *, after_seq: int = 0,
                       types: tuple[str, ...] = ev.LEDGER_TYPES) -> Iterator[ev.JournalEvent]:
    """The events the ledger folds (or only ``types``), typed by the catalogue, in order."""
    cur = conn.execute(
        "SELECT seq, device_id, type, payload, actor, at FROM journal "
        f"WHERE seq > ? AND type IN ({','.join('?' * len(types))}) ORDER BY seq",
        (after_seq, *types))
    for seq, device, typ, text, actor, at in cur:
        yield typed_event(seq, device, typ, text, actor, at)


def typed_event(seq: int, device: str, typ: str, text: str, actor: str,
                at: str) -> ev.JournalEvent:
    """One stored row as the fold sees it; a payload that is not JSON is kept as Malformed."""
    return ev.JournalEvent(seq, device, typ, actor, at, ev.parse_stored(typ, text))


@dataclass
class ChainReport:
    ok: bool
    events: int
    head: str
    problems: list[str] = field(default_factory=list)
    first_bad_seq: int | None = None


def _stored_event_hash(prev_hash: str, seq: int, uid: str, dev: str, typ: str,
                       payload_text: str, actor: str, at: str) -> str:
    """``event_hash`` of the event as stored, without parsing its payload.

    ``append`` stores the payload as canonical JSON, so the canonical body is the stored text
    with the other fields around it in sorted-key order: the same bytes as
    ``canonical_json(body)``, without turning every payload into objects and back (most of
    verify's time at 100,000 events).
    """
    if not (type(uid) is str and type(dev) is str and type(typ) is str
            and type(payload_text) is str and type(actor) is str and type(at) is str):
        return ""  # a damaged row: the field-by-field check below says what is wrong
    text = (f'{{"actor":{_json_str(actor)},"at":{_json_str(at)},"device":{_json_str(dev)},'
            f'"payload":{payload_text},"seq":{seq},"type":{_json_str(typ)},'
            f'"uuid":{_json_str(uid)}}}')
    return ev.event_hash_of_text(prev_hash, text)


def verify_chain(conn: Connection, *,
                 visit: Callable[[ev.JournalEvent], None] | None = None,
                 types: frozenset[str] = frozenset()) -> ChainReport:
    """Recompute every link and compare the end with the recorded head; name the first bad event.

    ``visit`` is handed each event of ``types``, typed, in the same pass: verify folds the
    ledger while the chain is checked instead of reading the journal a second time.
    """
    problems: list[str] = []
    first_bad: int | None = None
    prev = GENESIS
    expected_seq = 1
    count = 0
    cur = conn.execute(
        "SELECT seq, uuid, device_id, type, payload, actor, at, prev_hash, hash "
        "FROM journal ORDER BY seq"
    )
    for seq, uid, dev, typ, payload_text, actor, at, prev_hash, stored_hash in cur:
        count += 1
        if visit is not None and typ in types:
            visit(typed_event(seq, dev, typ, payload_text, actor, at))
        if first_bad is not None:
            continue
        if (seq == expected_seq and prev_hash == prev and stored_hash
                == _stored_event_hash(prev, seq, uid, dev, typ, payload_text, actor, at)):
            prev = stored_hash
            expected_seq = seq + 1
            continue
        # Anything short of a perfect link is looked at field by field, to say what is wrong.
        body = {"uuid": uid, "device": dev, "seq": seq, "type": typ, "actor": actor, "at": at}
        try:
            body["payload"] = json.loads(payload_text)
        except ValueError:
            first_bad = seq
            problems.append(f"第 {seq} 条事件（{uid}）：内容不是有效的 JSON")
            continue
        if seq != expected_seq:
            first_bad = expected_seq if seq > expected_seq else seq
            problems.append(f"第 {expected_seq} 条事件缺失（接下来是第 {seq} 条）"
                            if seq > expected_seq else f"第 {seq} 条事件顺序错误")
        elif prev_hash != prev:
            first_bad = seq
            problems.append(f"第 {seq} 条事件（{typ}，{uid}）：与上一条的哈希链断开（有事件被删除或调换顺序）")
        elif event_hash(prev, body) != stored_hash:
            first_bad = seq
            problems.append(f"第 {seq} 条事件（{typ}，{uid}）：内容与哈希不符（被修改）")
        prev = stored_hash
        expected_seq = seq + 1
    rec_seq, rec_hash = head(conn)
    if first_bad is None and (rec_seq, rec_hash) != (count, prev):
        if rec_seq > count:
            first_bad = count + 1
            problems.append(f"日志被截断：记录的末条是第 {rec_seq} 条，但日志只到第 {count} 条")
        else:
            first_bad = rec_seq + 1
            problems.append(f"记录的日志末条（第 {rec_seq} 条）与实际末条（第 {count} 条）不符")
    return ChainReport(not problems, count, prev, problems, first_bad)
