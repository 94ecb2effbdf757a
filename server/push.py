"""Push at the county (``/v1/push`` and a USB bundle's events): each event exactly once.

An event is checked against its device's chain (right device, hash, next seq, previous hash,
the genesis naming the enrolled key), then judged by the ledger model and the county's checks
(``server.trust``): refused, it is stored and acknowledged but claims nothing; accepted, a
payment claims each person's enrolment for the year (first accepted wins; the others get a
conflict notice), a void or a refund releases it, and the township relay sees every stored
event (``server.relay``). Every answer carries the county's countersignature over the
device's head as now held; rewrites of held events and heads contradicting held ones raise
alerts (``server.alerts``).

A batch costs a handful of statements, not a few per event: what the checks read is read once
for the whole batch (``trust.Judge``, ``server.claims``), and the rows it stores (events,
receipts, claims, persons, feed items) are written together at the end (``insert_rows``,
``FeedBatch``), in the one transaction that holds the device's row lock.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.domain import events as catalogue
from server import relay, trust
from server.alerts import raise_alert
from server.claims import Claims
from server.kernel import FeedBatch, Server, among, enrolled_device, insert_rows, retrying
from server.schema import devices, events, pushes, receipt_index
from sync.protocol import (
    GENESIS,
    PROTOCOL_VERSION,
    Countersignature,
    Head,
    PushRequest,
    PushResponse,
    WireEvent,
    public_hex,
    verify_countersignature,
)


@dataclass
class _Outcome:
    status: Literal["accepted", "conflict", "refused"]
    reason: str | None = None
    message: str | None = None


# EventResult.message holds this many characters (sync.protocol).
MESSAGE_CHARS = 500
UUID_REUSED = "此记录的事件编号（UUID）与县医保已保存的记录冲突，拒收"


def _result(ev: WireEvent, status: str, reason: str | None = None, message: str | None = None,
            first_status: str | None = None) -> dict[str, Any]:
    """The answer for one event, as the fields of an ``EventResult`` (:func:`push_answer`):
    ``model_construct`` for each, in Python, was a twelfth of a push's time."""
    return {"uuid": ev.uuid, "seq": ev.seq, "status": status, "reason": reason,
            # Words may quote what the device sent: cut to what the answer's model holds.
            "message": message[:MESSAGE_CHARS] if message else message,
            "first_status": first_status}


def _reject(ev: WireEvent, reason: str, message: str) -> dict[str, Any]:
    return _result(ev, "rejected", reason, message)


def _link_problem(ev: WireEvent, payload_text: str | None, device: Any, head_seq: int,
                  head_hash: str) -> tuple[str, str] | None:
    """Why the event cannot be the device's next (``payload_text`` is
    :meth:`WireEvent.verified_payload`, None when the hash does not hold)."""
    if ev.device != device.id:
        return "wrong_device", "此记录属于另一台设备"
    if payload_text is None:
        return "bad_hash", f"第 {ev.seq} 条记录的内容与哈希不符（被改动或损坏）"
    if ev.seq <= head_seq:
        return "fork", f"第 {ev.seq} 条记录与服务器已收到的同号记录不同（设备日志出现分叉）"
    if ev.seq > head_seq + 1:
        return "gap", f"缺少第 {head_seq + 1} 条记录，请从该条开始重新上传"
    if ev.prev_hash != head_hash:
        return "chain_broken", f"第 {ev.seq} 条记录与上一条记录的哈希链断开"
    genesis = catalogue.parse_or_malformed(ev.type, ev.payload) if ev.seq == 1 else None
    if ev.seq == 1 and (not isinstance(genesis, catalogue.DatabaseCreated)
                        or genesis.device_public_key != device.public_key):
        return "genesis_mismatch", "第一条记录与登记的设备密钥不符"
    return None


def _apply(srv: Server, conn: Connection, batch: _Batch, device: Any, ev: WireEvent,
           typed: catalogue.Payload) -> _Outcome:
    """An accepted event's effects at the county: relay, claims, releases."""
    refused = relay.on_event(srv, conn, batch.feed, device, ev, batch.townships,
                             township=batch.township)
    if refused is not None:
        return _Outcome("accepted", *refused)
    if isinstance(typed, catalogue.PaymentCollected):
        messages = batch.claims.pay(conn, batch.feed, device, ev.uuid, typed, batch.now)
        if messages:
            return _Outcome("conflict", "conflict", "；".join(dict.fromkeys(messages))[:500])
    elif isinstance(typed, catalogue.ReceiptVoided):
        batch.claims.release(conn, device, column="payment_id", value=typed.payment_id,
                             resolution="voided", now=batch.now)
    elif isinstance(typed, catalogue.RefundMade):
        batch.claims.release(conn, device, column="line_id", value=typed.payment_line_id,
                             resolution="refunded", now=batch.now)
    return _Outcome("accepted")


@dataclass
class _Batch:
    """What one push reads once and writes together: claims, feed items, the townships."""

    claims: Claims
    feed: FeedBatch
    township: bool
    townships: list[str]
    now: str


def push(srv: Server, device_id: str, req: PushRequest, *, via: str = "http",
         plain: bool = False) -> PushResponse:
    """Apply a batch in one transaction, each event exactly once (UUID is the primary key).
    ``plain``: the request's body was plain JSON (:func:`server.wire.parse_body_plain`)."""
    return PushResponse.model_validate(push_answer(srv, device_id, req, via=via, plain=plain))


def push_answer(srv: Server, device_id: str, req: PushRequest, *, via: str = "http",
                plain: bool = False) -> dict[str, Any]:
    """:func:`push`'s answer as the values of a ``PushResponse``, which the county writes as
    they are: every one is the county's own or taken from the checked request (a model built
    and dumped again for 2,000 results was a tenth of a push). ``tests/test_push_answer.py``
    holds the bytes to the model.

    A batch that continues the device's chain seq by seq cannot hold an event the county
    has from this device (those are all at or below its head), so its UUIDs are not looked
    up first: one the county holds from elsewhere fails the primary key on insert, and the
    batch is then done again with the lookup, answering as it always has."""
    looked_up = False

    def work() -> tuple[dict[str, Any], trust.DeviceLedger]:
        nonlocal looked_up
        try:
            with srv.engine.begin() as conn:
                return _push_tx(srv, conn, device_id, req, via, plain, look_up=looked_up)
        except IntegrityError:
            looked_up = True
            raise

    answer, ledger = retrying(work)
    # Only now, committed, may the fold stand for the new head.
    trust.keep(srv, device_id, ledger)
    return answer


class _Held:
    """The hashes the county holds for a device, this batch's included."""

    def __init__(self, conn: Connection, device_id: str) -> None:
        self.conn = conn
        self.device_id = device_id
        self.batch: dict[int, str] = {}

    def hash_at(self, seq: int) -> str | None:
        if seq == 0:
            return GENESIS
        if seq in self.batch:
            return self.batch[seq]
        row = self.conn.execute(select(events.c.hash).where(
            events.c.device_id == self.device_id, events.c.seq == seq)).first()
        return row.hash if row is not None else None


def _rewrite_alert(srv: Server, conn: Connection, device: Any, held: _Held, ev: WireEvent,
                   reason: str) -> None:
    stored = held.hash_at(ev.seq)
    if stored is None or stored == ev.hash:
        return
    raise_alert(srv, conn, kind="rewritten_event", device=device, seq=ev.seq, reason=reason,
                event_uuid=ev.uuid, detail=ev.hash,
                message=f"第 {ev.seq} 条记录已同步到县医保（哈希 {stored[:12]}…），这次上传的同号"
                        f"记录内容不同（哈希 {ev.hash[:12]}…）：设备日志在同步后被改写")


def _head_alerts(srv: Server, conn: Connection, device: Any, held: _Held, head_seq: int,
                 req: PushRequest) -> None:
    """The device's reported head, and the countersignature it presents, against what the
    county holds (and so countersigned)."""
    reported = req.head
    if reported.seq <= head_seq:
        ours = held.hash_at(reported.seq)
        if ours is not None and ours != reported.hash:
            raise_alert(srv, conn, kind="countersignature_mismatch", device=device,
                        seq=reported.seq, reason="head_contradicts", detail=reported.hash,
                        message=f"设备报告日志末条为第 {reported.seq} 条（哈希 "
                                f"{reported.hash[:12]}…），与县医保已会签的同号记录（哈希 "
                                f"{ours[:12]}…）不符：设备日志被改写")
    cs: Countersignature | None = req.countersigned
    if cs is None:
        return
    if cs.device_id != device.id:
        raise_alert(srv, conn, kind="countersignature_mismatch", device=device, seq=cs.seq,
                    reason="foreign_countersignature", detail=cs.hash,
                    message=f"设备出示的会签属于另一台设备（{cs.device_id}）")
        return
    if not verify_countersignature(public_hex(srv.sign_key), cs):
        raise_alert(srv, conn, kind="countersignature_mismatch", device=device, seq=cs.seq,
                    reason="forged_countersignature", detail=cs.hash,
                    message=f"设备出示的第 {cs.seq} 条会签不是本县医保服务器签发的（签名无效）")
        return
    if cs.seq > head_seq:
        raise_alert(srv, conn, kind="countersignature_mismatch", device=device, seq=cs.seq,
                    reason="countersigned_head_missing", detail=cs.hash,
                    message=f"县医保曾会签此设备的第 {cs.seq} 条记录，现在只保存到第 {head_seq} 条："
                            "县医保数据可能从旧备份恢复过")
    elif held.hash_at(cs.seq) != cs.hash:
        raise_alert(srv, conn, kind="countersignature_mismatch", device=device, seq=cs.seq,
                    reason="countersigned_head_differs", detail=cs.hash,
                    message=f"县医保会签的第 {cs.seq} 条记录与现在保存的不符：县医保数据被改动")
    if reported.seq < cs.seq:
        raise_alert(srv, conn, kind="countersignature_mismatch", device=device, seq=cs.seq,
                    reason="head_behind", detail=reported.hash,
                    message=f"设备持有第 {cs.seq} 条的会签，却报告日志只到第 {reported.seq} 条："
                            "设备日志被截断或从旧备份恢复")
    elif reported.seq == cs.seq and reported.hash != cs.hash:
        raise_alert(srv, conn, kind="countersignature_mismatch", device=device, seq=cs.seq,
                    reason="head_contradicts", detail=reported.hash,
                    message=f"设备报告的第 {cs.seq} 条记录与它持有的县医保会签不符")


def _reported_head_holds(held: _Held, head_seq: int, reported: Head, *, clean: bool) -> bool:
    """Whether the device's reported head may be recorded (``devices.reported_seq/hash``).

    A head at or below what the county holds is checked against the stored event of that seq
    and recorded only when the hashes agree (a contradiction raised an alert instead). A head
    ahead of it (events still to come, the batch limit) cannot be checked yet, so it is
    recorded only after a push with no event rejected; the push log keeps every claim."""
    if reported.seq <= head_seq:
        return held.hash_at(reported.seq) == reported.hash
    return clean


def _receipt_row(device_id: str, ev: WireEvent, typed: catalogue.Payload,
                 status: str) -> dict[str, Any] | None:
    if not isinstance(typed, catalogue.PaymentCollected) or typed.receipt is None:
        return None
    r = typed.receipt
    if not (1 <= len(r.series) <= 20 and 0 <= r.number <= 10**12
            and 1 <= len(typed.payment_id) <= 64):
        return None
    return {"device_id": device_id, "seq": ev.seq, "series": r.series, "number": r.number,
            "payment_id": typed.payment_id, "event_uuid": ev.uuid, "status": status}


def _push_tx(srv: Server, conn: Connection, device_id: str, req: PushRequest, via: str,
             plain: bool, *, look_up: bool) -> tuple[dict[str, Any], trust.DeviceLedger]:
    # The row lock serialises two pushes of one device (a retry racing a slow original).
    device = enrolled_device(conn, device_id, for_update=True)
    head_seq, head_hash = int(device.head_seq), str(device.head_hash)
    known: dict[str, tuple[tuple[str, int, str, str], _Outcome]] = {}
    continues = all(ev.device == device.id and ev.seq == head_seq + i
                    for i, ev in enumerate(req.events, start=1))
    if look_up or not continues:
        uuids = [ev.uuid for ev in req.events]
        for row in conn.execute(select(events.c.uuid, events.c.device_id, events.c.seq,
                                       events.c.hash, events.c.prev_hash, events.c.status,
                                       events.c.reason, events.c.message)
                                .where(among(conn, events.c.uuid, uuids))):
            known[row.uuid] = ((row.device_id, int(row.seq), row.hash, row.prev_hash),
                               _Outcome(row.status, row.reason, row.message))
    typed = {ev.uuid: catalogue.parse_or_malformed(ev.type, ev.payload)
             for ev in req.events if ev.uuid not in known}
    ledger = trust.device_ledger(srv, conn, device.id, head_seq, head_hash)
    judge = trust.Judge.for_batch(conn, device, ledger, typed.values())
    township = relay.is_township(conn, device.village)
    now = srv.now_iso()
    batch = _Batch(Claims.for_batch(conn, typed.values()), FeedBatch(), township,
                   [] if township else relay.townships_of(conn, device.village), now)
    held = _Held(conn, device.id)
    results: list[dict[str, Any]] = []
    stored: list[dict[str, Any]] = []
    receipts: list[dict[str, Any]] = []
    refusals: list[tuple[WireEvent, trust.Refusal]] = []
    broken = False
    for ev in req.events:
        prior = known.get(ev.uuid)
        if prior is not None and prior[0][0] != device.id:
            # Another device's event UUID. The answer must not tell that it exists there:
            # the event is checked like a new one, and only where a new one would be stored
            # is it refused, in the same words as a UUID this device reused.
            problem = None if broken else _link_problem(ev, ev.verified_payload(plain=plain),
                                                        device, head_seq, head_hash)
            if broken:
                results.append(_reject(ev, "after_rejected", "前面的记录被拒收，此条未处理"))
            elif problem is not None:
                results.append(_reject(ev, *problem))
                if problem[0] == "fork":
                    _rewrite_alert(srv, conn, device, held, ev, "fork")
            else:
                results.append(_reject(ev, "uuid_reused", UUID_REUSED))
            broken = True
            continue
        if prior is not None:
            identity, first = prior
            # The stored copy's hash was verified on arrival, so equal verified hashes mean
            # equal content: the same answer as the first time, marked as a repeat.
            if identity == (device.id, ev.seq, ev.hash, ev.prev_hash) and ev.hash_ok():
                results.append(_result(ev, "duplicate", first.reason, first.message,
                                       first.status))
            else:
                results.append(_reject(ev, "uuid_reused", UUID_REUSED))
                if ev.device == device.id and ev.seq <= head_seq:
                    _rewrite_alert(srv, conn, device, held, ev, "uuid_reused")
            continue
        if broken:
            results.append(_reject(ev, "after_rejected", "前面的记录被拒收，此条未处理"))
            continue
        payload_text = ev.verified_payload(plain=plain)
        problem = _link_problem(ev, payload_text, device, head_seq, head_hash)
        if problem is not None:
            results.append(_reject(ev, *problem))
            if problem[0] == "fork":
                _rewrite_alert(srv, conn, device, held, ev, "fork")
            broken = True
            continue
        payload = typed[ev.uuid]
        journal_event = trust.journal_event(device.id, ev.seq, ev.type, ev.actor, ev.at,
                                            payload)
        refusal = judge.judge(journal_event) or judge.accept(journal_event, payload_text)
        if refusal is None:
            outcome = _apply(srv, conn, batch, device, ev, payload)
        else:
            # Stored and acknowledged, claims nothing; the township still sees the record.
            outcome = _Outcome("refused", refusal.reason, refusal.message)
            refusals.append((ev, refusal))
            relay.relay(batch.feed, device.village, batch.townships, ev)
        # Inserted together below: nothing in this batch reads them back from the table.
        stored.append({"uuid": ev.uuid, "device_id": device.id, "seq": ev.seq, "type": ev.type,
                       "payload": payload_text, "actor": ev.actor, "at": ev.at,
                       "prev_hash": ev.prev_hash, "hash": ev.hash, "status": outcome.status,
                       "reason": outcome.reason, "message": outcome.message,
                       "received_at": now, "via": via})
        row = _receipt_row(device.id, ev, payload, outcome.status)
        if row is not None:
            receipts.append(row)
        known[ev.uuid] = ((device.id, ev.seq, ev.hash, ev.prev_hash), outcome)
        held.batch[ev.seq] = ev.hash
        head_seq, head_hash = ev.seq, ev.hash
        results.append(_result(ev, outcome.status, outcome.reason, outcome.message))
    insert_rows(conn, events, stored)
    insert_rows(conn, receipt_index, receipts)
    batch.claims.flush(conn)
    batch.feed.flush(srv, conn)
    for ev, refusal in refusals:
        raise_alert(srv, conn, kind="refused", device=device, seq=ev.seq,
                    reason=refusal.reason, message=refusal.message, event_uuid=ev.uuid,
                    detail=ev.hash)
    _head_alerts(srv, conn, device, held, head_seq, req)
    judge.flush(head_seq, head_hash)
    reported: dict[str, Any] = {}
    if _reported_head_holds(held, head_seq, req.head, clean=not broken):
        reported = {"reported_seq": req.head.seq, "reported_hash": req.head.hash,
                    "reported_at": now}
    conn.execute(update(devices).where(devices.c.id == device.id).values(
        head_seq=head_seq, head_hash=head_hash, last_seen_at=now, **reported))
    tally = Counter(r["status"] for r in results)
    conn.execute(insert(pushes).values(
        device_id=device.id, at=now, via=via, client_head_seq=req.head.seq,
        client_head_hash=req.head.hash, events=len(req.events), accepted=tally["accepted"],
        duplicates=tally["duplicate"], conflicts=tally["conflict"],
        rejected=tally["rejected"], refused=tally["refused"]))
    wire = {"protocol": PROTOCOL_VERSION, "device_id": device.id, "results": results,
            "device_head": {"seq": head_seq, "hash": head_hash}, "server_time": now,
            "countersignature": srv.countersign(device.id, head_seq, head_hash).model_dump()}
    return wire, judge.ledger
