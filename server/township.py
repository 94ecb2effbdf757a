"""The township (乡镇财政所) at the county: its villages' journals relayed, its own decisions fed down.

A township is a device like any village's, enrolled with a code whose "village" is a
registered township code. Two things follow:

- every event a village of that township pushes is copied into the feed addressed to the
  township code (kind ``village_event``), in the same transaction, so the township pulls its
  villages' journals with the ordinary signed ``/v1/pull`` and cursor;
- the township's own pushed events that concern a village become feed items for it: an
  issued book becomes the ``book`` allocation the collector's app registers, a settlement a
  ``book_settled``, a certified category a ``category``. The event UUID makes this exactly
  once, like every push.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError as ModelError
from sqlalchemy import Connection, insert, select

from app.domain import ledger_views as views
from app.domain.errors import NotFound, ValidationError
from app.domain.events import EventFormatError
from server import store
from server.schema import books, devices, events
from server.township_schema import township_villages, townships
from sync.protocol import (
    BookData,
    BookSettledData,
    CategoryGrantData,
    VillageEventData,
    WireEvent,
)


def _villages_of(conn: Connection, township: str) -> set[str]:
    return {v for (v,) in conn.execute(select(township_villages.c.village)
                                       .where(township_villages.c.township == township))}


def is_township(conn: Connection, code: str) -> bool:
    return conn.execute(select(townships.c.code).where(townships.c.code == code)).first() \
        is not None


def _relay(srv: store.Server, conn: Connection, village: str, ev: WireEvent) -> None:
    for (township,) in conn.execute(select(township_villages.c.township)
                                    .where(township_villages.c.village == village)):
        store._feed(srv, conn, "village_event", VillageEventData(village=village, event=ev),
                    village=township)


def _issue(srv: store.Server, conn: Connection, p: views.TownshipBookIssued) -> None:
    data = BookData(allocation_id=p.allocation_id, series=p.series, first=p.first,
                    last=p.last, width=p.width, collector=p.collector)
    overlap = conn.execute(select(books.c.first_no, books.c.last_no).where(
        books.c.series == data.series, books.c.first_no <= data.last,
        books.c.last_no >= data.first)).first()
    if overlap is not None:
        raise ValidationError(f"票号与县里已分配的 {data.series} {overlap.first_no}–"
                              f"{overlap.last_no} 重叠，未下发")
    conn.execute(insert(books).values(allocation_id=data.allocation_id, series=data.series,
                                      first_no=data.first, last_no=data.last, width=data.width,
                                      village=p.village, collector=data.collector,
                                      allocated_at=srv.now_iso()))
    store._feed(srv, conn, "book", data, village=p.village, collector=data.collector)


def on_event(srv: store.Server, conn: Connection, device: Any,
             ev: WireEvent) -> tuple[str, str] | None:
    """Relay a village's event or act on a township's; (reason, message) when not acted on."""
    if not is_township(conn, device.village):
        _relay(srv, conn, device.village, ev)
        return None
    if ev.type not in ("township.book_issued", "township.book_settled",
                       "township.category_certified"):
        return None
    try:
        p = views.parse_township(ev.type, ev.payload)
        if not isinstance(p, views.TownshipBookIssued | views.TownshipBookSettled
                          | views.TownshipCategoryCertified):
            raise EventFormatError("乡镇记录内容无法解析")
        if p.village not in _villages_of(conn, device.village):
            raise ValidationError(f"村 {p.village} 不归乡镇 {device.village} 管，未下发")
        if isinstance(p, views.TownshipBookIssued):
            _issue(srv, conn, p)
        elif isinstance(p, views.TownshipBookSettled):
            store._feed(srv, conn, "book_settled", BookSettledData(
                allocation_id=p.allocation_id, series=p.series, first=p.first,
                last=p.last, collector=p.collector, settled_at=ev.at),
                village=p.village, collector=p.collector)
        else:
            store._feed(srv, conn, "category", CategoryGrantData(
                certification_id=p.certification_id, id_type=p.id_type,
                id_number=p.id_number, category=p.category, source=p.department,
                valid_from=p.valid_from, valid_to=p.valid_to),
                village=p.village)
    except (EventFormatError, ModelError):
        return "unreadable", "乡镇记录内容无法解析，已收存，未下发"
    except ValidationError as exc:
        return "refused", exc.message
    return None


def register_township(srv: store.Server, *, code: str, name: str,
                      villages: list[str]) -> dict[str, Any]:
    """Create (or extend) a township; a newly added village's journal so far is relayed."""
    code = store.check_village(code)
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise ValidationError("请填写乡镇名称")
    wanted = [store.check_village(v) for v in villages]
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
        have = _villages_of(conn, code)
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
                ev = WireEvent(uuid=row.uuid, device=row.device_id, seq=int(row.seq),
                               type=row.type, payload=json.loads(row.payload), actor=row.actor,
                               at=row.at, prev_hash=row.prev_hash, hash=row.hash)
                store._feed(srv, conn, "village_event",
                            VillageEventData(village=village, event=ev), village=code)
                relayed += 1
        villages_now = sorted(_villages_of(conn, code))
    return {"township": code, "name": name, "villages": villages_now, "relayed": relayed}


def township_enrol_code(srv: store.Server, *, township: str,
                        ttl_hours: int = 72) -> dict[str, Any]:
    """A one-time code that enrols a township device: it will see its villages' journals."""
    with srv.engine.connect() as conn:
        if not is_township(conn, township):
            raise NotFound(f"乡镇 {township} 未登记：请先运行 yibao-server admin township")
    return {**store.create_enrol_code(srv, village=township, ttl_hours=ttl_hours),
            "scope": "township"}
