"""What the county server does: enrol devices, take pushes exactly once, serve the feed.

Every function runs whole transactions of its own, so the HTTP layer, the USB bundle import
and the admin CLI share one implementation of each rule.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from pydantic import BaseModel
from pydantic import ValidationError as ModelError
from sqlalchemy import Connection, Engine, and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

import server.township_schema  # noqa: F401 - its tables are created with the others
from app.domain import events as catalogue
from app.domain.canonical import canonical_json
from app.domain.errors import ValidationError
from app.domain.idcard import mask_id_number, parse_id_number
from app.domain.policy import parse_policy
from server.errors import ApiError
from server.schema import (
    books,
    claims,
    conflicts,
    counters,
    devices,
    employee_insured,
    enrol_codes,
    events,
    external_payments,
    feed,
    make_engine,
    metadata,
    policies,
    pushes,
    server_meta,
)
from sync.protocol import (
    GENESIS,
    BookData,
    ConflictData,
    CountyKeys,
    EnrolRequest,
    EnrolResponse,
    EventResult,
    ExternalPaymentData,
    FeedItem,
    Head,
    HouseholdData,
    PolicyData,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
    WireEvent,
    private_hex,
    public_hex,
)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud
PULL_PAGE_BYTES = 2 * 1024 * 1024
_TX_ATTEMPTS = 4


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass
class Server:
    engine: Engine
    server_id: str
    sign_key: Ed25519PrivateKey
    box_key: X25519PrivateKey
    clock: Callable[[], float] = field(default=time.time)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def now_iso(self) -> str:
        return iso(self.now())

    def county_keys(self) -> CountyKeys:
        return CountyKeys(server_id=self.server_id, sign_key=public_hex(self.sign_key),
                          box_key=public_hex(self.box_key))

    def close(self) -> None:
        self.engine.dispose()


def open_server(url: str) -> Server:
    """Connect, create the tables and the server's keys on first use."""
    engine = make_engine(url)
    for attempt in range(_TX_ATTEMPTS):
        try:
            metadata.create_all(engine)
            with engine.begin() as conn:
                if conn.execute(select(counters).where(counters.c.name == "feed")).first() is None:
                    conn.execute(insert(counters).values(name="feed", value=0))
                values = dict(conn.execute(select(server_meta.c.key, server_meta.c.value)).all())
                if "server_id" not in values:
                    values = {"server_id": str(uuid.uuid4()),
                              "sign_key": private_hex(Ed25519PrivateKey.generate()),
                              "box_key": private_hex(X25519PrivateKey.generate())}
                    conn.execute(insert(server_meta),
                                 [{"key": k, "value": v} for k, v in values.items()])
            break
        except DBAPIError:
            # Two processes creating the same tables at once: the loser retries and reads.
            if attempt == _TX_ATTEMPTS - 1:
                engine.dispose()
                raise
            time.sleep(0.2 * (attempt + 1))
    return Server(engine, values["server_id"],
                  Ed25519PrivateKey.from_private_bytes(bytes.fromhex(values["sign_key"])),
                  X25519PrivateKey.from_private_bytes(bytes.fromhex(values["box_key"])))


def _retrying(work: Callable[[], Any]) -> Any:
    """Run a transaction again when a concurrent one won a unique key or a lock first."""
    for attempt in range(_TX_ATTEMPTS):
        try:
            return work()
        except (IntegrityError, OperationalError):
            if attempt == _TX_ATTEMPTS - 1:
                raise ApiError(503, "busy", "县医保服务器繁忙，请稍后重试") from None
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _feed(srv: Server, conn: Connection, kind: str, data: BaseModel, *,
          village: str | None = None, device_id: str | None = None,
          collector: str | None = None) -> int:
    """Append to the feed. The counter row stays locked until commit, so feed rows commit in
    sequence order and a cursor never skips a row that commits late."""
    seq = conn.execute(update(counters).where(counters.c.name == "feed")
                       .values(value=counters.c.value + 1)
                       .returning(counters.c.value)).scalar_one()
    conn.execute(insert(feed).values(seq=seq, kind=kind, village=village, device_id=device_id,
                                     collector=collector, data=canonical_json(data.model_dump()),
                                     created_at=srv.now_iso()))
    return int(seq)


# ---- enrolment ------------------------------------------------------------------------------


def _code_hash(code: str) -> str:
    return hashlib.sha256(re.sub(r"[\s-]", "", code).upper().encode("utf-8")).hexdigest()


_VILLAGE_RE = re.compile(r"^[0-9A-Za-z_-]{1,40}$")


def check_village(village: str) -> str:
    village = (village or "").strip()
    if not _VILLAGE_RE.match(village):
        raise ValidationError(f"村代码“{village}”无效：只能包含数字、字母、连字符，最多 40 位")
    return village


def create_enrol_code(srv: Server, *, village: str, ttl_hours: int = 72) -> dict[str, Any]:
    village = check_village(village)
    if not 1 <= ttl_hours <= 24 * 90:
        raise ValidationError("登记码有效期应在 1 小时到 90 天之间")
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
    expires = iso(srv.now() + timedelta(hours=ttl_hours))
    with srv.engine.begin() as conn:
        conn.execute(insert(enrol_codes).values(code_hash=_code_hash(code), village=village,
                                                created_at=srv.now_iso(), expires_at=expires))
    return {"code": code, "village": village, "expires_at": expires}


def _enrol_response(srv: Server, device_id: str, village: str) -> EnrolResponse:
    return EnrolResponse(device_id=device_id, server_id=srv.server_id, village=village,
                         server_sign_key=public_hex(srv.sign_key),
                         server_box_key=public_hex(srv.box_key), server_time=srv.now_iso())


def enrol(srv: Server, req: EnrolRequest) -> EnrolResponse:
    def work() -> EnrolResponse:
        with srv.engine.begin() as conn:
            known = conn.execute(select(devices).where(devices.c.id == req.device_id)).first()
            if known is not None:
                # The same device repeating its enrolment (a lost response) gets the same answer.
                if (known.public_key, known.box_key) == (req.public_key, req.box_key):
                    return _enrol_response(srv, known.id, known.village)
                raise ApiError(409, "device_exists",
                               "此设备编号已用另一把密钥登记过，请联系县医保处理")
            code = conn.execute(select(enrol_codes)
                                .where(enrol_codes.c.code_hash == _code_hash(req.code))
                                .with_for_update()).first()
            if code is None:
                raise ApiError(403, "bad_code", "登记码无效：请核对，或向乡镇财政所索取新的登记码")
            if code.device_id is not None:
                raise ApiError(403, "code_used", "登记码已被使用过：每个登记码只能登记一台设备")
            if code.expires_at < srv.now_iso():
                raise ApiError(403, "code_expired", "登记码已过期，请索取新的登记码")
            if code.village != req.village:
                raise ApiError(403, "village_mismatch",
                               f"登记码属于村 {code.village}，而本机的村代码是 {req.village}")
            if conn.execute(select(devices.c.id)
                            .where(devices.c.public_key == req.public_key)).first():
                raise ApiError(409, "key_in_use", "此设备密钥已登记在另一个设备编号下")
            now = srv.now_iso()
            conn.execute(insert(devices).values(
                id=req.device_id, village=req.village, user_name=req.user,
                public_key=req.public_key, box_key=req.box_key, enrolled_at=now, head_seq=0,
                head_hash=GENESIS, last_seen_at=now))
            conn.execute(update(enrol_codes).where(enrol_codes.c.code_hash == code.code_hash)
                         .values(device_id=req.device_id, used_at=now))
            return _enrol_response(srv, req.device_id, req.village)

    result: EnrolResponse = _retrying(work)
    return result


def device_row(srv: Server, device_id: str) -> Any:
    with srv.engine.connect() as conn:
        return conn.execute(select(devices).where(devices.c.id == device_id)).first()


# ---- push -----------------------------------------------------------------------------------

def _payment_of(ev: WireEvent) -> catalogue.PaymentCollected | None:
    """The typed payment (the catalogue's model) when it parses and fits the county's
    columns; None for a payload the county cannot act on."""
    pay = catalogue.parse_or_malformed(ev.type, ev.payload)
    if not isinstance(pay, catalogue.PaymentCollected):
        return None
    fits = (1 <= len(pay.payment_id) <= 64 and 1990 <= pay.campaign_year <= 2100
            and len(pay.lines) <= 100
            and (pay.receipt is None or len(pay.receipt.label) <= 200)
            and all(1 <= len(line.line_id) <= 64 and len(line.id_type) <= 4
                    and 1 <= len(line.id_number) <= 30 and len(line.name) <= 60
                    for line in pay.lines))
    return pay if fits else None


@dataclass
class _Outcome:
    status: Literal["accepted", "conflict"]
    reason: str | None = None
    message: str | None = None


def _reject(ev: WireEvent, reason: str, message: str) -> EventResult:
    return EventResult(uuid=ev.uuid, seq=ev.seq, status="rejected", reason=reason,
                       message=message)


def _link_problem(ev: WireEvent, device: Any, head_seq: int,
                  head_hash: str) -> tuple[str, str] | None:
    if ev.device != device.id:
        return "wrong_device", "此记录属于另一台设备"
    if not ev.hash_ok():
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


def _line_conflict(conn: Connection, year: int,
                   line: catalogue.PaymentLine) -> tuple[str, str | None, str] | None:
    who = mask_id_number(line.id_number)
    if conn.execute(select(employee_insured.c.id_number)
                    .where(employee_insured.c.id_number == line.id_number)).first():
        return "employee_insured", None, f"{who} 已参加职工医保，不能再参加城乡居民医保，需要退费"
    paid = conn.execute(select(external_payments.c.channel)
                        .where(external_payments.c.campaign_year == year,
                               external_payments.c.id_number == line.id_number)).first()
    if paid is not None:
        return "paid_elsewhere", None, f"{who} 已通过{paid.channel}缴纳{year}年度保费，本笔重复，需要退费"
    claim = conn.execute(select(claims).where(claims.c.campaign_year == year,
                                              claims.c.id_type == line.id_type,
                                              claims.c.id_number == line.id_number)).first()
    if claim is not None and claim.line_id != line.line_id:
        return ("duplicate_enrolment", claim.village,
                f"{who} {year}年度已在村 {claim.village} 先行参保缴费（先到先得），本笔重复，需要退费")
    return None


def _apply_payment(srv: Server, conn: Connection, device: Any, ev: WireEvent) -> _Outcome:
    pay = _payment_of(ev)
    if pay is None:
        # The event is genuine and chained: keep it, flag it, never block the device's sync.
        return _Outcome("accepted", "unreadable", "收款内容无法解析，已收存，待县医保人工核查")
    messages: list[str] = []
    for line in pay.lines:
        found = _line_conflict(conn, pay.campaign_year, line)
        if found is None:
            conn.execute(insert(claims).values(
                campaign_year=pay.campaign_year, id_type=line.id_type, id_number=line.id_number,
                device_id=device.id, village=device.village, payment_id=pay.payment_id,
                line_id=line.line_id, event_uuid=ev.uuid, claimed_at=srv.now_iso()))
            continue
        reason, other_village, message = found
        notice = ConflictData(
            notice_id=str(uuid.uuid4()), reason=reason, message=message, event_uuid=ev.uuid,
            campaign_year=pay.campaign_year, payment_id=pay.payment_id, line_id=line.line_id,
            id_number=line.id_number, name=line.name,
            receipt=pay.receipt.label if pay.receipt else None, other_village=other_village)
        conn.execute(insert(conflicts).values(
            notice_id=notice.notice_id, device_id=device.id, village=device.village,
            reason=reason, campaign_year=pay.campaign_year, id_number=line.id_number,
            name=line.name, payment_id=pay.payment_id, line_id=line.line_id,
            event_uuid=ev.uuid, other_village=other_village, created_at=srv.now_iso()))
        _feed(srv, conn, "conflict", notice, village=device.village, device_id=device.id)
        messages.append(message)
    if messages:
        return _Outcome("conflict", "conflict", "；".join(dict.fromkeys(messages))[:500])
    return _Outcome("accepted")


def _release(srv: Server, conn: Connection, device: Any, *, column: str, value: object,
             resolution: str) -> None:
    """A void or a refund ends an enrolment: the person may be enrolled again elsewhere."""
    if not isinstance(value, str) or not value:
        return
    claim_col = claims.c.payment_id if column == "payment_id" else claims.c.line_id
    conflict_col = conflicts.c.payment_id if column == "payment_id" else conflicts.c.line_id
    conn.execute(delete(claims).where(claims.c.device_id == device.id, claim_col == value))
    conn.execute(update(conflicts)
                 .where(conflicts.c.device_id == device.id, conflict_col == value,
                        conflicts.c.resolved_at.is_(None))
                 .values(resolved_at=srv.now_iso(), resolution=resolution))


def _apply(srv: Server, conn: Connection, device: Any, ev: WireEvent) -> _Outcome:
    from server import township  # it builds on this module

    refused = township.on_event(srv, conn, device, ev)
    if refused is not None:
        return _Outcome("accepted", *refused)
    if ev.type == "payment.collected":
        return _apply_payment(srv, conn, device, ev)
    typed = catalogue.parse_or_malformed(ev.type, ev.payload)
    if isinstance(typed, catalogue.ReceiptVoided):
        _release(srv, conn, device, column="payment_id", value=typed.payment_id,
                 resolution="voided")
    elif isinstance(typed, catalogue.RefundMade):
        _release(srv, conn, device, column="line_id", value=typed.payment_line_id,
                 resolution="refunded")
    return _Outcome("accepted")


def push(srv: Server, device_id: str, req: PushRequest, *, via: str = "http") -> PushResponse:
    """Apply a batch in one transaction, each event exactly once (UUID is the primary key)."""
    def work() -> PushResponse:
        with srv.engine.begin() as conn:
            return _push_tx(srv, conn, device_id, req, via)

    result: PushResponse = _retrying(work)
    return result


def _push_tx(srv: Server, conn: Connection, device_id: str, req: PushRequest,
             via: str) -> PushResponse:
    # The row lock serialises two pushes of one device (a retry racing a slow original).
    device = conn.execute(select(devices).where(devices.c.id == device_id)
                          .with_for_update()).first()
    if device is None:
        raise ApiError(401, "unknown_device", "此设备未在县医保服务器登记")
    head_seq, head_hash = int(device.head_seq), str(device.head_hash)
    known: dict[str, tuple[tuple[str, int, str, str], _Outcome]] = {}
    uuids = [ev.uuid for ev in req.events]
    for row in conn.execute(select(events).where(events.c.uuid.in_(uuids))):
        known[row.uuid] = ((row.device_id, int(row.seq), row.hash, row.prev_hash),
                           _Outcome(row.status, row.reason, row.message))
    results: list[EventResult] = []
    stored: list[dict[str, Any]] = []
    broken = False
    now = srv.now_iso()
    for ev in req.events:
        prior = known.get(ev.uuid)
        if prior is not None:
            identity, first = prior
            # The stored copy's hash was verified on arrival, so equal verified hashes mean
            # equal content: the same answer as the first time, marked as a repeat.
            if identity == (device.id, ev.seq, ev.hash, ev.prev_hash) and ev.hash_ok():
                results.append(EventResult(uuid=ev.uuid, seq=ev.seq, status="duplicate",
                                           reason=first.reason, message=first.message,
                                           first_status=first.status))
            else:
                results.append(_reject(ev, "uuid_reused",
                                       "同一事件编号（UUID）已用于内容不同的记录，拒收"))
            continue
        if broken:
            results.append(_reject(ev, "after_rejected", "前面的记录被拒收，此条未处理"))
            continue
        problem = _link_problem(ev, device, head_seq, head_hash)
        if problem is not None:
            results.append(_reject(ev, *problem))
            broken = True
            continue
        outcome = _apply(srv, conn, device, ev)
        # Inserted together below: nothing in this batch reads them back from the table.
        stored.append({"uuid": ev.uuid, "device_id": device.id, "seq": ev.seq, "type": ev.type,
                       "payload": canonical_json(ev.payload), "actor": ev.actor, "at": ev.at,
                       "prev_hash": ev.prev_hash, "hash": ev.hash, "status": outcome.status,
                       "reason": outcome.reason, "message": outcome.message,
                       "received_at": now, "via": via})
        known[ev.uuid] = ((device.id, ev.seq, ev.hash, ev.prev_hash), outcome)
        head_seq, head_hash = ev.seq, ev.hash
        results.append(EventResult(uuid=ev.uuid, seq=ev.seq, status=outcome.status,
                                   reason=outcome.reason, message=outcome.message))
    if stored:
        conn.execute(insert(events), stored)
    conn.execute(update(devices).where(devices.c.id == device.id).values(
        head_seq=head_seq, head_hash=head_hash, reported_seq=req.head.seq,
        reported_hash=req.head.hash, reported_at=now, last_seen_at=now))
    tally = {s: sum(1 for r in results if r.status == s)
             for s in ("accepted", "duplicate", "conflict", "rejected")}
    conn.execute(insert(pushes).values(
        device_id=device.id, at=now, via=via, client_head_seq=req.head.seq,
        client_head_hash=req.head.hash, events=len(req.events), accepted=tally["accepted"],
        duplicates=tally["duplicate"], conflicts=tally["conflict"],
        rejected=tally["rejected"]))
    return PushResponse(device_id=device.id, results=results,
                        device_head=Head(seq=head_seq, hash=head_hash), server_time=now)


# ---- pull -----------------------------------------------------------------------------------


def pull(srv: Server, device_id: str, req: PullRequest) -> PullResponse:
    with srv.engine.begin() as conn:
        device = conn.execute(select(devices).where(devices.c.id == device_id)).first()
        if device is None:
            raise ApiError(401, "unknown_device", "此设备未在县医保服务器登记")
        # Read the top first: rows committed after it carry higher numbers (see _feed).
        top = int(conn.execute(select(func.coalesce(func.max(feed.c.seq), 0))).scalar_one())
        rows = conn.execute(
            select(feed.c.seq, feed.c.kind, feed.c.data)
            .where(feed.c.seq > req.cursor, feed.c.seq <= top,
                   or_(feed.c.village.is_(None), feed.c.village == device.village),
                   or_(feed.c.device_id.is_(None), feed.c.device_id == device.id),
                   or_(feed.c.collector.is_(None), feed.c.collector == device.user_name))
            .order_by(feed.c.seq).limit(req.limit + 1)).all()
        conn.execute(update(devices).where(devices.c.id == device.id)
                     .values(last_seen_at=srv.now_iso()))
    items: list[FeedItem] = []
    size = 0
    more = False
    for row in rows:
        size += len(row.data)
        if len(items) >= req.limit or (items and size > PULL_PAGE_BYTES):
            more = True
            break
        items.append(FeedItem(seq=int(row.seq), kind=row.kind, data=json.loads(row.data)))
    next_cursor = items[-1].seq if more else max(req.cursor, top)
    return PullResponse(cursor_from=req.cursor, next_cursor=next_cursor, more=more,
                        items=items, server_time=srv.now_iso())


# ---- administration -------------------------------------------------------------------------


def publish_policy(srv: Server, document: object) -> dict[str, Any]:
    """Validate (every problem named) and send a campaign policy to every village."""
    policy = parse_policy(document)
    data = policy.to_dict()
    digest = hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()
    with srv.engine.begin() as conn:
        if conn.execute(select(policies.c.policy_hash)
                        .where(policies.c.policy_hash == digest)).first():
            return {"policy_hash": digest, "published": False,
                    "campaign_year": policy.campaign_year}
        conn.execute(insert(policies).values(policy_hash=digest,
                                             campaign_year=policy.campaign_year,
                                             policy=canonical_json(data),
                                             published_at=srv.now_iso()))
        seq = _feed(srv, conn, "policy", PolicyData(policy_hash=digest, policy=data))
    return {"policy_hash": digest, "published": True, "campaign_year": policy.campaign_year,
            "feed_seq": seq}


def load_roster(srv: Server, *, village: str, households: list[HouseholdData],
                employee_ids: list[str]) -> dict[str, Any]:
    village = check_village(village)
    persons = 0
    with srv.engine.begin() as conn:
        for hh in households:
            item = hh if hh.village else hh.model_copy(update={"village": village})
            _feed(srv, conn, "household", item, village=village)
            persons += len(hh.persons)
        marked = 0
        for number in dict.fromkeys(employee_ids):
            if conn.execute(select(employee_insured.c.id_number)
                            .where(employee_insured.c.id_number == number)).first() is None:
                conn.execute(insert(employee_insured).values(
                    id_number=number, source=f"花名册 {village}", recorded_at=srv.now_iso()))
                marked += 1
    return {"village": village, "households": len(households), "persons": persons,
            "employee_insured": marked}


def allocate_book(srv: Server, *, village: str, collector: str, series: str, first: int,
                  last: int, width: int | None = None) -> dict[str, Any]:
    village = check_village(village)
    collector = (collector or "").strip()
    series = (series or "").strip()
    if not collector or len(collector) > 60:
        raise ValidationError("请填写收款员姓名")
    if not series or len(series) > 20:
        raise ValidationError("请填写票据字轨（例如：皖医保）")
    if first < 0 or last < first or last - first >= 10_000:
        raise ValidationError("票号范围无效：末号不小于起始号，一本不超过 10000 张")
    if width is not None and not len(str(last)) <= width <= 20:
        raise ValidationError(f"票号位数 {width} 放不下末号 {last}")
    data = BookData(allocation_id=str(uuid.uuid4()), series=series, first=first, last=last,
                    width=width, collector=collector)
    with srv.engine.begin() as conn:
        overlap = conn.execute(select(books.c.first_no, books.c.last_no).where(
            books.c.series == series, books.c.first_no <= last,
            books.c.last_no >= first)).first()
        if overlap is not None:
            raise ValidationError(f"票号与已分配的 {series} {overlap.first_no}–{overlap.last_no} 重叠")
        conn.execute(insert(books).values(allocation_id=data.allocation_id, series=series,
                                          first_no=first, last_no=last, width=width,
                                          village=village, collector=collector,
                                          allocated_at=srv.now_iso()))
        _feed(srv, conn, "book", data, village=village, collector=collector)
    return {"allocation_id": data.allocation_id, "village": village, "collector": collector,
            "series": series, "first": first, "last": last}


def record_external_payment(srv: Server, *, campaign_year: int, id_number: str, channel: str,
                            amount_fen: int, paid_at: str | None = None,
                            village: str | None = None) -> dict[str, Any]:
    number = (id_number or "").strip().upper()
    if len(number) == 18:
        number = parse_id_number(number).number
    try:
        data = ExternalPaymentData(payment_id=str(uuid.uuid4()), campaign_year=campaign_year,
                                   id_number=number, channel=(channel or "").strip(),
                                   paid_at=paid_at or srv.now_iso(), amount_fen=amount_fen)
    except ModelError as exc:
        raise ValidationError("外部缴费记录无效：年度、证件号码、渠道或金额不正确") from exc
    target = check_village(village) if village else None
    with srv.engine.begin() as conn:
        conn.execute(insert(external_payments).values(
            payment_id=data.payment_id, campaign_year=campaign_year, id_number=number,
            channel=data.channel, paid_at=data.paid_at, amount_fen=amount_fen,
            recorded_at=srv.now_iso()))
        _feed(srv, conn, "external_payment", data, village=target)
    return data.model_dump()


def list_conflicts(srv: Server) -> list[dict[str, Any]]:
    with srv.engine.connect() as conn:
        rows = conn.execute(select(conflicts).order_by(conflicts.c.created_at,
                                                       conflicts.c.notice_id)).all()
    return [{"notice_id": r.notice_id, "reason": r.reason, "campaign_year": r.campaign_year,
             "id_number": r.id_number, "name": r.name, "village": r.village,
             "device_id": r.device_id, "payment_id": r.payment_id, "line_id": r.line_id,
             "other_village": r.other_village, "created_at": r.created_at,
             "resolved": r.resolved_at is not None, "resolution": r.resolution}
            for r in rows]


def stats(srv: Server) -> dict[str, Any]:
    with srv.engine.connect() as conn:
        def count(table: Any, *where: Any) -> int:
            query = select(func.count()).select_from(table)
            if where:
                query = query.where(and_(*where))
            return int(conn.execute(query).scalar_one())

        by_status = dict(conn.execute(select(events.c.status, func.count())
                                      .group_by(events.c.status)).all())
        return {"events": count(events), "devices": count(devices),
                "events_by_status": {k: int(v) for k, v in by_status.items()},
                "conflicts": count(conflicts), "open_conflicts": count(
                    conflicts, conflicts.c.resolved_at.is_(None)),
                "claims": count(claims), "feed_items": count(feed), "pushes": count(pushes),
                "duplicates_seen": int(conn.execute(
                    select(func.coalesce(func.sum(pushes.c.duplicates), 0))).scalar_one())}


def device_events(srv: Server, device_id: str) -> list[tuple[int, str, str]]:
    """(seq, uuid, hash) of a device's events as held, for audits and tests."""
    with srv.engine.connect() as conn:
        return [(int(r.seq), r.uuid, r.hash) for r in conn.execute(
            select(events.c.seq, events.c.uuid, events.c.hash)
            .where(events.c.device_id == device_id).order_by(events.c.seq))]

