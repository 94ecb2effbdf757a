"""Pull at the county (``/v1/pull`` and a USB bundle's reply): the feed after a cursor.

A device sees the items addressed to everyone, to its village (or township), to itself and
to its collector, in feed order, a page at a time.
"""

from __future__ import annotations

import json

from sqlalchemy import func, or_, select, update

from server.kernel import Server, enrolled_device
from server.schema import devices, feed
from sync.protocol import FeedItem, PullRequest, PullResponse

PULL_PAGE_BYTES = 2 * 1024 * 1024


def pull(srv: Server, device_id: str, req: PullRequest) -> PullResponse:
    with srv.engine.begin() as conn:
        device = enrolled_device(conn, device_id)
        # Read the top first: rows committed after it carry higher numbers (see append_feed).
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
