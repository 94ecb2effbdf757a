"""Applying what the county and the township send down, each applier a no-op when repeated.

At a village: the county's policies, households, external payments and conflict notices, and
the township's allocations, settlements and categories (pulled from the county, or in the
township's USB reply); at the township, the villages' events the county relays. A pulled page
is applied by ``apply_page`` (for ``exchange.county``), a township's reply by ``apply_items``
(for ``township_bundles``): each item in a savepoint, an item the ledger refuses recorded as
skipped instead of blocking the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel

from app.domain.errors import NotFound, Refused, ValidationError, YibaoError
from app.domain.idcard import mask_id_number
from app.domain.policy import parse_policy
from app.services.base.common import iso, utc_now
from app.services.base.roles import any_role, requires_role
from app.services.base.workspace import Workspace
from app.services.exchange.township_ingest import ingest_events
from app.services.village import county_lists, roster
from app.services.village.books import register_book
from app.services.village.campaigns import active_campaign, load_policy
from db.connection import tx
from sync.protocol import (
    BookData,
    BookSettledData,
    CategoryGrantData,
    ConflictData,
    EventResult,
    ExternalPaymentData,
    HouseholdData,
    PersonData,
    PolicyData,
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


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"日期格式不正确：{text}") from None


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
        valid_from=_day(data.valid_from), valid_to=_day(data.valid_to))
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


def _apply_person(ws: Workspace, household_no: str, p: PersonData, skipped: list[str]) -> bool:
    row = ws.conn.execute(
        "SELECT p.id, h.household_no, p.name, p.relation, p.residence, p.ethnicity, p.phone, "
        "p.status FROM persons p JOIN households h ON h.id = p.household_id "
        "WHERE p.id_type = ? AND p.id_number = ? ORDER BY p.status = 'active' DESC LIMIT 1",
        (p.id_type, p.id_number)).fetchone()
    changed = False
    if row is None:
        pid = roster.add_person(ws, household_no=household_no, name=p.name,
                                id_number=p.id_number, id_type=p.id_type, relation=p.relation,
                                residence=p.residence, sex=p.sex, birth_date=_day(p.birth_date),
                                ethnicity=p.ethnicity, phone=p.phone)["person_id"]
        current_status = "active"
        changed = True
    else:
        pid, current_status = row[0], row[7]
        if row[1] != household_no:
            roster.move_person(ws, pid, household_no)
            changed = True
        wanted = {"name": p.name, "relation": p.relation, "residence": p.residence,
                  "ethnicity": p.ethnicity, "phone": p.phone}
        have = dict(zip(("name", "relation", "residence", "ethnicity", "phone"), row[2:7],
                        strict=True))
        diff = {k: v for k, v in wanted.items() if have[k] != v}
        if diff:
            roster.update_person(ws, pid, **diff)
            changed = True
    if p.status != current_status:
        roster.set_person_status(ws, pid, p.status, note="县医保同步")
        changed = True
    if p.status == "employee_insured" and p.id_type == "01":
        # The county's employee-insured list, kept beside the file-imported ones.
        county_lists.record_synced(ws, {"kind": "employee", "id_number": p.id_number.upper(),
                                        "name": p.name, "benefit_year": None})
    held = {c for (c,) in ws.conn.execute(
        "SELECT category FROM person_categories WHERE person_id = ? AND revoked_at IS NULL",
        (pid,))}
    for cat in p.categories:
        if cat.category in held:
            continue
        try:
            with tx(ws.conn):
                # Certified by the county's lists: the collector's role may not grant it,
                # but may receive it.
                roster.record_certified_category(
                    ws, pid, cat.category, source=cat.source or "县医保", certified_by="县医保",
                    valid_from=_day(cat.valid_from), valid_to=_day(cat.valid_to))
            changed = True
        except YibaoError as exc:
            skipped.append(f"{mask_id_number(p.id_number)} 的资助类别“{cat.category}”："
                           f"{exc.message}")
    return changed


def _apply_household(ws: Workspace, data: HouseholdData, skipped: list[str]) -> bool:
    row = ws.conn.execute("SELECT head_name, grp, address, phone FROM households "
                          "WHERE household_no = ?", (data.household_no,)).fetchone()
    changed = False
    if row is None:
        roster.add_household(ws, household_no=data.household_no, head_name=data.head_name,
                             group=data.group, address=data.address, phone=data.phone,
                             village=data.village or None)
        changed = True
    else:
        diff = {k: v for k, v, old in (("head_name", data.head_name, row[0]),
                                       ("group", data.group, row[1]),
                                       ("address", data.address, row[2]),
                                       ("phone", data.phone, row[3])) if v != old}
        if diff:
            roster.update_household(ws, data.household_no, **diff)
            changed = True
    for person in data.persons:
        try:
            with tx(ws.conn):
                changed = _apply_person(ws, data.household_no, person, skipped) or changed
        except YibaoError as exc:
            skipped.append(f"户 {data.household_no} 成员 {mask_id_number(person.id_number)}："
                           f"{exc.message}")
    return changed


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
    if isinstance(data, HouseholdData):
        return _apply_household(ws, data, skipped)
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


def _apply_each(ws: Workspace, items: list[tuple[int, str, BaseModel]]) -> tuple[int, list[str]]:
    """Each item in a savepoint, refusals recorded as skipped: (items applied, skipped)."""
    skipped: list[str] = []
    applied = 0
    for seq, kind, data in items:
        try:
            with tx(ws.conn):
                applied += _apply_item(ws, kind, data, skipped)
        except YibaoError as exc:
            skipped.append(f"第 {seq} 条（{kind}）：{exc.message}")
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
    """One transaction: the items (each in a savepoint), the journal event, the new cursor.

    An item the ledger refuses (a category the policy lacks, a person already active in
    another household) is recorded as skipped instead of blocking every later page.
    """
    cursor = load_state(ws.conn).cursor
    todo = [(seq, kind, data) for seq, kind, data in items if seq > cursor]
    with tx(ws.conn):
        applied, skipped = _apply_each(ws, todo)
        if todo:
            ws.record("sync.pulled", {"cursor_from": cursor, "cursor_to": page.next_cursor,
                                      "items": len(todo), "applied": applied,
                                      "skipped": skipped})
        save_state(ws.conn, cursor=max(cursor, page.next_cursor),
                   last_server_time=page.server_time)
    tally.pulled += len(todo)
    tally.applied += applied
    tally.skipped += len(skipped)
    tally.problems.extend(skipped)
