"""County sync, one function per user action: enrol, sync now, status, USB bundles, refund tasks.

Push then pull. Push sends the journal after the last acknowledged event; acknowledgements
are stored right after each response, so an interruption anywhere resumes from there and a
repeated event is a harmless duplicate at the server. Each pull page is applied in one
transaction together with its journal events and the new cursor: a page is applied wholly
or not at all, and never twice. Every response is checked completely before anything is
written, so a broken or hostile server changes nothing here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from pydantic import BaseModel
from pydantic import ValidationError as ModelError

from app import __version__
from app.domain.errors import NotFound, Refused, ValidationError, YibaoError
from app.domain.idcard import mask_id_number
from app.domain.policy import parse_policy
from app.services.base.common import iso, utc_now
from app.services.base.settings import get_setting, set_setting
from app.services.base.workspace import Workspace
from app.services.exchange import feed as township_feed
from app.services.village import roster
from app.services.village.books import register_book
from app.services.village.campaigns import active_campaign, load_policy
from db.connection import tx
from db.fsutil import write_atomic
from sync.client import BadServerResponse, RetryPolicy, SyncClient, check_server_url
from sync.protocol import (
    ACKNOWLEDGED,
    FEED_MODELS,
    GENESIS,
    MAX_BUNDLE_BYTES,
    BookData,
    BookSettledData,
    BundleError,
    CategoryGrantData,
    ConflictData,
    CountyKeys,
    EnrolRequest,
    EventResult,
    ExternalPaymentData,
    Head,
    HouseholdData,
    PersonData,
    PolicyData,
    PullRequest,
    PullResponse,
    PushBundle,
    PushRequest,
    ReplyBundle,
    VillageEventData,
    WireEvent,
    open_bundle,
    private_hex,
    public_hex,
    read_bundle_header,
    seal_bundle,
)
from sync.state import (
    SyncState,
    event_link,
    journal_head,
    load_state,
    pending_count,
    pending_events,
    save_state,
)

log = logging.getLogger(__name__)

PUSH_BATCH = 200
PULL_PAGE = 200
MAX_PULL_PAGES = 10_000
MAX_REWINDS = 3
MAX_PUSH_ROUNDS = 10_000  # × PUSH_BATCH: far beyond any village's journal
MAX_BUNDLE_EVENTS = 200_000
CLOCK_TOLERANCE = timedelta(minutes=5)

Progress = Callable[[str, int, int], None]

REFUND_REASON_FOR = {"duplicate_enrolment": "duplicate", "employee_insured": "employee",
                     "paid_elsewhere": "duplicate"}


class SyncRejected(Refused):
    """The server refused some of our events; what was accepted stays acknowledged."""

    code = "sync_rejected"


@dataclass
class _Tally:
    pushed: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0
    pulled: int = 0
    applied: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, results: list[EventResult]) -> None:
        for r in results:
            if r.status == "duplicate":
                self.duplicates += 1
            elif r.status == "rejected":
                self.rejected += 1
                self.problems.append(r.message or r.reason or "rejected")
            else:
                self.pushed += 1
                self.conflicts += r.status == "conflict"


# ---- enrolment ------------------------------------------------------------------------------


def _box_key(ws: Workspace) -> X25519PrivateKey:
    """This device's X25519 key for reply bundles. A new one is saved by the caller together
    with what it enables, so a failed enrolment or export leaves nothing behind."""
    return load_state(ws.conn).box_key() or X25519PrivateKey.generate()


def _enrol_request(ws: Workspace, code: str, box: X25519PrivateKey) -> EnrolRequest:
    village = (ws.meta("village") or "").strip()
    if not village:
        raise ValidationError("本数据库没有村代码，无法登记到县医保（创建数据库时用 --village 指定）")
    try:
        return EnrolRequest(code=code.strip(), device_id=ws.device_id,
                            public_key=public_hex(ws.signing_key()), box_key=public_hex(box),
                            village=village, user=ws.user, app_version=__version__)
    except ModelError as exc:
        raise ValidationError("登记码、村代码或用户名格式不正确") from exc


def _read_county_key(path: Path) -> CountyKeys:
    try:
        return CountyKeys.model_validate_json(Path(path).read_bytes())
    except OSError as exc:
        raise ValidationError(f"无法读取县医保公钥文件：{path}") from exc
    except ModelError as exc:
        raise ValidationError("县医保公钥文件格式不正确") from exc


def enrol_device(ws: Workspace, *, server_url: str, code: str, ca_bundle: str | None = None,
                 county_key: Path | None = None, retry: RetryPolicy | None = None) -> dict[str, Any]:
    """Register this device with the county using a one-time code (设备登记)."""
    url = check_server_url(server_url)
    state = load_state(ws.conn)
    pinned = _read_county_key(county_key) if county_key else None
    box = _box_key(ws)
    request = _enrol_request(ws, code, box)
    with SyncClient(url, device_id=ws.device_id, signing_key=ws.signing_key(),
                    server_sign_key=None, ca_bundle=ca_bundle, retry=retry) as client:
        answer = client.enrol(request, pinned_sign_key=pinned.sign_key if pinned else None)
    if state.server_id and state.server_id != answer.server_id:
        raise Refused("本机已登记到另一台县医保服务器，不能改登记到这一台")
    with tx(ws.conn):
        save_state(ws.conn, enrolled=True, enrol_pending=False, server_id=answer.server_id,
                   box_private_key=private_hex(box),
                   server_sign_key=answer.server_sign_key, server_box_key=answer.server_box_key,
                   village=answer.village, user=ws.user, last_server_time=answer.server_time,
                   ca_bundle=ca_bundle)
        set_setting(ws, "server_url", url)
        if not state.enrolled:
            ws.record("sync.enrolled", {"server_id": answer.server_id, "server_url": url,
                                        "village": answer.village, "via": "network"})
    return {"device_id": ws.device_id, "server_id": answer.server_id,
            "village": answer.village, "server_url": url}


# ---- checking what the server says ----------------------------------------------------------


def _check_acks(ws: Workspace, results: list[EventResult], device_head: Head) -> None:
    """Every acknowledgement must name one of our events, and the server's copy of our chain
    must end on one of our hashes; anything else is a server we cannot trust."""
    ours = journal_head(ws.conn)
    if device_head.seq > ours.seq:
        raise BadServerResponse("服务器声称收到的记录比本机还多，响应已丢弃，本机数据未作任何更改")
    if device_head.seq > 0 and (event_link(ws.conn, device_head.seq) or ("", ""))[1] \
            != device_head.hash:
        raise BadServerResponse("服务器保存的本机记录与本机日志不一致，响应已丢弃，本机数据未作任何更改")
    for r in results:
        link = event_link(ws.conn, r.seq)
        if link is None or link[0] != r.uuid:
            raise BadServerResponse(f"服务器确认了本机没有发送过的记录（第 {r.seq} 条），"
                                    "响应已丢弃，本机数据未作任何更改")
        if r.status in ACKNOWLEDGED and r.seq > device_head.seq:
            raise BadServerResponse("服务器的确认与它保存的记录末条矛盾，响应已丢弃，本机数据未作任何更改")


def _check_push(ws: Workspace, batch: list[WireEvent], results: list[EventResult],
                device_head: Head) -> None:
    if [(r.uuid, r.seq) for r in results] != [(e.uuid, e.seq) for e in batch]:
        raise BadServerResponse("服务器的确认与本机发送的记录对不上，响应已丢弃，本机数据未作任何更改")
    _check_acks(ws, results, device_head)


def _new_ack(ws: Workspace, state: SyncState, results: list[EventResult],
             device_head: Head) -> tuple[int, str]:
    """The highest seq with everything up to it held by the server: consecutive positive
    results, or the server's own head for us (already checked to be one of our hashes)."""
    acked = state.acked_seq
    for r in sorted(results, key=lambda r: r.seq):
        if r.seq <= acked:
            continue
        if r.seq != acked + 1 or r.status not in ACKNOWLEDGED:
            break
        acked = r.seq
    acked = max(acked, device_head.seq)
    if acked == state.acked_seq:
        return acked, state.acked_hash
    link = event_link(ws.conn, acked)
    return acked, link[1] if link else GENESIS


def _check_page(page: PullResponse, cursor: int) -> list[tuple[int, str, BaseModel]]:
    """Validate a whole page before any of it is applied; returns the typed items."""
    if page.cursor_from != cursor:
        raise BadServerResponse("服务器返回的数据页与请求的位置不符，本机数据未作任何更改")
    last = cursor
    parsed: list[tuple[int, str, BaseModel]] = []
    for item in page.items:
        if item.seq <= last:
            raise BadServerResponse("服务器返回的数据顺序错误，本机数据未作任何更改")
        last = item.seq
        try:
            parsed.append((item.seq, item.kind, FEED_MODELS[item.kind].model_validate(item.data)))
        except ModelError as exc:
            raise BadServerResponse(f"服务器下发的第 {item.seq} 条数据格式不正确，"
                                    "本机数据未作任何更改") from exc
    if page.next_cursor < last or (page.more and page.next_cursor <= cursor):
        raise BadServerResponse("服务器返回的同步位置无效，本机数据未作任何更改")
    return parsed


# ---- applying what the county sends ---------------------------------------------------------


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"日期格式不正确：{text}") from None


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
    if ws.conn.execute("SELECT 1 FROM external_payments WHERE id = ?",
                       (data.payment_id,)).fetchone():
        return False
    ws.conn.execute(
        "INSERT INTO external_payments (id, campaign_year, id_number, channel, paid_at, "
        "amount_fen, received_at) VALUES (?,?,?,?,?,?,?)",
        (data.payment_id, data.campaign_year, data.id_number.upper(), data.channel,
         data.paid_at, data.amount_fen, iso(utc_now())))
    ws.record("external_payment.received", data.model_dump())
    return True


def _apply_conflict(ws: Workspace, data: ConflictData) -> bool:
    if ws.conn.execute("SELECT 1 FROM sync_refund_tasks WHERE notice_id = ?",
                       (data.notice_id,)).fetchone():
        return False
    if not ws.conn.execute("SELECT 1 FROM payment_lines WHERE id = ? AND payment_id = ? "
                           "AND id_number = ?",
                           (data.line_id, data.payment_id, data.id_number)).fetchone():
        raise NotFound("冲突通知指向本机没有的收款记录")
    ws.conn.execute(
        "INSERT INTO sync_refund_tasks (notice_id, reason, message, event_uuid, campaign_year, "
        "payment_id, line_id, id_number, name, receipt, other_village, received_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (data.notice_id, data.reason, data.message, data.event_uuid, data.campaign_year,
         data.payment_id, data.line_id, data.id_number, data.name, data.receipt,
         data.other_village, iso(utc_now())))
    ws.record("sync.conflict_received", data.model_dump())
    return True


def _apply_item(ws: Workspace, kind: str, data: BaseModel, skipped: list[str]) -> bool:
    if isinstance(data, PolicyData):
        return _apply_policy(ws, data)
    if isinstance(data, HouseholdData):
        return _apply_household(ws, data, skipped)
    if isinstance(data, BookData):
        return township_feed.apply_allocation(ws, data, lambda: _apply_book(ws, data))
    if isinstance(data, VillageEventData):
        return township_feed.apply_village_event(ws, data)
    if isinstance(data, BookSettledData):
        return township_feed.apply_settled(ws, data)
    if isinstance(data, CategoryGrantData):
        return township_feed.apply_category(ws, data)
    if isinstance(data, ExternalPaymentData):
        return _apply_external_payment(ws, data)
    if isinstance(data, ConflictData):
        return _apply_conflict(ws, data)
    raise ValidationError(f"未知的同步数据类型：{kind}")


def apply_items(ws: Workspace, items: list[tuple[int, str, BaseModel]]) -> tuple[int, list[str]]:
    """Apply feed items from another source (a township's USB reply): each in a savepoint,
    refusals recorded as skipped; the caller holds the transaction and journals."""
    skipped: list[str] = []
    applied = 0
    for seq, kind, data in items:
        try:
            with tx(ws.conn):
                applied += _apply_item(ws, kind, data, skipped)
        except YibaoError as exc:
            skipped.append(f"第 {seq} 条（{kind}）：{exc.message}")
    return applied, skipped


def _apply_page(ws: Workspace, page: PullResponse, items: list[tuple[int, str, BaseModel]],
                tally: _Tally) -> None:
    """One transaction: the items (each in a savepoint), the journal event, the new cursor.

    An item the ledger refuses (a category the policy lacks, a person already active in
    another household) is recorded as skipped instead of blocking every later page.
    """
    cursor = load_state(ws.conn).cursor
    todo = [(seq, kind, data) for seq, kind, data in items if seq > cursor]
    skipped: list[str] = []
    applied = 0
    with tx(ws.conn):
        for seq, kind, data in todo:
            try:
                with tx(ws.conn):
                    applied += _apply_item(ws, kind, data, skipped)
            except YibaoError as exc:
                skipped.append(f"第 {seq} 条（{kind}）：{exc.message}")
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


# ---- sync now -------------------------------------------------------------------------------


def _require_enrolled(state: SyncState) -> None:
    if not state.enrolled or not state.server_sign_key:
        raise Refused("本机尚未登记到县医保服务器：请先运行 yibao enrol --server 地址 --code 登记码")


def _client(ws: Workspace, state: SyncState, server_url: str | None,
            retry: RetryPolicy | None, timeout: tuple[float, float] | None) -> SyncClient:
    url = server_url or get_setting(ws, "server_url")
    if not url:
        raise ValidationError("没有设置县医保服务器地址：请用 --server 指定")
    return SyncClient(url, device_id=ws.device_id, signing_key=ws.signing_key(),
                      server_sign_key=state.server_sign_key, ca_bundle=state.ca_bundle,
                      retry=retry, **({"timeout": timeout} if timeout else {}))


def _push_all(ws: Workspace, client: SyncClient, tally: _Tally,
              progress: Progress | None) -> None:
    start = load_state(ws.conn).acked_seq
    total = pending_count(ws.conn, start)
    rewinds = 0
    for _ in range(MAX_PUSH_ROUNDS):
        state = load_state(ws.conn)
        batch = pending_events(ws.conn, state.acked_seq, PUSH_BATCH)
        if not batch:
            return
        answer = client.push(PushRequest(head=journal_head(ws.conn), events=batch))
        _check_push(ws, batch, answer.results, answer.device_head)
        rejected = [r for r in answer.results if r.status == "rejected"]
        if (rejected and rejected[0].reason == "gap" and answer.device_head.seq < state.acked_seq
                and rewinds < MAX_REWINDS):
            # The server lost events it had acknowledged (restored from a backup): send them
            # again from the last one it still holds.
            rewinds += 1
            with tx(ws.conn):
                save_state(ws.conn, acked_seq=answer.device_head.seq,
                           acked_hash=answer.device_head.hash)
            log.warning("server head %d behind acknowledged %d: resending",
                        answer.device_head.seq, state.acked_seq)
            continue
        acked, acked_hash = _new_ack(ws, state, answer.results, answer.device_head)
        with tx(ws.conn):
            save_state(ws.conn, acked_seq=acked, acked_hash=acked_hash,
                       last_server_time=answer.server_time)
        tally.add(answer.results)
        if progress:
            progress("push", max(0, min(total, acked - start)), total)
        if rejected:
            return
        if acked <= state.acked_seq:
            raise BadServerResponse("上传没有进展（服务器不确认任何记录），已停止；本机数据完好")
    raise BadServerResponse("上传轮数超出上限，已停止；已确认的部分已保存，请再同步一次")


def _pull_all(ws: Workspace, client: SyncClient, tally: _Tally,
              progress: Progress | None) -> None:
    for _ in range(MAX_PULL_PAGES):
        cursor = load_state(ws.conn).cursor
        page = client.pull(PullRequest(cursor=cursor, limit=PULL_PAGE))
        items = _check_page(page, cursor)
        _apply_page(ws, page, items, tally)
        if progress:
            progress("pull", tally.pulled, tally.pulled + (PULL_PAGE if page.more else 0))
        if not page.more:
            return
    raise BadServerResponse("下载数据页数超出上限，已停止；已下载的部分已保存")


def sync_now(ws: Workspace, *, server_url: str | None = None, progress: Progress | None = None,
             retry: RetryPolicy | None = None,
             timeout: tuple[float, float] | None = None) -> dict[str, Any]:
    """同步: push pending events, pull what the county has for us, push what the pull recorded.

    Offline raises :class:`sync.client.Offline` having changed nothing.
    """
    state = load_state(ws.conn)
    _require_enrolled(state)
    tally = _Tally()
    with _client(ws, state, server_url, retry, timeout) as client:
        _push_all(ws, client, tally, progress)
        if not tally.rejected:
            _pull_all(ws, client, tally, progress)
            # Applying the pull journaled events (policy loaded, households added…): send them
            # now so the village leaves with nothing pending.
            _push_all(ws, client, tally, progress)
    with tx(ws.conn):
        save_state(ws.conn, last_sync_at=iso(utc_now()))
    result = {"pushed": tally.pushed, "duplicates": tally.duplicates,
              "conflicts": tally.conflicts, "rejected": tally.rejected, "pulled": tally.pulled,
              "applied": tally.applied, "skipped": tally.skipped,
              "pending": pending_count(ws.conn, load_state(ws.conn).acked_seq),
              "refund_tasks": _open_tasks(ws), "problems": tally.problems[:20]}
    if tally.rejected:
        raise SyncRejected(f"县医保服务器拒收了 {tally.rejected} 条记录：{tally.problems[0]}",
                           details=result)
    return result


# ---- status and refund tasks ----------------------------------------------------------------


def _open_tasks(ws: Workspace) -> int:
    return sum(1 for t in list_refund_tasks(ws) if t["status"] == "open")


def sync_status(ws: Workspace) -> dict[str, Any]:
    state = load_state(ws.conn)
    result: dict[str, Any] = {
        "pending": pending_count(ws.conn, state.acked_seq),
        "last_sync": state.last_sync_at,
        "server_url": get_setting(ws, "server_url") or None,
        "refund_tasks": _open_tasks(ws),
        "enrolled": state.enrolled,
        "enrol_pending": state.enrol_pending,
        "village": state.village,
        "enrolled_user": state.user,
        "acknowledged_seq": state.acked_seq,
        "cursor": state.cursor,
        "clock_warning": None,
    }
    if state.last_server_time:
        try:
            seen = datetime.fromisoformat(state.last_server_time)
        except ValueError:
            seen = None
        if seen is not None and seen.tzinfo is not None \
                and datetime.now(UTC) + CLOCK_TOLERANCE < seen:
            result["clock_warning"] = (f"本机时钟比县医保服务器慢（服务器上次时间 "
                                       f"{state.last_server_time}），请校准电脑时间")
    return result


def list_refund_tasks(ws: Workspace) -> list[dict[str, Any]]:
    """退费任务: every county conflict notice, and whether it has been refunded or voided."""
    rows = ws.conn.execute(
        "SELECT t.notice_id, t.reason, t.message, t.campaign_year, t.payment_id, t.line_id, "
        "t.id_number, t.name, t.receipt, t.other_village, t.received_at, r.id, r.at, "
        "EXISTS (SELECT 1 FROM payment_cancellations c WHERE c.payment_id = t.payment_id) "
        "FROM sync_refund_tasks t LEFT JOIN refunds r ON r.payment_line_id = t.line_id "
        "ORDER BY t.received_at, t.notice_id").fetchall()
    return [{"notice_id": r[0], "reason": r[1], "message": r[2], "campaign_year": r[3],
             "payment_id": r[4], "line_id": r[5], "id_number": r[6], "name": r[7],
             "receipt": r[8], "other_village": r[9], "received_at": r[10],
             "refund_reason": REFUND_REASON_FOR[r[1]],
             "status": "refunded" if r[11] else "voided" if r[13] else "open",
             "refunded_at": r[12]} for r in rows]


# ---- USB bundles ----------------------------------------------------------------------------


def export_bundle(ws: Workspace, out: Path, *, county_key: Path | None = None,
                  code: str | None = None) -> dict[str, Any]:
    """导出同步数据包: pending events encrypted to the county and signed by this device."""
    state = load_state(ws.conn)
    keys = _read_county_key(county_key) if county_key else None
    if keys and state.server_id and keys.server_id != state.server_id:
        raise Refused("县医保公钥文件属于另一台服务器，与本机的登记不符")
    server_id = state.server_id or (keys.server_id if keys else None)
    sign_key = state.server_sign_key or (keys.sign_key if keys else None)
    box_key = state.server_box_key or (keys.box_key if keys else None)
    if not (server_id and sign_key and box_key):
        raise ValidationError("需要县医保公钥文件：请用 --county-key 指定（由县医保导出）")
    box = _box_key(ws)
    enrol = None
    if not state.enrolled:
        if not code:
            raise ValidationError("本机尚未登记到县医保：请同时用 --code 提供登记码")
        enrol = _enrol_request(ws, code, box)
    events = pending_events(ws.conn, state.acked_seq, MAX_BUNDLE_EVENTS)
    content = PushBundle(device_id=ws.device_id, enrol=enrol, push=events,
                         head=journal_head(ws.conn), cursor=state.cursor)
    sealed = seal_bundle(kind="push", sender=ws.device_id, recipient=server_id,
                         recipient_box_key=box_key, sign_key=ws.signing_key(),
                         sender_box_key=public_hex(box), content=content)
    with tx(ws.conn):
        save_state(ws.conn, server_id=server_id, server_sign_key=sign_key,
                   server_box_key=box_key, box_private_key=private_hex(box))
        if enrol is not None:
            save_state(ws.conn, enrol_pending=True)
    write_atomic(Path(out), sealed)
    return {"bundle": str(out), "events": len(events),
            "first_seq": events[0].seq if events else None,
            "last_seq": events[-1].seq if events else None,
            "enrolment": enrol is not None, "bytes": len(sealed)}


def _check_reply_pages(pages: list[PullResponse]) -> list[tuple[PullResponse, list]]:
    checked = []
    for i, page in enumerate(pages):
        if i and page.cursor_from != pages[i - 1].next_cursor:
            raise BundleError("回执数据包中的数据页不连续")
        checked.append((page, _check_page(page, page.cursor_from)))
    return checked


def import_bundle(ws: Workspace, path: Path) -> dict[str, Any]:
    """导入回执数据包: acknowledgements and county data, by the same rules as online sync."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BUNDLE_BYTES:
            raise BundleError("数据包文件过大，不是有效的同步数据包")
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"无法读取数据包：{path}") from exc
    envelope = read_bundle_header(data)
    header = envelope.header
    if header.kind != "reply":
        raise BundleError("这是本村导出的数据包，应交给县医保导入；村里只导入县医保的回执")
    if header.recipient != ws.device_id:
        raise BundleError("此回执数据包是发给另一台设备的")
    state = load_state(ws.conn)
    box = state.box_key()
    if not state.server_sign_key or box is None or header.sender != state.server_id:
        raise BundleError("此回执不是本机登记（或导出时指定）的县医保服务器发出的")
    reply = open_bundle(envelope, box_key=box, expected_sign_key=state.server_sign_key,
                        model=ReplyBundle)
    if reply.device_id != ws.device_id:
        raise BundleError("回执数据包内容与本机不符")
    if reply.enrol is not None and (reply.enrol.device_id, reply.enrol.server_id,
                                    reply.enrol.server_sign_key) != (
            ws.device_id, state.server_id, state.server_sign_key):
        raise BundleError("回执中的登记结果与本机不符")
    if not (state.enrolled or reply.enrol is not None):
        raise BundleError("本机尚未登记，而回执中没有登记结果")
    try:
        _check_acks(ws, reply.results, reply.device_head)
        pages = _check_reply_pages(reply.pulls)
    except BadServerResponse as exc:
        raise BundleError(f"回执数据包内容无效：{exc.message}") from exc
    if pages and pages[0][0].cursor_from > state.cursor:
        # Applying it would skip the county's items in between.
        raise BundleError("回执数据包与本机的同步位置不连续，请重新导出数据包")
    tally = _Tally()
    with tx(ws.conn):
        if reply.enrol is not None and not state.enrolled:
            save_state(ws.conn, enrolled=True, enrol_pending=None, village=reply.enrol.village,
                       user=ws.user, last_server_time=reply.enrol.server_time)
            ws.record("sync.enrolled", {"server_id": reply.enrol.server_id, "server_url": None,
                                        "village": reply.enrol.village, "via": "bundle"})
        acked, acked_hash = _new_ack(ws, load_state(ws.conn), reply.results, reply.device_head)
        save_state(ws.conn, acked_seq=acked, acked_hash=acked_hash)
    tally.add(reply.results)
    for page, items in pages:
        _apply_page(ws, page, items, tally)
    with tx(ws.conn):
        save_state(ws.conn, last_sync_at=iso(utc_now()))
    result = {"acknowledged": tally.pushed + tally.duplicates, "pushed": tally.pushed,
              "duplicates": tally.duplicates, "conflicts": tally.conflicts,
              "rejected": tally.rejected, "pulled": tally.pulled, "applied": tally.applied,
              "skipped": tally.skipped,
              "pending": pending_count(ws.conn, load_state(ws.conn).acked_seq),
              "refund_tasks": _open_tasks(ws), "problems": tally.problems[:20]}
    if tally.rejected:
        raise SyncRejected(f"县医保服务器拒收了 {tally.rejected} 条记录：{tally.problems[0]}",
                           details=result)
    return result
