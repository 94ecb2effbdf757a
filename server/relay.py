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

Registering a township (``server.admin``) copies what its villages pushed before as the same
``village_event`` items (``relay_event``); a push adds them to its feed batch (``relay``).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError as ModelError
from sqlalchemy import Connection, select

from app.domain import ledger_views as views
from app.domain.errors import ValidationError
from app.domain.events import EventFormatError
from server.kernel import FeedBatch, Server, add_book, append_feed, collector_devices
from server.schema import books, township_villages, townships
from server.upgrade import UNSENT  # a feed row's device_id that no device has
from sync.protocol import (
    BookData,
    BookSettledData,
    CategoryGrantData,
    VillageEventData,
    WireEvent,
)


def villages_of(conn: Connection, township: str) -> set[str]:
    return {v for (v,) in conn.execute(select(township_villages.c.village)
                                       .where(township_villages.c.township == township))}


def is_township(conn: Connection, code: str) -> bool:
    return conn.execute(select(townships.c.code).where(townships.c.code == code)).first() \
        is not None


def relay_event(srv: Server, conn: Connection, *, township: str, village: str,
                ev: WireEvent) -> None:
    """Copy one of a village's events into the feed of a township that oversees it."""
    append_feed(srv, conn, "village_event", VillageEventData(village=village, event=ev),
                village=township)


def townships_of(conn: Connection, village: str) -> list[str]:
    """The townships a village's events are relayed to."""
    return [t for (t,) in conn.execute(select(township_villages.c.township)
                                       .where(township_villages.c.village == village))]


def relay(feed: FeedBatch, village: str, townships_: list[str], ev: WireEvent) -> None:
    """Copy one of a village's events to each of its townships (into the push's feed batch).
    Every stored event goes, a refused one too: the township rebuilds the village's chain
    link by link and audits it with the same model, so it must see exactly what the village
    wrote."""
    for township in townships_:
        feed.add("village_event", VillageEventData(village=village, event=ev), village=township)


def _issue(srv: Server, conn: Connection, p: views.TownshipBookIssued) -> str | None:
    """A book the township issued, bound to its collector's one device in the village (or
    waiting for that collector's first enrolment); a message when several devices make the
    choice the county's to take."""
    data = BookData(allocation_id=p.allocation_id, series=p.series, first=p.first,
                    last=p.last, width=p.width, collector=p.collector)
    candidates = collector_devices(conn, p.village, p.collector)
    add_book(srv, conn, data, village=p.village,
             overlap="票号与县里已分配的 {series} {first}–{last} 重叠，未下发",
             device_id=candidates[0] if len(candidates) == 1 else None)
    if len(candidates) > 1:
        return (f"收款员{p.collector}在村 {p.village} 有 {len(candidates)} 台设备，票据已登记但未下发："
                "请县医保用 yibao-server admin move-book 指定设备")
    return None


def _settled_book_device(conn: Connection, allocation_id: str) -> str | None:
    row = conn.execute(select(books.c.device_id)
                       .where(books.c.allocation_id == allocation_id)).first()
    return row.device_id if row is not None else None


def on_event(srv: Server, conn: Connection, feed: FeedBatch, device: Any, ev: WireEvent,
             townships_: list[str] | None = None, *,
             township: bool | None = None) -> tuple[str, str] | None:
    """Relay a village's event or act on a township's; (reason, message) when not acted on.

    ``township`` (is the device a township's) and ``townships_`` (a village's townships)
    may be given once per batch; otherwise they are looked up."""
    if township is None:
        township = is_township(conn, device.village)
    if not township:
        relay(feed, device.village,
              townships_ if townships_ is not None else townships_of(conn, device.village), ev)
        return None
    if ev.type not in ("township.book_issued", "township.book_settled",
                       "township.category_certified"):
        return None
    # What the batch holds goes first: the items below are appended directly, in order.
    feed.flush(srv, conn)
    try:
        p = views.parse_township(ev.type, ev.payload)
        if not isinstance(p, views.TownshipBookIssued | views.TownshipBookSettled
                          | views.TownshipCategoryCertified):
            raise EventFormatError("乡镇记录内容无法解析")
        if p.village not in villages_of(conn, device.village):
            raise ValidationError(f"村 {p.village} 不归乡镇 {device.village} 管，未下发")
        if isinstance(p, views.TownshipBookIssued):
            unbound = _issue(srv, conn, p)
            if unbound is not None:
                return "unbound", unbound
        elif isinstance(p, views.TownshipBookSettled):
            # To the device holding the book only (a second laptop has nothing to settle);
            # a book the county never bound to a device was never sent, so nor is this.
            holder = _settled_book_device(conn, p.allocation_id)
            append_feed(srv, conn, "book_settled", BookSettledData(
                allocation_id=p.allocation_id, series=p.series, first=p.first,
                last=p.last, collector=p.collector, settled_at=ev.at),
                village=p.village, collector=p.collector, device_id=holder or UNSENT)
        else:
            append_feed(srv, conn, "category", CategoryGrantData(
                certification_id=p.certification_id, id_type=p.id_type,
                id_number=p.id_number, category=p.category, source=p.department,
                valid_from=p.valid_from, valid_to=p.valid_to),
                village=p.village)
    except (EventFormatError, ModelError):
        return "unreadable", "乡镇记录内容无法解析，已收存，未下发"
    except ValidationError as exc:
        return "refused", exc.message
    return None
