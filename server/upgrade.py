"""Bringing a county database made by an earlier release up to this one, on every open.

``metadata.create_all`` creates missing tables but never alters existing ones, so the columns
added since are added here; then, once (``server_meta`` key ``trust_backfill``), the tables
that county trust reads are filled from what the database already held: the county roster
from the roster items fed so far, each device's own persons and receipts from its stored
events, and books bound to their collector's one device. Book items fed before books were
bound to devices are re-addressed to that device (or to none), so a second laptop of the same
collector can no longer pull them. Each step is idempotent.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, func, insert, inspect, select, text, update

from app.domain import events as catalogue
from server.people import PERSON_TYPES, persons_added
from server.schema import (
    books,
    device_persons,
    devices,
    events,
    feed,
    receipt_index,
    roster_persons,
    server_meta,
)

# table → (column, DDL type) added since the first release.
_ADDED: dict[str, tuple[tuple[str, str], ...]] = {
    "enrol_codes": (("collector", "VARCHAR(60)"),),
    "devices": (("collector_bound", "INTEGER NOT NULL DEFAULT 0"),),
    "books": (("device_id", "VARCHAR(36)"), ("bound_at", "VARCHAR(40)")),
    "pushes": (("refused", "INTEGER NOT NULL DEFAULT 0"),),
}
_BACKFILL_KEY = "trust_backfill"
UNSENT = "-"  # a feed row's device_id that no device has


def upgrade(conn: Connection) -> None:
    have = inspect(conn)
    for table, columns in _ADDED.items():
        present = {c["name"] for c in have.get_columns(table)}
        for name, ddl in columns:
            if name not in present:
                conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} {ddl}"))
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_books_device_id ON books (device_id)"))
    if conn.execute(select(server_meta.c.value)
                    .where(server_meta.c.key == _BACKFILL_KEY)).first() is None:
        _backfill(conn)
        conn.execute(insert(server_meta).values(key=_BACKFILL_KEY, value="1"))


def _backfill(conn: Connection) -> None:
    if conn.execute(select(func.count()).select_from(feed)).scalar_one() == 0 and \
            conn.execute(select(func.count()).select_from(events)).scalar_one() == 0:
        return  # a new database
    _roster(conn)
    _device_records(conn)
    _bind_books(conn)


def _roster(conn: Connection) -> None:
    seen: set[tuple[str, str, str]] = set()
    for row in conn.execute(select(feed.c.village, feed.c.data, feed.c.created_at)
                            .where(feed.c.kind == "household")).all():
        data: dict[str, Any] = json.loads(row.data)
        village = data.get("village") or row.village
        for person in data.get("persons", []):
            key = (village, person.get("id_type", "01"), person.get("id_number", ""))
            if not key[2] or key in seen:
                continue
            seen.add(key)
            conn.execute(insert(roster_persons).values(
                village=key[0], id_type=key[1], id_number=key[2],
                household_no=data.get("household_no", ""), loaded_at=row.created_at))


def _device_records(conn: Connection) -> None:
    wanted = (*PERSON_TYPES, "payment.collected")
    rows = conn.execute(select(events.c.device_id, events.c.seq, events.c.uuid, events.c.type,
                               events.c.payload, events.c.status)
                        .where(events.c.type.in_(wanted))
                        .order_by(events.c.device_id, events.c.seq)).all()
    persons: dict[tuple[str, str], tuple[str, str]] = {}
    for row in rows:
        if row.type == "payment.collected":
            pay = catalogue.parse_stored(row.type, row.payload)
            if isinstance(pay, catalogue.PaymentCollected) and pay.receipt is not None \
                    and 0 <= pay.receipt.number <= 10**12 and len(pay.receipt.series) <= 20:
                conn.execute(insert(receipt_index).values(
                    device_id=row.device_id, seq=row.seq, series=pay.receipt.series,
                    number=pay.receipt.number, payment_id=pay.payment_id[:64],
                    event_uuid=row.uuid, status=row.status))
        elif row.status != "refused":
            for person_id, id_type, id_number in persons_added(row.type, row.payload):
                persons[(row.device_id, person_id)] = (id_type, id_number)
    if persons:
        conn.execute(insert(device_persons), [
            {"device_id": d, "person_id": p, "id_type": t, "id_number": n}
            for (d, p), (t, n) in persons.items()])


def _bind_books(conn: Connection) -> None:
    bound: dict[str, str | None] = {}
    for book in conn.execute(select(books)).all():
        holder = book.device_id
        if holder is None:
            candidates = [r.id for r in conn.execute(
                select(devices.c.id).where(devices.c.village == book.village,
                                           devices.c.user_name == book.collector))]
            if len(candidates) == 1:
                holder = candidates[0]
                conn.execute(update(books).where(books.c.allocation_id == book.allocation_id)
                             .values(device_id=holder, bound_at=book.allocated_at))
        bound[book.allocation_id] = holder
    for row in conn.execute(select(feed.c.seq, feed.c.data)
                            .where(feed.c.kind.in_(("book", "book_settled")),
                                   feed.c.device_id.is_(None))).all():
        allocation = json.loads(row.data).get("allocation_id")
        conn.execute(update(feed).where(feed.c.seq == row.seq)
                     .values(device_id=bound.get(allocation) or UNSENT))
