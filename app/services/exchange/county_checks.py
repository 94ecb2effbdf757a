"""Checking what the county's server says, completely, before anything of it is written: an
acknowledgement must name one of our events and the server's copy of our chain must end on one
of our hashes; a pull page must continue from our cursor in order, every item well formed.
A broken or hostile server is refused (``BadServerResponse``) with nothing changed."""

from __future__ import annotations

from pydantic import BaseModel
from pydantic import ValidationError as ModelError

from db.connection import Connection
from sync.client import BadServerResponse
from sync.protocol import (
    ACKNOWLEDGED,
    FEED_MODELS,
    GENESIS,
    BundleError,
    EventResult,
    Head,
    PullPage,
    PullResponse,
    WireEvent,
)
from sync.state import SyncState, event_link, journal_head


def check_acks(conn: Connection, results: list[EventResult], device_head: Head) -> None:
    """Every acknowledgement must name one of our events, and the server's copy of our chain
    must end on one of our hashes; anything else is a server we cannot trust."""
    ours = journal_head(conn)
    if device_head.seq > ours.seq:
        raise BadServerResponse("服务器声称收到的记录比本机还多，响应已丢弃，本机数据未作任何更改")
    if device_head.seq > 0 and (event_link(conn, device_head.seq) or ("", ""))[1] \
            != device_head.hash:
        raise BadServerResponse("服务器保存的本机记录与本机日志不一致，响应已丢弃，本机数据未作任何更改")
    uuids = _event_uuids(conn, [r.seq for r in results])
    for r in results:
        if uuids.get(r.seq) != r.uuid:
            raise BadServerResponse(f"服务器确认了本机没有发送过的记录（第 {r.seq} 条），"
                                    "响应已丢弃，本机数据未作任何更改")
        if r.status in ACKNOWLEDGED and r.seq > device_head.seq:
            raise BadServerResponse("服务器的确认与它保存的记录末条矛盾，响应已丢弃，本机数据未作任何更改")


def _event_uuids(conn: Connection, seqs: list[int]) -> dict[int, str]:
    """seq → uuid of our journal events among ``seqs``, 500 a query (a push answers 500)."""
    out: dict[int, str] = {}
    for at in range(0, len(seqs), 500):
        chunk = seqs[at:at + 500]
        out.update((int(seq), str(uid)) for seq, uid in conn.execute(
            f"SELECT seq, uuid FROM journal WHERE seq IN ({','.join('?' * len(chunk))})",
            chunk))
    return out


def check_push(conn: Connection, batch: list[WireEvent], results: list[EventResult],
                device_head: Head) -> None:
    if [(r.uuid, r.seq) for r in results] != [(e.uuid, e.seq) for e in batch]:
        raise BadServerResponse("服务器的确认与本机发送的记录对不上，响应已丢弃，本机数据未作任何更改")
    check_acks(conn, results, device_head)


def new_ack(conn: Connection, state: SyncState, results: list[EventResult],
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
    link = event_link(conn, acked)
    return acked, link[1] if link else GENESIS


def check_page(page: PullResponse | PullPage, cursor: int) -> list[tuple[int, str, BaseModel]]:
    """Validate a whole page before any of it is applied; returns the typed items (a
    ``PullPage``'s are typed by its parse already)."""
    if page.cursor_from != cursor:
        raise BadServerResponse("服务器返回的数据页与请求的位置不符，本机数据未作任何更改")
    last = cursor
    parsed: list[tuple[int, str, BaseModel]] = []
    for item in page.items:
        if item.seq <= last:
            raise BadServerResponse("服务器返回的数据顺序错误，本机数据未作任何更改")
        last = item.seq
        if isinstance(item.data, BaseModel):
            parsed.append((item.seq, item.kind, item.data))
            continue
        try:
            parsed.append((item.seq, item.kind, FEED_MODELS[item.kind].model_validate(item.data)))
        except ModelError as exc:
            raise BadServerResponse(f"服务器下发的第 {item.seq} 条数据格式不正确，"
                                    "本机数据未作任何更改") from exc
    if page.next_cursor < last or (page.more and page.next_cursor <= cursor):
        raise BadServerResponse("服务器返回的同步位置无效，本机数据未作任何更改")
    return parsed


def check_reply_pages(pages: list[PullResponse]) -> list[tuple[PullResponse, list]]:
    checked = []
    for i, page in enumerate(pages):
        if i and page.cursor_from != pages[i - 1].next_cursor:
            raise BundleError("回执数据包中的数据页不连续")
        checked.append((page, check_page(page, page.cursor_from)))
    return checked
