"""USB bundles to and from the county, for a village without a network: the pending journal
sealed to the county and signed by this device, and the county's reply (acknowledgements and
what a pull would bring) applied by the same rules and checks as online sync."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.domain.errors import Refused, ValidationError
from app.services.base.common import iso, utc_now
from app.services.base.roles import any_role
from app.services.base.workspace import Workspace
from app.services.exchange.county import (
    COUNTY_KEY_FILE,
    device_box_key,
    enrol_request,
    finish_sync,
)
from app.services.exchange.county_checks import check_acks, check_reply_pages, new_ack
from app.services.exchange.feed import SyncTally, apply_page
from app.services.exchange.key_files import read_key_file
from db.connection import tx
from db.fsutil import write_atomic
from sync.client import BadServerResponse
from sync.files import read_bundle_file
from sync.protocol import (
    BundleError,
    CountyKeys,
    PushBundle,
    ReplyBundle,
    open_bundle,
    private_hex,
    public_hex,
    read_bundle_header,
    seal_bundle,
)
from sync.state import (
    countersignature_problem,
    journal_head,
    load_state,
    pending_events,
    record_countersignature,
    record_refusals,
    save_state,
)

MAX_BUNDLE_EVENTS = 200_000


@any_role
def export_bundle(ws: Workspace, out: Path, *, county_key: Path | None = None,
                  code: str | None = None) -> dict[str, Any]:
    """导出同步数据包: pending events encrypted to the county and signed by this device."""
    state = load_state(ws.conn)
    keys = read_key_file(county_key, CountyKeys, COUNTY_KEY_FILE) if county_key else None
    if keys and state.server_id and keys.server_id != state.server_id:
        raise Refused("县医保公钥文件属于另一台服务器，与本机的登记不符")
    server_id = state.server_id or (keys.server_id if keys else None)
    sign_key = state.server_sign_key or (keys.sign_key if keys else None)
    box_key = state.server_box_key or (keys.box_key if keys else None)
    if not (server_id and sign_key and box_key):
        raise ValidationError("需要县医保公钥文件：请用 --county-key 指定（由县医保导出）")
    box = device_box_key(ws.conn)
    enrol = None
    if not state.enrolled:
        if not code:
            raise ValidationError("本机尚未登记到县医保：请同时提供登记码（环境变量 YIBAO_ENROL_CODE 或 --code-file 文件）")
        enrol = enrol_request(ws, code, box)
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


@any_role
def import_bundle(ws: Workspace, path: Path) -> dict[str, Any]:
    """导入回执数据包: acknowledgements and county data, by the same rules as online sync."""
    path = Path(path)
    envelope = read_bundle_header(read_bundle_file(path))
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
        check_acks(ws.conn, reply.results, reply.device_head)
        pages = check_reply_pages(reply.pulls)
    except BadServerResponse as exc:
        raise BundleError(f"回执数据包内容无效：{exc.message}") from exc
    if reply.countersignature is not None:
        problem = countersignature_problem(ws.conn, ws.device_id, reply.countersignature,
                                           state.server_sign_key)
        if problem is not None:
            raise BundleError(f"回执数据包内容无效：{problem}")
    if pages and pages[0][0].cursor_from > state.cursor:
        # Applying it would skip the county's items in between.
        raise BundleError("回执数据包与本机的同步位置不连续，请重新导出数据包")
    tally = SyncTally()
    with tx(ws.conn):
        if reply.enrol is not None and not state.enrolled:
            save_state(ws.conn, enrolled=True, enrol_pending=None, village=reply.enrol.village,
                       user=ws.user, last_server_time=reply.enrol.server_time)
            ws.record("sync.enrolled", {"server_id": reply.enrol.server_id, "server_url": None,
                                        "village": reply.enrol.village, "via": "bundle"})
        acked, acked_hash = new_ack(ws.conn, load_state(ws.conn), reply.results, reply.device_head)
        save_state(ws.conn, acked_seq=acked, acked_hash=acked_hash)
        now = iso(utc_now())
        if reply.countersignature is not None:
            record_countersignature(ws.conn, reply.countersignature, via="bundle",
                                    received_at=now)
        tally.refusals += record_refusals(ws.conn, reply.results, received_at=now)
    tally.add(reply.results)
    for page, items in pages:
        apply_page(ws, page, items, tally)
    return finish_sync(ws, tally, acknowledged=tally.pushed + tally.duplicates)
