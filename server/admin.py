"""The county's administration (``yibao-server admin …``): what it sends down and looks up.

Policies, rosters, receipt books and payments made through other channels become feed items
for the villages; townships are registered with the villages they oversee. Each command is
one transaction of its own.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from pydantic import ValidationError as ModelError
from sqlalchemy import and_, func, insert, select

from app.domain.canonical import canonical_json
from app.domain.errors import NotFound, ValidationError
from app.domain.idcard import parse_id_number
from app.domain.policy import parse_policy
from server.enrol import create_enrol_code
from server.kernel import (
    FeedBatch,
    Server,
    add_book,
    append_feed,
    bind_book,
    check_village,
    collector_devices,
    wire_event,
)
from server.relay import is_township, relay_event, villages_of
from server.schema import (
    alerts,
    books,
    claims,
    conflicts,
    devices,
    employee_insured,
    events,
    external_payments,
    feed,
    policies,
    pushes,
    roster_persons,
    township_villages,
    townships,
)
from sync.protocol import BookData, ExternalPaymentData, HouseholdData, PolicyData


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
        seq = append_feed(srv, conn, "policy", PolicyData(policy_hash=digest, policy=data))
    return {"policy_hash": digest, "published": True, "campaign_year": policy.campaign_year,
            "feed_seq": seq}


def _households_sent(conn: Any, village: str) -> dict[str, str]:
    """The feed text of each household last sent to ``village``, by household number."""
    sent: dict[str, str] = {}
    for text in conn.execute(select(feed.c.data).where(feed.c.kind == "household",
                                                       feed.c.village == village)
                             .order_by(feed.c.seq)).scalars():
        sent[json.loads(text)["household_no"]] = text
    return sent


def load_roster(srv: Server, *, village: str, households: list[HouseholdData],
                employee_ids: list[str]) -> dict[str, Any]:
    """Send a village's roster down: only the households that differ from what the village
    was last sent (a reloaded roster costs its villages nothing but its changes)."""
    village = check_village(village)
    persons = unchanged = 0
    with srv.engine.begin() as conn:
        held = {(r.id_type, r.id_number) for r in conn.execute(
            select(roster_persons.c.id_type, roster_persons.c.id_number)
            .where(roster_persons.c.village == village))}
        sent = _households_sent(conn, village)
        batch = FeedBatch()
        listed: list[dict[str, Any]] = []
        for hh in households:
            item = hh if hh.village else hh.model_copy(update={"village": village})
            if sent.get(item.household_no) == canonical_json(item.model_dump()):
                unchanged += 1
            else:
                batch.add("household", item, village=village)
            persons += len(hh.persons)
            for p in hh.persons:
                if (p.id_type, p.id_number) not in held:
                    held.add((p.id_type, p.id_number))
                    listed.append({"village": village, "id_type": p.id_type,
                                   "id_number": p.id_number, "household_no": hh.household_no,
                                   "loaded_at": srv.now_iso()})
        batch.flush(srv, conn)
        if listed:
            # The county roster: the persons this village may collect for (server.trust).
            conn.execute(insert(roster_persons), listed)
        marked = 0
        for number in dict.fromkeys(employee_ids):
            if conn.execute(select(employee_insured.c.id_number)
                            .where(employee_insured.c.id_number == number)).first() is None:
                conn.execute(insert(employee_insured).values(
                    id_number=number, source=f"花名册 {village}", recorded_at=srv.now_iso()))
                marked += 1
    return {"village": village, "households": len(households), "persons": persons,
            "unchanged": unchanged, "employee_insured": marked}


def _device_for(conn: Any, *, village: str, collector: str,
                device_id: str | None) -> str | None:
    """The device a collector's book goes to: the one named (it must be that collector's in
    that village), else the collector's one device there, else none yet (bound at their
    first enrolment); several devices and none named is refused."""
    if device_id is not None:
        row = conn.execute(select(devices).where(devices.c.id == device_id)).first()
        if row is None:
            raise NotFound(f"设备 {device_id} 未在县医保服务器登记")
        if row.village != village or row.user_name != collector:
            raise ValidationError(f"设备 {device_id} 是村 {row.village} 收款员{row.user_name}的，"
                                  f"不是村 {village} 收款员{collector}的")
        return str(row.id)
    candidates = collector_devices(conn, village, collector)
    if len(candidates) > 1:
        raise ValidationError(f"收款员{collector}在村 {village} 有 {len(candidates)} 台设备"
                              f"（{'、'.join(candidates)}）：请用 --device 指定票据发给哪一台")
    return candidates[0] if candidates else None


def allocate_book(srv: Server, *, village: str, collector: str, series: str, first: int,
                  last: int, width: int | None = None,
                  device_id: str | None = None) -> dict[str, Any]:
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
        target = _device_for(conn, village=village, collector=collector, device_id=device_id)
        add_book(srv, conn, data, village=village,
                 overlap="票号与已分配的 {series} {first}–{last} 重叠", device_id=target)
    return {"allocation_id": data.allocation_id, "village": village, "collector": collector,
            "series": series, "first": first, "last": last, "device_id": target}


def move_book(srv: Server, *, device_id: str, allocation_id: str | None = None,
              series: str | None = None, first: int | None = None) -> dict[str, Any]:
    """Allocate a held book to another device of its collector (a replacement laptop): from
    now on only that device's receipts from the book are accepted, and it is sent there."""
    with srv.engine.begin() as conn:
        query = select(books)
        if allocation_id:
            query = query.where(books.c.allocation_id == allocation_id)
        elif series and first is not None:
            query = query.where(books.c.series == series.strip(), books.c.first_no <= first,
                                books.c.last_no >= first)
        else:
            raise ValidationError("请用 --allocation-id，或 --series 和 --first 指定票据")
        book = conn.execute(query).first()
        if book is None:
            raise NotFound("找不到这本票据")
        target = _device_for(conn, village=book.village, collector=book.collector,
                             device_id=device_id)
        if target == book.device_id:
            raise ValidationError(f"票据 {book.series} {book.first_no}–{book.last_no} 已在设备 "
                                  f"{device_id} 上")
        bind_book(srv, conn, book.allocation_id, str(target))
    return {"allocation_id": book.allocation_id, "series": book.series,
            "first": int(book.first_no), "last": int(book.last_no), "village": book.village,
            "collector": book.collector, "from_device": book.device_id, "device_id": target}


def list_books(srv: Server, *, village: str | None = None) -> list[dict[str, Any]]:
    query = select(books).order_by(books.c.village, books.c.series, books.c.first_no)
    if village:
        query = query.where(books.c.village == village)
    with srv.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [{"allocation_id": r.allocation_id, "series": r.series, "first": int(r.first_no),
             "last": int(r.last_no), "village": r.village, "collector": r.collector,
             "device_id": r.device_id, "allocated_at": r.allocated_at, "bound_at": r.bound_at}
            for r in rows]


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
        append_feed(srv, conn, "external_payment", data, village=target)
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
                "alerts": count(alerts),
                "duplicates_seen": int(conn.execute(
                    select(func.coalesce(func.sum(pushes.c.duplicates), 0))).scalar_one())}


def device_events(srv: Server, device_id: str) -> list[tuple[int, str, str]]:
    """(seq, uuid, hash) of a device's events as held, for audits and tests."""
    with srv.engine.connect() as conn:
        return [(int(r.seq), r.uuid, r.hash) for r in conn.execute(
            select(events.c.seq, events.c.uuid, events.c.hash)
            .where(events.c.device_id == device_id).order_by(events.c.seq))]


def register_township(srv: Server, *, code: str, name: str,
                      villages: list[str]) -> dict[str, Any]:
    """Create (or extend) a township; a newly added village's journal so far is relayed."""
    code = check_village(code)
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise ValidationError("请填写乡镇名称")
    wanted = [check_village(v) for v in villages]
    if not wanted:
        raise ValidationError("请至少给出一个村代码")
    relayed = 0
    with srv.engine.begin() as conn:
        if conn.execute(select(devices.c.id).where(devices.c.village == code)).first() \
                and not is_township(conn, code):
            raise ValidationError(f"代码 {code} 已有村设备登记，不能用作乡镇代码")
        if not is_township(conn, code):
            conn.execute(insert(townships).values(code=code, name=name,
                                                  created_at=srv.now_iso()))
        have = villages_of(conn, code)
        for village in dict.fromkeys(wanted):
            if village in have:
                continue
            conn.execute(insert(township_villages).values(township=code, village=village,
                                                          added_at=srv.now_iso()))
            rows = conn.execute(
                select(events).join(devices, devices.c.id == events.c.device_id)
                .where(devices.c.village == village)
                .order_by(events.c.device_id, events.c.seq)).all()
            for row in rows:
                relay_event(srv, conn, township=code, village=village, ev=wire_event(row))
                relayed += 1
        villages_now = sorted(villages_of(conn, code))
    return {"township": code, "name": name, "villages": villages_now, "relayed": relayed}


def township_enrol_code(srv: Server, *, township: str,
                        ttl_hours: int = 72) -> dict[str, Any]:
    """A one-time code that enrols a township device: it will see its villages' journals."""
    with srv.engine.connect() as conn:
        if not is_township(conn, township):
            raise NotFound(f"乡镇 {township} 未登记：请先运行 yibao-server admin township")
    return {**create_enrol_code(srv, village=township, ttl_hours=ttl_hours),
            "scope": "township"}
