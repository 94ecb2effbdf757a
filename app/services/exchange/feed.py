"""Applying the township's feed items: allocations, settlements and categories at a village,
relayed village events at the township. Called by ``app.services.exchange.county`` for pulled pages and
by ``township_bundles`` for USB replies; each applier is a no-op when repeated."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from app.domain.errors import NotFound, Refused
from app.services.base.common import iso, utc_now
from app.services.base.workspace import Workspace
from app.services.exchange.township_ingest import ingest_events
from app.services.village import roster
from db.connection import tx
from sync.protocol import BookData, BookSettledData, CategoryGrantData, VillageEventData


def apply_allocation(ws: Workspace, data: BookData, register: Callable[[], bool]) -> bool:
    """Remember the allocation even when registering it is refused (a book typed in by hand
    with another range): the mismatch is then reported on this side too."""
    added = ws.conn.execute(
        "INSERT OR IGNORE INTO book_allocations (allocation_id, series, first_no, last_no, "
        "width, collector, received_at) VALUES (?,?,?,?,?,?,?)",
        (data.allocation_id, data.series, data.first, data.last, data.width, data.collector,
         iso(utc_now()))).rowcount
    if added:
        ws.record("book.allocation_received", data.model_dump())
    try:
        with tx(ws.conn):
            return register() or bool(added)
    except Refused as exc:
        ws.record("book.allocation_mismatch", {"allocation_id": data.allocation_id,
                                               "message": exc.message})
        return bool(added)


def apply_settled(ws: Workspace, data: BookSettledData) -> bool:
    if ws.conn.execute("SELECT 1 FROM book_settlements WHERE allocation_id = ?",
                       (data.allocation_id,)).fetchone():
        return False
    ws.conn.execute(
        "INSERT INTO book_settlements (allocation_id, series, first_no, last_no, settled_at, "
        "received_at) VALUES (?,?,?,?,?,?)",
        (data.allocation_id, data.series, data.first, data.last, data.settled_at,
         iso(utc_now())))
    ws.record("book.settlement_received", data.model_dump())
    return True


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def apply_category(ws: Workspace, data: CategoryGrantData) -> bool:
    row = ws.conn.execute("SELECT id FROM persons WHERE id_type = ? AND id_number = ? "
                          "AND status = 'active'", (data.id_type, data.id_number)).fetchone()
    if row is None:
        raise NotFound("财政所认定的资助对象不在本村花名册中")
    if ws.conn.execute("SELECT 1 FROM person_categories WHERE person_id = ? AND category = ? "
                       "AND revoked_at IS NULL AND coalesce(valid_to, '') = ?",
                       (row[0], data.category, data.valid_to or "")).fetchone():
        return False
    # Certified by the township: the collector's role may not grant it, but may receive it.
    roster.record_certified_category(
        ws, row[0], data.category, source=data.source or "乡镇财政所", certified_by="乡镇财政所",
        valid_from=_day(data.valid_from), valid_to=_day(data.valid_to))
    return True


def apply_village_event(ws: Workspace, data: VillageEventData) -> bool:
    if ws.role != "township":
        raise Refused("村里的设备不接收其他设备的日志")
    return ingest_events(ws, [(data.village, data.event)], via="county").stored > 0
