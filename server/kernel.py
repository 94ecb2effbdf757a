"""The county server's kernel: the open server, its transactions, the feed, the shared checks.

Enrolment, push, pull, the township relay and the admin commands build on this module and on
``server.schema`` (the tables); it imports none of them. Each rule that more than one of them
applies (a village code, a device that must be enrolled, a receipt book's range that must be
free) is written here once.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from pydantic import BaseModel
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    Engine,
    String,
    Table,
    any_,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from app.domain.canonical import canonical_json
from app.domain.errors import ValidationError
from app.domain.ids import new_id
from server.errors import ApiError
from server.schema import books, counters, devices, feed, make_engine, metadata, server_meta
from server.upgrade import upgrade
from sync.protocol import (
    BookData,
    Countersignature,
    CountyKeys,
    WireEvent,
    countersign,
    private_hex,
    public_hex,
)

_TX_ATTEMPTS = 4


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class DeviceCache:
    """A small LRU of per-device values (the folded ledgers, ``server.trust``), safe across
    threads. A value is *taken* (removed) for a transaction and *put* back only after it
    committed, so a rolled-back transaction can never leave a half-applied value behind."""

    def __init__(self, capacity: int = 256) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str) -> Any:
        with self._lock:
            return self._items.pop(key, None)

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


@dataclass
class Server:
    engine: Engine
    server_id: str
    sign_key: Ed25519PrivateKey
    box_key: X25519PrivateKey
    clock: Callable[[], float] = field(default=time.time)
    # Each device's journal folded by the ledger model, keyed by device and checked against
    # the head in the database before use (a cache: the database decides, server.trust).
    ledgers: DeviceCache = field(default_factory=DeviceCache)
    # When this process last deleted the nonces too old to be replayed (server.app).
    nonces_swept_at: float = 0.0

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def now_iso(self) -> str:
        return iso(self.now())

    def countersign(self, device_id: str, seq: int, hash: str) -> Countersignature:
        """The county's signature over a device's head as it now holds it."""
        return countersign(self.sign_key, device_id=device_id, seq=seq, hash=hash,
                           at=self.now_iso())

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
                    values = {"server_id": new_id(),
                              "sign_key": private_hex(Ed25519PrivateKey.generate()),
                              "box_key": private_hex(X25519PrivateKey.generate())}
                    conn.execute(insert(server_meta),
                                 [{"key": k, "value": v} for k, v in values.items()])
            with engine.begin() as conn:
                upgrade(conn)
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


def retrying(work: Callable[[], Any]) -> Any:
    """Run a transaction again when a concurrent one won a unique key or a lock first."""
    for attempt in range(_TX_ATTEMPTS):
        try:
            return work()
        except (IntegrityError, OperationalError):
            if attempt == _TX_ATTEMPTS - 1:
                raise ApiError(503, "busy", "县医保服务器繁忙，请稍后重试") from None
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _take_feed_seqs(conn: Connection, count: int) -> int:
    """Reserve ``count`` feed sequence numbers; the last one. The counter row stays locked
    until commit, so feed rows commit in sequence order and a cursor never skips a row that
    commits late."""
    return int(conn.execute(update(counters).where(counters.c.name == "feed")
                            .values(value=counters.c.value + count)
                            .returning(counters.c.value)).scalar_one())


AMONG_CHUNK = 2000  # values per among(): one parameter, so only the server's memory bounds it


def distinct_chunks(values: Iterable[Any], size: int = AMONG_CHUNK) -> Iterator[list[Any]]:
    """The distinct values, in order of first sight, a list of at most ``size`` at a time
    (for :func:`among`: a push's lookups then take one statement per table, not per 500)."""
    items = list(dict.fromkeys(values))
    for i in range(0, len(items), size):
        yield items[i:i + size]


def among(conn: Connection, column: ColumnElement[Any],
          values: list[Any]) -> ColumnElement[bool]:
    """``column IN (values)`` with the values as one parameter, so that the statement's text
    and its compiled form are the same whatever they are: PostgreSQL as an array (``= ANY``),
    SQLite as a JSON array read by ``json_each``. An IN list of 500 placeholders was rendered
    and bound value by value on every execution, a tenth of a push's time at the county."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    listed = func.json_each(bindparam(None, json.dumps(values), type_=String))
    return column.in_(select(listed.table_valued("value").c.value))


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]], *,
                replace_on: tuple[str, ...] = ()) -> None:
    """Insert many rows (each with the same keys) at the speed of the database: PostgreSQL
    by COPY, SQLite by the driver's executemany, both without SQLAlchemy's per-row work. A
    unique key or a lock lost to a concurrent transaction raises SQLAlchemy's IntegrityError
    or OperationalError as any statement does, so :func:`retrying` runs the work again.

    With ``replace_on`` (a unique key's columns) a row whose key is held updates the held
    row instead, and of two rows with one key the later stands: on SQLite the driver's
    executemany of an upsert, on PostgreSQL one upsert of the rows read from one JSON array
    (an executemany there is a statement per row in the server, the largest cost of a push;
    the rows' values are plain text and integers, as JSON keeps them)."""
    if not rows:
        return
    names = list(rows[0])
    # In C, and a tuple even for one column (itemgetter of one name gives the bare value).
    values = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    quote = conn.dialect.identifier_preparer.quote
    columns = ", ".join(quote(n) for n in names)
    postgresql = conn.dialect.name == "postgresql"
    if replace_on or not postgresql:
        upsert = ""
        if replace_on:
            updates = ", ".join(f"{quote(n)} = excluded.{quote(n)}" for n in names
                                if n not in replace_on)
            upsert = (f" ON CONFLICT ({', '.join(quote(n) for n in replace_on)}) "
                      f"DO UPDATE SET {updates}")
        if postgresql:
            # One statement may not update a row twice: the last row of each key stands.
            key = itemgetter(*replace_on)
            last = {key(row): row for row in rows}
            read = ", ".join(f"CAST(r->>{i} AS {table.c[n].type.compile(conn.dialect)})"
                             for i, n in enumerate(names))
            conn.exec_driver_sql(
                f"INSERT INTO {quote(table.name)} ({columns}) SELECT {read} "
                "FROM json_array_elements(CAST(%s AS json)) AS r" + upsert,
                (json.dumps(list(map(values, last.values()))),))
            return
        statement = (f"INSERT INTO {quote(table.name)} ({columns}) VALUES "
                     f"({', '.join(['?'] * len(names))})")
        conn.exec_driver_sql(statement + upsert, list(map(values, rows)))
        return
    dbapi = conn.dialect.loaded_dbapi
    statement = f"COPY {quote(table.name)} ({columns}) FROM STDIN"
    try:
        with conn.connection.driver_connection.cursor() as cursor, \
                cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(values(row))
    except dbapi.IntegrityError as exc:
        raise IntegrityError(statement, None, exc) from exc
    except dbapi.OperationalError as exc:  # a serialisation failure or a deadlock
        raise OperationalError(statement, None, exc) from exc


def append_feed(srv: Server, conn: Connection, kind: str, data: BaseModel, *,
                village: str | None = None, device_id: str | None = None,
                collector: str | None = None) -> int:
    """Append to the feed (see :func:`_take_feed_seqs` for the order)."""
    seq = _take_feed_seqs(conn, 1)
    conn.execute(insert(feed).values(seq=seq, kind=kind, village=village, device_id=device_id,
                                     collector=collector, data=canonical_json(data.model_dump()),
                                     created_at=srv.now_iso()))
    return seq


@dataclass
class FeedBatch:
    """Feed items one transaction appends, written by :meth:`flush` with one counter update
    and one multi-row insert (a push relays every event: per item that was two round trips).
    The items keep the order they were added in."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, kind: str, data: BaseModel, *, village: str | None = None,
            device_id: str | None = None, collector: str | None = None) -> None:
        self.rows.append({"kind": kind, "village": village, "device_id": device_id,
                          "collector": collector, "data": canonical_json(data.model_dump())})

    def flush(self, srv: Server, conn: Connection) -> None:
        if not self.rows:
            return
        last = _take_feed_seqs(conn, len(self.rows))
        now = srv.now_iso()
        insert_rows(conn, feed, [{**row, "seq": last - len(self.rows) + i, "created_at": now}
                                 for i, row in enumerate(self.rows, start=1)])
        self.rows.clear()


# ---- devices --------------------------------------------------------------------------------


def device_row(srv: Server, device_id: str) -> Any:
    with srv.engine.connect() as conn:
        return conn.execute(select(devices).where(devices.c.id == device_id)).first()


def enrolled_device(conn: Connection, device_id: str, *, for_update: bool = False) -> Any:
    """The enrolled device's row (locked for the transaction when asked); 401 when unknown."""
    query = select(devices).where(devices.c.id == device_id)
    device = conn.execute(query.with_for_update() if for_update else query).first()
    if device is None:
        raise ApiError(401, "unknown_device", "此设备未在县医保服务器登记")
    return device


def wire_event(row: Any) -> WireEvent:
    """A stored ``events`` row as the event its device pushed."""
    return WireEvent(uuid=row.uuid, device=row.device_id, seq=int(row.seq), type=row.type,
                     payload=json.loads(row.payload), actor=row.actor, at=row.at,
                     prev_hash=row.prev_hash, hash=row.hash)


# ---- checks ---------------------------------------------------------------------------------

_VILLAGE_RE = re.compile(r"^[0-9A-Za-z_-]{1,40}$")


def check_village(village: str) -> str:
    village = (village or "").strip()
    if not _VILLAGE_RE.match(village):
        raise ValidationError(f"村代码“{village}”无效：只能包含数字、字母、连字符，最多 40 位")
    return village


def collector_devices(conn: Connection, village: str, collector: str) -> list[str]:
    """The devices enrolled in a village under a collector's name, oldest first."""
    return [r.id for r in conn.execute(
        select(devices.c.id).where(devices.c.village == village,
                                   devices.c.user_name == collector)
        .order_by(devices.c.enrolled_at, devices.c.id))]


def add_book(srv: Server, conn: Connection, data: BookData, *, village: str,
             overlap: str, device_id: str | None) -> None:
    """Record a receipt book allocated to a village's collector on one device, and feed it to
    that device; with ``device_id`` None the book waits, unbound and unsent (``bind_book``).

    A range overlapping a book already held is refused: ``overlap`` is the message, with
    ``{series}``, ``{first}`` and ``{last}`` standing for the book it overlaps."""
    held = conn.execute(select(books.c.first_no, books.c.last_no).where(
        books.c.series == data.series, books.c.first_no <= data.last,
        books.c.last_no >= data.first)).first()
    if held is not None:
        raise ValidationError(overlap.format(series=data.series, first=held.first_no,
                                             last=held.last_no))
    conn.execute(insert(books).values(allocation_id=data.allocation_id, series=data.series,
                                      first_no=data.first, last_no=data.last, width=data.width,
                                      village=village, collector=data.collector,
                                      allocated_at=srv.now_iso()))
    if device_id is not None:
        bind_book(srv, conn, data.allocation_id, device_id)


def bind_book(srv: Server, conn: Connection, allocation_id: str, device_id: str) -> None:
    """Allocate a held book to one device and send it there (a ``book`` item addressed to
    that device alone): the only way a device ever receives a book."""
    row = conn.execute(select(books).where(books.c.allocation_id == allocation_id)).first()
    if row is None:
        raise ValidationError(f"没有编号为 {allocation_id} 的票据")
    conn.execute(update(books).where(books.c.allocation_id == allocation_id)
                 .values(device_id=device_id, bound_at=srv.now_iso()))
    data = BookData(allocation_id=row.allocation_id, series=row.series, first=int(row.first_no),
                    last=int(row.last_no), width=row.width, collector=row.collector)
    append_feed(srv, conn, "book", data, village=row.village, device_id=device_id,
                collector=row.collector)
