"""USB exchange between a village and its township, for villages without a network.

Village → township: the whole journal, sealed to the township's X25519 key and signed with the
device key (the township checks that key against the chain's own genesis event). Township →
village: the allocations, settlements and categories for that village, signed by the township
device the village was given a key file for, applied by the same appliers as a county pull.
Both directions can be repeated: what is already held is a duplicate.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from pydantic import ValidationError as ModelError

from app.domain import events as ev
from app.domain.errors import Refused, ValidationError
from app.domain.ledger_views import TownshipCountersignatureSeen, genesis_village
from app.services.base.common import iso, utc_now
from app.services.base.roles import requires_role
from app.services.base.workspace import Workspace
from app.services.exchange.feed import apply_items
from app.services.exchange.key_files import read_key_file
from app.services.exchange.township_ingest import ingest_events
from db.connection import tx
from db.fsutil import write_atomic
from sync.files import read_bundle_file
from sync.protocol import (
    FEED_MODELS,
    BookData,
    BookSettledData,
    BundleError,
    CategoryGrantData,
    Countersignature,
    FeedItem,
    PushBundle,
    open_bundle,
    private_hex,
    public_hex,
    read_bundle_header,
    seal_bundle,
    verify_countersignature,
)
from sync.state import (
    journal_head,
    latest_countersignature,
    load_state,
    pending_events,
    save_state,
)
from sync.township import TownshipKeys, TownshipReply

MAX_EVENTS = 1_000_000


def _box(ws: Workspace) -> X25519PrivateKey:
    """This device's X25519 key, shared with county sync (saved on first use)."""
    key = load_state(ws.conn).box_key()
    if key is None:
        key = X25519PrivateKey.generate()
        with tx(ws.conn):
            save_state(ws.conn, box_private_key=private_hex(key))
    return key


def _state_value(ws: Workspace, key: str) -> str | None:
    row = ws.conn.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


# ---- township side --------------------------------------------------------------------------


@requires_role("township", "导出财政所公钥")
def export_township_key(ws: Workspace, out: Path) -> dict[str, Any]:
    """导出财政所公钥文件: villages seal their bundles to it and check our replies with it."""
    township = (ws.meta("village") or "").strip()
    if not township:
        raise ValidationError("本数据库没有乡镇代码（创建数据库时用 --village 指定）")
    keys = TownshipKeys(device_id=ws.device_id, township=township,
                        sign_key=public_hex(ws.signing_key()), box_key=public_hex(_box(ws)))
    write_atomic(Path(out), json.dumps(keys.model_dump(), indent=2).encode("utf-8"))
    return {"township_key": str(out), **keys.model_dump()}


@requires_role("township", "导入村里的数据包")
def import_village_bundle(ws: Workspace, path: Path) -> dict[str, Any]:
    """导入村里的数据包: check the seal and signature, then every link of the chain."""
    envelope = read_bundle_header(read_bundle_file(path))
    header = envelope.header
    if header.kind != "push" or header.recipient != ws.device_id:
        raise BundleError("此数据包不是村里发给本财政所的")
    known = ws.conn.execute("SELECT public_key, village FROM tw_devices WHERE device_id = ?",
                            (header.sender,)).fetchone()
    content = open_bundle(envelope, box_key=_box(ws),
                          expected_sign_key=known[0] if known else None, model=PushBundle)
    if content.device_id != header.sender or any(e.device != header.sender
                                                 for e in content.push):
        raise BundleError("数据包内容与其签名设备不符")
    if known is None:
        genesis = content.push[0] if content.push else None
        created = ev.parse_or_malformed(genesis.type, genesis.payload) \
            if genesis is not None and genesis.seq == 1 else None
        if not isinstance(created, ev.DatabaseCreated) or \
                created.device_public_key != header.sender_sign_key:
            raise BundleError("数据包的签名密钥与该设备建库记录中的密钥不符，已拒绝")
        village = genesis_village(created, genesis.payload)
        if not village:
            raise BundleError("该设备没有村代码，无法归入任何村")
    else:
        village = known[1]
    with tx(ws.conn):
        tally = ingest_events(ws, [(village, e) for e in content.push], via="bundle")
        ws.conn.execute("INSERT OR IGNORE INTO tw_device_keys (device_id, box_key, at) "
                        "VALUES (?,?,?)", (header.sender, header.sender_box_key, iso(utc_now())))
        ws.record("township.bundle_imported", {"device_id": header.sender, "village": village,
                                               "bundle_id": header.bundle_id,
                                               "events": len(content.push), **tally.to_dict()})
        seen = None
        if content.countersigned is not None:
            seen = _countersignature_seen(ws, header.sender, village, content.countersigned)
            ws.record(seen.TYPE, ev.payload_of(seen))
    return {"device_id": header.sender, "village": village, "events": len(content.push),
            **tally.to_dict(),
            "countersigned": None if seen is None else {"seq": seen.seq,
                                                        "verdict": seen.verdict}}


def _countersignature_seen(ws: Workspace, device_id: str, village: str,
                           cs: Countersignature) -> TownshipCountersignatureSeen:
    """The county's countersignature a village brought, held against the journal of that
    device the township keeps (the county's key: the one this office enrolled with)."""
    county_key = load_state(ws.conn).server_sign_key
    if cs.device_id != device_id:
        verdict = "forged"
    elif not county_key:
        verdict = "unverified"
    elif not verify_countersignature(county_key, cs):
        verdict = "forged"
    else:
        row = ws.conn.execute("SELECT hash FROM tw_events WHERE device_id = ? AND seq = ?",
                              (device_id, cs.seq)).fetchone()
        verdict = "behind" if row is None else "agrees" if row[0] == cs.hash else "differs"
    return TownshipCountersignatureSeen(device_id, village, cs.seq, cs.hash, cs.at,
                                        cs.signature, verdict)


def _reply_items(ws: Workspace, village: str) -> list[FeedItem]:
    data: list[tuple[str, Any]] = []
    for aid, series, first, last, width, collector in ws.conn.execute(
            "SELECT id, series, first_no, last_no, width, collector FROM tw_issues "
            "WHERE village = ? ORDER BY issued_at", (village,)):
        data.append(("book", BookData(allocation_id=aid, series=series, first=first, last=last,
                                      width=width, collector=collector)))
    for aid, series, first, last, collector, at in ws.conn.execute(
            "SELECT i.id, i.series, i.first_no, i.last_no, i.collector, s.at FROM tw_settlements "
            "s JOIN tw_issues i ON i.id = s.issue_id WHERE i.village = ? ORDER BY s.at",
            (village,)):
        data.append(("book_settled", BookSettledData(allocation_id=aid, series=series,
                                                     first=first, last=last,
                                                     collector=collector, settled_at=at)))
    for row in ws.conn.execute(
            "SELECT id, id_type, id_number, category, department, valid_from, valid_to FROM "
            "tw_certifications WHERE village = ? ORDER BY at", (village,)):
        data.append(("category", CategoryGrantData(
            certification_id=row[0], id_type=row[1], id_number=row[2], category=row[3],
            source=row[4], valid_from=row[5], valid_to=row[6])))
    return [FeedItem(seq=i, kind=kind, data=model.model_dump())  # type: ignore[arg-type]
            for i, (kind, model) in enumerate(data, start=1)]


@requires_role("township", "导出给村里的数据包")
def export_village_reply(ws: Workspace, device_id: str, out: Path) -> dict[str, Any]:
    """导出给村的数据包: allocations, settlements and categories for that device's village."""
    row = ws.conn.execute("SELECT d.village, k.box_key FROM tw_devices d LEFT JOIN "
                          "tw_device_keys k ON k.device_id = d.device_id WHERE d.device_id = ?",
                          (device_id,)).fetchone()
    if row is None or row[1] is None:
        raise Refused("还没有收到这台设备的数据包，不知道它的加密公钥：请先导入它的数据包")
    items = _reply_items(ws, row[0])
    content = TownshipReply(township_device=ws.device_id, device_id=device_id, village=row[0],
                            items=items)
    sealed = seal_bundle(kind="reply", sender=ws.device_id, recipient=device_id,
                         recipient_box_key=row[1], sign_key=ws.signing_key(),
                         sender_box_key=public_hex(_box(ws)),
                         content=content)  # type: ignore[arg-type]
    write_atomic(Path(out), sealed)
    return {"bundle": str(out), "device_id": device_id, "village": row[0],
            "items": len(items), "bytes": len(sealed)}


# ---- village side ---------------------------------------------------------------------------


@requires_role("collector", "导出给财政所的数据包")
def export_for_township(ws: Workspace, out: Path, *, township_key: Path) -> dict[str, Any]:
    """导出给财政所的数据包: this device's whole journal, sealed to the township."""
    keys = read_key_file(township_key, TownshipKeys, "财政所公钥文件")
    if _state_value(ws, "township_device") not in (None, keys.device_id):
        raise Refused("财政所公钥文件与本机以前使用的不同：请向财政所核实")
    events = pending_events(ws.conn, 0, MAX_EVENTS)
    content = PushBundle(device_id=ws.device_id, push=events, head=journal_head(ws.conn),
                         cursor=0, countersigned=latest_countersignature(ws.conn, ws.device_id))
    box = _box(ws)
    sealed = seal_bundle(kind="push", sender=ws.device_id, recipient=keys.device_id,
                         recipient_box_key=keys.box_key, sign_key=ws.signing_key(),
                         sender_box_key=public_hex(box), content=content)
    with tx(ws.conn):
        save_state(ws.conn, township_device=keys.device_id, township_sign_key=keys.sign_key)
    write_atomic(Path(out), sealed)
    return {"bundle": str(out), "events": len(events), "township": keys.township,
            "bytes": len(sealed)}


@requires_role("collector", "导入财政所的数据包")
def import_township_reply(ws: Workspace, path: Path) -> dict[str, Any]:
    """导入财政所的数据包: allocations, settlements, categories, as a county pull would."""
    envelope = read_bundle_header(read_bundle_file(path))
    header = envelope.header
    township = _state_value(ws, "township_device")
    sign_key = _state_value(ws, "township_sign_key")
    if header.kind != "reply" or header.recipient != ws.device_id:
        raise BundleError("此数据包不是发给本机的财政所回执")
    if township is None or header.sender != township:
        raise BundleError("此数据包不是本机导出数据时指定的财政所发出的")
    reply = open_bundle(envelope, box_key=_box(ws), expected_sign_key=sign_key,
                        model=TownshipReply)  # type: ignore[type-var]
    if reply.device_id != ws.device_id:
        raise BundleError("数据包内容与本机不符")
    try:
        items = [(i.seq, i.kind, FEED_MODELS[i.kind].model_validate(i.data)) for i in reply.items
                 if i.kind in ("book", "book_settled", "category")]
    except ModelError as exc:
        raise BundleError("财政所数据包中的数据格式不正确") from exc
    # Allocations are per collector, as the county feed addresses them.
    items = [(s, k, d) for s, k, d in items if not isinstance(d, BookData)
             or d.collector == ws.user]
    with tx(ws.conn):
        applied, skipped = apply_items(ws, items)
        ws.record("township.reply_applied", {"bundle_id": header.bundle_id,
                                             "items": len(items), "applied": applied,
                                             "skipped": skipped})
    return {"items": len(items), "applied": applied, "skipped": len(skipped),
            "problems": skipped[:20]}
