"""County sync, one function per user action: enrol, sync now, status, refund tasks (the USB
bundles are ``county_bundles``).

Push then pull. Push sends the journal after the last acknowledged event; acknowledgements
are stored right after each response, so an interruption anywhere resumes from there and a
repeated event is a harmless duplicate at the server. Each pull page is applied in one
transaction together with its journal events and the new cursor: a page is applied wholly
or not at all, and never twice (``feed.apply_pages``, which takes a few pages per transaction). Every response is checked completely
before anything is written (``county_checks``), so a broken or hostile server changes nothing
here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from pydantic import BaseModel
from pydantic import ValidationError as ModelError

from app import __version__
from app.domain.bulk import bulk_allocations
from app.domain.errors import Refused, ValidationError
from app.services.base.common import iso, utc_now
from app.services.base.roles import any_role
from app.services.base.settings import get_setting, set_setting
from app.services.base.workspace import Workspace
from app.services.exchange.county_checks import check_page, check_push, new_ack
from app.services.exchange.feed import SyncTally, apply_pages
from app.services.exchange.key_files import read_key_file
from db.connection import Connection, bulk_cache, tx
from sync.client import BadServerResponse, RetryPolicy, SyncClient, check_server_url
from sync.protocol import (
    MAX_PULL_PAGE,
    CountyKeys,
    EnrolRequest,
    PullPage,
    PullRequest,
    PushRequest,
    private_hex,
    public_hex,
)
from sync.state import (
    SyncState,
    countersignature_problem,
    journal_head,
    latest_countersignature,
    load_state,
    pending_count,
    pending_events,
    record_countersignature,
    record_refusals,
    refusals,
    save_state,
)

log = logging.getLogger(__name__)

PULL_PAGE = MAX_PULL_PAGE
# Items applied per transaction: a commit costs the device a synced write of every index
# page it touched, so a roster is applied a few pages at a time (feed.apply_pages).
PULL_GROUP_ITEMS = 2_000
MAX_PULL_PAGES = 10_000
MAX_REWINDS = 3
MAX_PUSH_ROUNDS = 10_000  # × BASE_BATCH events: far beyond any village's journal
CLOCK_TOLERANCE = timedelta(minutes=5)



@dataclass(frozen=True)
class SyncProgress:
    """How far a sync is, for a progress bar: ``push`` counts the events the county
    acknowledged of ``total`` pending; ``pull`` counts the feed items and pages applied
    (``total`` None: the county does not say how many remain)."""

    stage: Literal["push", "pull"]
    done: int
    total: int | None
    pages: int


Progress = Callable[[SyncProgress], None]

COUNTY_KEY_FILE = "县医保公钥文件"

REFUND_REASON_FOR = {"duplicate_enrolment": "duplicate", "employee_insured": "employee",
                     "paid_elsewhere": "duplicate"}


class SyncRejected(Refused):
    """The server refused some of our events; what was accepted stays acknowledged."""

    code = "sync_rejected"


class SyncRefused(Refused):
    """The county stored some of our events but refused them by the ledger model (a foreign
    claim, a number from a book not allocated to this device…): they count for nothing there
    until the township sorts them out. Kept in ``county_refusals``."""

    code = "sync_refused"


# ---- enrolment ------------------------------------------------------------------------------


def device_box_key(conn: Connection) -> X25519PrivateKey:
    """This device's X25519 key for reply bundles. A new one is saved by the caller together
    with what it enables, so a failed enrolment or export leaves nothing behind."""
    return load_state(conn).box_key() or X25519PrivateKey.generate()


@any_role
def enrol_request(ws: Workspace, code: str, box: X25519PrivateKey) -> EnrolRequest:
    """What the county is asked to enrol: this device, its keys, village and user."""
    village = (ws.meta("village") or "").strip()
    if not village:
        raise ValidationError("本数据库没有村代码，无法登记到县医保（创建数据库时用 --village 指定）")
    try:
        return EnrolRequest(code=code.strip(), device_id=ws.device_id,
                            public_key=public_hex(ws.signing_key()), box_key=public_hex(box),
                            village=village, user=ws.user, app_version=__version__)
    except ModelError as exc:
        raise ValidationError("登记码、村代码或用户名格式不正确") from exc


@any_role
def enrol_device(ws: Workspace, *, server_url: str, code: str, ca_bundle: str | None = None,
                 county_key: Path | None = None, retry: RetryPolicy | None = None) -> dict[str, Any]:
    """Register this device with the county using a one-time code (设备登记)."""
    url = check_server_url(server_url)
    state = load_state(ws.conn)
    pinned = read_key_file(county_key, CountyKeys, COUNTY_KEY_FILE) if county_key else None
    box = device_box_key(ws.conn)
    request = enrol_request(ws, code, box)
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


# ---- sync now -------------------------------------------------------------------------------


class NotEnrolled(Refused):
    """Sync before this device was enrolled (the desktop shows its own way to enrol)."""

    code = "not_enrolled"


def _require_enrolled(state: SyncState) -> None:
    if not state.enrolled or not state.server_sign_key:
        raise NotEnrolled("本机尚未登记到县医保服务器：请先运行 yibao enrol --server 地址（按提示输入登记码）")


def _client(ws: Workspace, state: SyncState, server_url: str | None,
            retry: RetryPolicy | None, timeout: tuple[float, float] | None) -> SyncClient:
    url = server_url or get_setting(ws, "server_url")
    if not url:
        raise ValidationError("没有设置县医保服务器地址：请用 --server 指定")
    return SyncClient(url, device_id=ws.device_id, signing_key=ws.signing_key(),
                      server_sign_key=state.server_sign_key, ca_bundle=state.ca_bundle,
                      retry=retry, **({"timeout": timeout} if timeout else {}))


def _push_request(ws: Workspace, batch: list[Any]) -> PushRequest:
    # With nothing pending one empty push still goes: it shows the county this journal's head
    # and the newest countersignature kept, so a rewrite is alerted at the next sync.
    return PushRequest(head=journal_head(ws.conn), events=batch,
                       countersigned=latest_countersignature(ws.conn, ws.device_id))


def _push_all(ws: Workspace, client: SyncClient, tally: SyncTally,
              progress: Progress | None) -> None:
    """Every pending event, a batch a request, the county's answer to each checked before
    anything is recorded.

    While the county works on a batch the events after it are read and encoded, and once its
    answer is checked the next batch goes out before that answer is committed here: the laptop's
    commit and the county's work overlap instead of taking turns (a fifth of a season's
    upload). A batch holds as many events as the county says it takes (``client.push_limit``).
    A batch goes out early only after an answer that accepted all of the one before;
    if this laptop then fails to record that answer, the next sync sends both again and the
    county answers them as duplicates."""
    start = load_state(ws.conn).acked_seq
    total = pending_count(ws.conn, start)
    rewinds = 0
    with ThreadPoolExecutor(max_workers=1) as pool:
        state = load_state(ws.conn)
        batch = pending_events(ws.conn, state.acked_seq, client.push_limit)
        sent = pool.submit(client.push, _push_request(ws, batch))
        for round_no in range(MAX_PUSH_ROUNDS):
            ahead = pending_events(ws.conn, batch[-1].seq, client.push_limit) if batch else []
            ahead_request = client.encode_push(_push_request(ws, ahead)) if ahead else None
            answer = sent.result()
            check_push(ws.conn, batch, answer.results, answer.device_head)
            if answer.countersignature is not None:
                problem = countersignature_problem(ws.conn, ws.device_id,
                                                   answer.countersignature,
                                                   state.server_sign_key)
                if problem is not None:
                    raise BadServerResponse(f"{problem}；响应已丢弃，本机数据未作任何更改")
            rejected = [r for r in answer.results if r.status == "rejected"]
            if (rejected and rejected[0].reason == "gap"
                    and answer.device_head.seq < state.acked_seq and rewinds < MAX_REWINDS):
                # The server lost events it had acknowledged (restored from a backup): send
                # them again from the last one it still holds.
                rewinds += 1
                with tx(ws.conn):
                    save_state(ws.conn, acked_seq=answer.device_head.seq,
                               acked_hash=answer.device_head.hash)
                log.warning("server head %d behind acknowledged %d: resending",
                            answer.device_head.seq, state.acked_seq)
                state = load_state(ws.conn)
                batch = pending_events(ws.conn, state.acked_seq, client.push_limit)
                sent = pool.submit(client.push, _push_request(ws, batch))
                continue
            acked, acked_hash = new_ack(ws.conn, state, answer.results, answer.device_head)
            if batch and not rejected and acked <= state.acked_seq:
                raise BadServerResponse("上传没有进展（服务器不确认任何记录），已停止；本机数据完好")
            going_on = bool(ahead_request and not rejected and acked == batch[-1].seq)
            if going_on:
                sent = pool.submit(client.push, ahead_request)
            with tx(ws.conn):
                if batch or acked != state.acked_seq:  # (an empty push acknowledges nothing)
                    save_state(ws.conn, acked_seq=acked, acked_hash=acked_hash,
                               last_server_time=answer.server_time)
                now = iso(utc_now())
                if answer.countersignature is not None:
                    record_countersignature(ws.conn, answer.countersignature, via="county",
                                            received_at=now)
                tally.refusals += record_refusals(ws.conn, answer.results, received_at=now)
            tally.add(answer.results)
            if progress:
                progress(SyncProgress("push", max(0, min(total, acked - start)), total,
                                      round_no + 1))
            if not going_on:
                if rejected or not batch:
                    return
                # Everything sent, or acknowledged short of the batch's end (the county
                # stopped early): go on from what it holds.
                ahead = pending_events(ws.conn, acked, client.push_limit)
                if not ahead:
                    return
                sent = pool.submit(client.push, _push_request(ws, ahead))
            state = load_state(ws.conn)
            batch = ahead
    raise BadServerResponse("上传轮数超出上限，已停止；已确认的部分已保存，请再同步一次")


def _pull_all(ws: Workspace, client: SyncClient, tally: SyncTally,
              progress: Progress | None) -> None:
    """Every page after the cursor, with a page cache large enough for a roster's indexes."""
    with bulk_cache(ws.conn):
        _pull_pages(ws, client, tally, progress)


def _pull_pages(ws: Workspace, client: SyncClient, tally: SyncTally,
                progress: Progress | None) -> None:
    """Pages are fetched and checked one by one, and applied a few together
    (``PULL_GROUP_ITEMS``) in one transaction; an interruption loses at most the group.

    The next page is already on its way while a group is applied (the request needs only
    the cursor, known once a page is checked): the county's time and the device's overlap.
    """
    cursor = load_state(ws.conn).cursor
    group: list[tuple[PullPage, list[tuple[int, str, BaseModel]]]] = []
    pages = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="yibao-pull") as fetcher:
        coming = fetcher.submit(client.pull, PullRequest(cursor=cursor, limit=PULL_PAGE))
        for _ in range(MAX_PULL_PAGES):
            page = coming.result()
            group.append((page, check_page(page, cursor)))
            cursor = max(cursor, page.next_cursor)
            if page.more:
                coming = fetcher.submit(client.pull, PullRequest(cursor=cursor, limit=PULL_PAGE))
                if sum(len(items) for _, items in group) < PULL_GROUP_ITEMS:
                    continue
            apply_pages(ws, group, tally)
            pages += len(group)
            group = []
            if progress:
                progress(SyncProgress("pull", tally.pulled, None, pages))
            if not page.more:
                return
    raise BadServerResponse("下载数据页数超出上限，已停止；已下载的部分已保存")


@any_role
def sync_now(ws: Workspace, *, server_url: str | None = None, progress: Progress | None = None,
             retry: RetryPolicy | None = None,
             timeout: tuple[float, float] | None = None) -> dict[str, Any]:
    """同步: push pending events, pull what the county has for us, push what the pull recorded.

    Offline raises :class:`sync.client.Offline` having changed nothing.
    """
    state = load_state(ws.conn)
    _require_enrolled(state)
    tally = SyncTally()
    with bulk_allocations(), _client(ws, state, server_url, retry, timeout) as client:
        _push_all(ws, client, tally, progress)
        if not tally.rejected:
            _pull_all(ws, client, tally, progress)
            # Applying the pull journaled events (policy loaded, households added…): send them
            # now so the village leaves with nothing pending.
            _push_all(ws, client, tally, progress)
    return finish_sync(ws, tally)


@any_role
def finish_sync(ws: Workspace, tally: SyncTally, **first: Any) -> dict[str, Any]:
    """The end of a sync (online or by bundle): its time kept, and what it did, what is still
    pending and the refund tasks open, after ``first``; ``SyncRejected`` (with all of that) when
    the server refused some of our events."""
    with tx(ws.conn):
        save_state(ws.conn, last_sync_at=iso(utc_now()))
    result = {**first, "pushed": tally.pushed, "duplicates": tally.duplicates,
              "conflicts": tally.conflicts, "rejected": tally.rejected, "pulled": tally.pulled,
              "applied": tally.applied, "skipped": tally.skipped,
              "pending": pending_count(ws.conn, load_state(ws.conn).acked_seq),
              "refund_tasks": open_task_count(ws), "problems": tally.problems[:20],
              "refused": len(tally.refusals), "refusals": tally.refusals[:20],
              "countersigned_seq": _countersigned_seq(ws)}
    if tally.rejected:
        raise SyncRejected(f"县医保服务器拒收了 {tally.rejected} 条记录：{tally.problems[0]}",
                           details=result)
    if tally.refusals:
        first_refusal = tally.refusals[0]
        raise SyncRefused(
            f"县医保服务器按账目规则拒绝了 {len(tally.refusals)} 条记录（已上传但不计入）："
            f"第 {first_refusal['seq']} 条：{first_refusal['message']}；请与乡镇财政所核对",
            details=result)
    return result


def _countersigned_seq(ws: Workspace) -> int | None:
    cs = latest_countersignature(ws.conn, ws.device_id)
    return None if cs is None else cs.seq


# ---- status and refund tasks ----------------------------------------------------------------


@any_role
def open_task_count(ws: Workspace) -> int:
    """How many refund tasks still wait for a refund or a void."""
    return sum(1 for t in list_refund_tasks(ws) if t["status"] == "open")


@any_role
def sync_status(ws: Workspace) -> dict[str, Any]:
    state = load_state(ws.conn)
    result: dict[str, Any] = {
        "pending": pending_count(ws.conn, state.acked_seq),
        "last_sync": state.last_sync_at,
        "server_url": get_setting(ws, "server_url") or None,
        "refund_tasks": open_task_count(ws),
        "enrolled": state.enrolled,
        "enrol_pending": state.enrol_pending,
        "village": state.village,
        "enrolled_user": state.user,
        "acknowledged_seq": state.acked_seq,
        "cursor": state.cursor,
        "clock_warning": None,
        "countersigned_seq": _countersigned_seq(ws),
        "refusals": refusals(ws.conn),
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


@any_role
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
