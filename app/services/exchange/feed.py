"""Applying what the county and the township send down, each applier a no-op when repeated.

At a village: the county's policies, households, external payments and conflict notices, and
the township's allocations, settlements and categories (pulled from the county, or in the
township's USB reply); at the township, the villages' events the county relays. Pulled pages
are applied by ``apply_pages`` (a few per transaction, for ``exchange.county``), a township's
reply by ``apply_items`` (for ``township_bundles``): each item in a savepoint, except a run of
households, applied together with one journal event (``village.roster_pull``); an item the
ledger refuses is recorded as skipped instead of blocking the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from app.domain.errors import NotFound, Refused, ValidationError, YibaoError
from app.domain.policy import parse_policy
from app.services.base.common import iso, utc_now
from app.services.base.roles import any_role, requires_role
from app.services.base.workspace import Workspace
from app.services.exchange.township_ingest import ingest_events
from app.services.village import county_lists, roster
from app.services.village.books import register_book
from app.services.village.campaigns import active_campaign, load_policy
from app.services.village.roster_pull import apply_households, parse_day
from db.connection import tx
from sync.protocol import (
    BookData,
    BookSettledData,
    CategoryGrantData,
    ConflictData,
    EventResult,
    ExternalPaymentData,
    HouseholdData,
    PolicyData,
    PullPage,
    PullResponse,
    VillageEventData,
)
from sync.state import load_state, save_state


@dataclass
class SyncTally:
    """What one sync or bundle import did, as its result reports it."""

    pushed: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0
    pulled: int = 0
    applied: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)
    # Events the county stored but refused by the ledger model: they claim nothing there.
    refusals: list[dict[str, object]] = field(default_factory=list)

    def add(self, results: list[EventResult]) -> None:
        for r in results:
            if r.status == "duplicate":
                self.duplicates += 1
            elif r.status == "refused":
                continue  # counted by the refusals the caller records
            elif r.status == "rejected":
                self.rejected += 1
                self.problems.append(r.message or r.reason or "rejected")
            else:
                self.pushed += 1
                self.conflicts += r.status == "conflict"


def _store_once(ws: Workspace, table: str, key: str, row: dict[str, Any], event: str,
                payload: dict[str, Any]) -> bool:
    """Insert ``row`` into ``table`` and journal ``event``, unless a row with the same ``key``
    is held already (the item came before): then nothing, and False."""
    if ws.conn.execute(f"SELECT 1 FROM {table} WHERE {key} = ?", (row[key],)).fetchone():
        return False
    ws.conn.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES "
                    f"({', '.join('?' * len(row))})", tuple(row.values()))
    ws.record(event, payload)
    return True


# ---- the township's items -------------------------------------------------------------------


@requires_role("collector", "接收财政所发放的票据")
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


@requires_role("collector", "接收票据核销通知")
def apply_settled(ws: Workspace, data: BookSettledData) -> bool:
    return _store_once(ws, "book_settlements", "allocation_id", {
        "allocation_id": data.allocation_id, "series": data.series, "first_no": data.first,
        "last_no": data.last, "settled_at": data.settled_at, "received_at": iso(utc_now())},
        "book.settlement_received", data.model_dump())


@requires_role("collector", "接收资助类别认定")
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
        valid_from=parse_day(data.valid_from), valid_to=parse_day(data.valid_to))
    return True


@requires_role("township", "接收村里的收缴数据")
def apply_village_event(ws: Workspace, data: VillageEventData) -> bool:
    return ingest_events(ws, [(data.village, data.event)], via="county").stored > 0


# ---- the county's items ---------------------------------------------------------------------


def _apply_policy(ws: Workspace, data: PolicyData) -> bool:
    year = parse_policy(data.policy).campaign_year
    try:
        activate = active_campaign(ws).campaign_year <= year
    except Refused:
        activate = True
    return bool(load_policy(ws, data.policy, activate=activate)["created"])


def _apply_book(ws: Workspace, data: BookData) -> bool:
    if data.collector != ws.user:
        raise Refused(f"票据 {data.series} 分配给收款员 {data.collector}，不是当前用户 {ws.user}")
    row = ws.conn.execute("SELECT last_no FROM receipt_books WHERE series = ? AND first_no = ?",
                          (data.series, data.first)).fetchone()
    if row is not None:
        if int(row[0]) != data.last:
            raise Refused(f"票据 {data.series} {data.first} 起的一本已登记，但末号不同")
        return False
    register_book(ws, series=data.series, first=data.first, last=data.last, width=data.width)
    return True


def _apply_external_payment(ws: Workspace, data: ExternalPaymentData) -> bool:
    # Also a county-list entry (source "sync"): a file listing the same payment adds nothing.
    county_lists.record_synced(ws, {
        "kind": "online", "id_number": data.id_number.upper(),
        "benefit_year": county_lists.benefit_year_of(ws, data.campaign_year),
        "channel": data.channel, "paid_at": data.paid_at[:10] or None,
        "amount_fen": data.amount_fen})
    return _store_once(ws, "external_payments", "id", {
        "id": data.payment_id, "campaign_year": data.campaign_year,
        "id_number": data.id_number.upper(), "channel": data.channel, "paid_at": data.paid_at,
        "amount_fen": data.amount_fen, "received_at": iso(utc_now())},
        "external_payment.received", data.model_dump())


# What the county's conflict notice says of the person, as a county list would.
_CONFLICT_KINDS = {"duplicate_enrolment": "duplicates", "employee_insured": "employee",
                   "paid_elsewhere": "online"}


def _apply_conflict(ws: Workspace, data: ConflictData) -> bool:
    if not ws.conn.execute("SELECT 1 FROM payment_lines WHERE id = ? AND payment_id = ? "
                           "AND id_number = ?",
                           (data.line_id, data.payment_id, data.id_number)).fetchone():
        raise NotFound("冲突通知指向本机没有的收款记录")
    county_lists.record_synced(ws, {
        "kind": _CONFLICT_KINDS[data.reason], "id_number": data.id_number.upper(),
        "name": data.name, "benefit_year": county_lists.benefit_year_of(ws, data.campaign_year),
        "place": data.other_village or None, "note": data.message or None,
        **({"channel": "县医保"} if data.reason == "paid_elsewhere" else {})})
    return _store_once(ws, "sync_refund_tasks", "notice_id", {
        "notice_id": data.notice_id, "reason": data.reason, "message": data.message,
        "event_uuid": data.event_uuid, "campaign_year": data.campaign_year,
        "payment_id": data.payment_id, "line_id": data.line_id, "id_number": data.id_number,
        "name": data.name, "receipt": data.receipt, "other_village": data.other_village,
        "received_at": iso(utc_now())}, "sync.conflict_received", data.model_dump())


def _apply_item(ws: Workspace, kind: str, data: BaseModel, skipped: list[str]) -> bool:
    if isinstance(data, PolicyData):
        return _apply_policy(ws, data)
    if isinstance(data, BookData):
        return apply_allocation(ws, data, lambda: _apply_book(ws, data))
    if isinstance(data, VillageEventData):
        return apply_village_event(ws, data)
    if isinstance(data, BookSettledData):
        return apply_settled(ws, data)
    if isinstance(data, CategoryGrantData):
        return apply_category(ws, data)
    if isinstance(data, ExternalPaymentData):
        return _apply_external_payment(ws, data)
    if isinstance(data, ConflictData):
        return _apply_conflict(ws, data)
    raise ValidationError(f"未知的同步数据类型：{kind}")


def _apply_each(ws: Workspace, items: list[tuple[int, str, BaseModel]], *, cursor_from: int = 0,
                cursor_to: int = 0) -> tuple[int, list[str]]:
    """Each item in a savepoint, except that consecutive households go together (a roster is
    thousands of them: ``roster_pull``); refusals recorded as skipped: (items applied,
    skipped). ``cursor_from``/``cursor_to`` name the page in the households' journal event."""
    skipped: list[str] = []
    applied = 0
    run: list[tuple[int, HouseholdData]] = []

    def flush() -> None:
        nonlocal applied
        if not run:
            return
        try:
            with tx(ws.conn):
                done = apply_households(ws, run, cursor_from=cursor_from, cursor_to=cursor_to)
            applied += done.applied
            skipped.extend(done.skipped)
        except YibaoError as exc:
            skipped.extend(f"第 {seq} 条（household）：{exc.message}" for seq, _ in run)
        run.clear()

    for seq, kind, data in items:
        if isinstance(data, HouseholdData):
            run.append((seq, data))
            continue
        flush()
        try:
            with tx(ws.conn):
                applied += _apply_item(ws, kind, data, skipped)
        except YibaoError as exc:
            skipped.append(f"第 {seq} 条（{kind}）：{exc.message}")
    flush()
    return applied, skipped


# ---- pages and replies -----------------------------------------------------------------------


@requires_role("collector", "接收财政所的数据")
def apply_items(ws: Workspace, items: list[tuple[int, str, BaseModel]]) -> tuple[int, list[str]]:
    """Apply feed items from another source (a township's USB reply): each in a savepoint,
    refusals recorded as skipped; the caller holds the transaction and journals."""
    return _apply_each(ws, items)


@any_role
def apply_page(ws: Workspace, page: PullResponse, items: list[tuple[int, str, BaseModel]],
               tally: SyncTally) -> None:
    """One page in one transaction: :func:`apply_pages` of it alone."""
    apply_pages(ws, [(page, items)], tally)


@any_role
def apply_pages(ws: Workspace,
                pages: list[tuple[PullResponse | PullPage, list[tuple[int, str, BaseModel]]]],
                tally: SyncTally) -> None:
    """Consecutive pages in one transaction: each page's items, its journal events (its
    households' one ``roster.imported`` and its ``sync.pulled``), then the last page's cursor.
    Applied wholly or not at all; an item already applied (at or before the cursor) is left.

    One transaction for several pages because a commit is what a page costs on the device
    (a synced write of every index page it touched); the journal still says page by page
    what came and what it changed. An item the ledger refuses (a category the policy lacks,
    a person already active in another household) is recorded as skipped instead of
    blocking every later page.
    """
    cursor = load_state(ws.conn).cursor
    server_time = None
    done: list[tuple[int, int, list[str]]] = []
    with tx(ws.conn):
        for page, items in pages:
            todo = [(seq, kind, data) for seq, kind, data in items if seq > cursor]
            applied, skipped = _apply_each(ws, todo, cursor_from=cursor,
                                           cursor_to=page.next_cursor)
            if todo:
                ws.record("sync.pulled", {"cursor_from": cursor, "cursor_to": page.next_cursor,
                                          "items": len(todo), "applied": applied,
                                          "skipped": skipped})
            done.append((len(todo), applied, skipped))
            cursor, server_time = max(cursor, page.next_cursor), page.server_time
        if pages:
            save_state(ws.conn, cursor=cursor, last_server_time=server_time)
    for pulled, applied, skipped in done:
        tally.pulled += pulled
        tally.applied += applied
        tally.skipped += len(skipped)
        tally.problems.extend(skipped)
