"""USB bundles at the county: open a village's push bundle, apply it, write the reply.

The events go through the same ``server.push`` as online sync, so a bundle imported twice,
or carrying events that also arrived online, changes nothing the second time. The reply holds
the per-event results and every feed page since the village's cursor, signed by the server
and encrypted to the device's X25519 key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from db.fsutil import write_atomic
from server.enrol import enrol
from server.kernel import Server, device_row
from server.pull import pull
from server.push import push
from sync.files import read_bundle_file
from sync.protocol import (
    MAX_BATCH,
    MAX_PULL_PAGE,
    BundleError,
    EnrolResponse,
    EventResult,
    PullRequest,
    PullResponse,
    PushBundle,
    PushRequest,
    PushResponse,
    ReplyBundle,
    open_bundle,
    public_hex,
    read_bundle_header,
    seal_bundle,
)

MAX_REPLY_PAGES = 1000


def import_bundle(srv: Server, data: bytes) -> tuple[bytes, dict[str, Any]]:
    """Apply a push bundle; returns the sealed reply and a summary for the operator."""
    envelope = read_bundle_header(data)
    header = envelope.header
    if header.kind != "push":
        raise BundleError("这是县医保的回执数据包，应在村里的电脑上导入")
    if header.recipient != srv.server_id:
        raise BundleError("此数据包是发给另一台县医保服务器的")
    known = device_row(srv, header.sender)
    content = open_bundle(envelope, box_key=srv.box_key,
                          expected_sign_key=known.public_key if known is not None else None,
                          model=PushBundle)
    if content.device_id != header.sender:
        raise BundleError("数据包内容与其签名设备不符")
    enrolled: EnrolResponse | None = None
    if content.enrol is not None:
        if (content.enrol.device_id, content.enrol.public_key,
                content.enrol.box_key) != (header.sender, header.sender_sign_key,
                                           header.sender_box_key):
            raise BundleError("数据包中的登记信息与其签名密钥不符")
        enrolled = enrol(srv, content.enrol)
    elif known is None:
        raise BundleError("此设备尚未登记：请在导出数据包时附上登记码（--code）")
    answers: list[PushResponse] = []
    batches = [content.push[i:i + MAX_BATCH] for i in range(0, len(content.push), MAX_BATCH)]
    # A bundle with no events still records the village's head and brings back ours.
    for batch in batches or [[]]:
        answers.append(push(srv, content.device_id,
                                  PushRequest(head=content.head, events=batch), via="bundle"))
        if any(r.status == "rejected" for r in answers[-1].results):
            break
    results: list[EventResult] = [r for answer in answers for r in answer.results]
    device_head = answers[-1].device_head
    pages: list[PullResponse] = []
    cursor = content.cursor
    for _ in range(MAX_REPLY_PAGES):
        page = pull(srv, content.device_id, PullRequest(cursor=cursor, limit=MAX_PULL_PAGE))
        pages.append(page)
        cursor = page.next_cursor
        if not page.more:
            break
    device = device_row(srv, content.device_id)
    reply = ReplyBundle(device_id=content.device_id, enrol=enrolled, results=results,
                        device_head=device_head, pulls=pages,
                        countersignature=answers[-1].countersignature)
    sealed = seal_bundle(kind="reply", sender=srv.server_id, recipient=content.device_id,
                         recipient_box_key=device.box_key, sign_key=srv.sign_key,
                         sender_box_key=public_hex(srv.box_key), content=reply)
    summary = {"device_id": content.device_id, "village": device.village,
               "events": len(content.push),
               "accepted": sum(r.status == "accepted" for r in results),
               "duplicates": sum(r.status == "duplicate" for r in results),
               "conflicts": sum(r.status == "conflict" for r in results),
               "rejected": sum(r.status == "rejected" for r in results),
               "refused": sum(r.status == "refused" for r in results),
               "pulled": sum(len(p.items) for p in pages), "enrolled": enrolled is not None}
    return sealed, summary


def import_bundle_file(srv: Server, path: Path, reply: Path) -> dict[str, Any]:
    sealed, summary = import_bundle(srv, read_bundle_file(Path(path)))
    write_atomic(Path(reply), sealed)
    return {**summary, "reply": str(reply)}
