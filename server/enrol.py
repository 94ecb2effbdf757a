"""Enrolment at the county: one-time codes, and the device that redeems one (``/v1/enrol``)."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select, update

from app.domain.errors import ValidationError
from server.errors import ApiError
from server.kernel import Server, bind_book, check_village, collector_devices, iso, retrying
from server.schema import books, devices, enrol_codes
from sync.protocol import GENESIS, EnrolRequest, EnrolResponse, public_hex

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud


def _code_hash(code: str) -> str:
    return hashlib.sha256(re.sub(r"[\s-]", "", code).upper().encode("utf-8")).hexdigest()


def create_enrol_code(srv: Server, *, village: str, ttl_hours: int = 72,
                      collector: str | None = None) -> dict[str, Any]:
    """A one-time code for one device of a village; with ``collector`` the device must be
    that collector's (its user name), and that name is then the county's, not the device's."""
    village = check_village(village)
    if not 1 <= ttl_hours <= 24 * 90:
        raise ValidationError("登记码有效期应在 1 小时到 90 天之间")
    if collector is not None:
        collector = collector.strip()
        if not 1 <= len(collector) <= 60:
            raise ValidationError("收款员姓名应为 1 到 60 个字")
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
    expires = iso(srv.now() + timedelta(hours=ttl_hours))
    with srv.engine.begin() as conn:
        conn.execute(insert(enrol_codes).values(code_hash=_code_hash(code), village=village,
                                                created_at=srv.now_iso(), expires_at=expires,
                                                collector=collector))
    return {"code": code, "village": village, "expires_at": expires, "collector": collector}


def _bind_waiting_books(srv: Server, conn: Any, village: str, collector: str) -> None:
    """Books allocated to a collector before any of their devices enrolled go to the first
    one; once a collector has two devices in the village, only admin move-book decides."""
    if len(collector_devices(conn, village, collector)) != 1:
        return
    device_id = collector_devices(conn, village, collector)[0]
    for row in conn.execute(select(books.c.allocation_id).where(
            books.c.village == village, books.c.collector == collector,
            books.c.device_id.is_(None)).order_by(books.c.allocated_at)).all():
        bind_book(srv, conn, row.allocation_id, device_id)


def _enrol_response(srv: Server, device_id: str, village: str) -> EnrolResponse:
    return EnrolResponse(device_id=device_id, server_id=srv.server_id, village=village,
                         server_sign_key=public_hex(srv.sign_key),
                         server_box_key=public_hex(srv.box_key), server_time=srv.now_iso())


def enrol(srv: Server, req: EnrolRequest) -> EnrolResponse:
    def work() -> EnrolResponse:
        with srv.engine.begin() as conn:
            known = conn.execute(select(devices).where(devices.c.id == req.device_id)).first()
            if known is not None:
                # The same device repeating its enrolment (a lost response) gets the same answer.
                if (known.public_key, known.box_key) == (req.public_key, req.box_key):
                    return _enrol_response(srv, known.id, known.village)
                raise ApiError(409, "device_exists",
                               "此设备编号已用另一把密钥登记过，请联系县医保处理")
            code = conn.execute(select(enrol_codes)
                                .where(enrol_codes.c.code_hash == _code_hash(req.code))
                                .with_for_update()).first()
            if code is None:
                raise ApiError(403, "bad_code", "登记码无效：请核对，或向乡镇财政所索取新的登记码")
            if code.device_id is not None:
                raise ApiError(403, "code_used", "登记码已被使用过：每个登记码只能登记一台设备")
            if code.expires_at < srv.now_iso():
                raise ApiError(403, "code_expired", "登记码已过期，请索取新的登记码")
            # The answers name only what the device sent: never the village or collector the
            # code was issued for (a code found or guessed must not tell whose it is).
            if code.village != req.village:
                raise ApiError(403, "village_mismatch",
                               f"登记码不是发给本机所在村（{req.village}）的：请核对本机的村代码，"
                               "或向乡镇财政所索取本村的登记码")
            if code.collector is not None and code.collector != req.user:
                raise ApiError(403, "collector_mismatch",
                               f"登记码不是发给本机用户（{req.user}）的：请用本人的账户登记，"
                               "或向乡镇财政所索取发给本人的登记码")
            if conn.execute(select(devices.c.id)
                            .where(devices.c.public_key == req.public_key)).first():
                raise ApiError(409, "key_in_use", "此设备密钥已登记在另一个设备编号下")
            now = srv.now_iso()
            conn.execute(insert(devices).values(
                id=req.device_id, village=req.village, user_name=req.user,
                public_key=req.public_key, box_key=req.box_key, enrolled_at=now, head_seq=0,
                head_hash=GENESIS, last_seen_at=now,
                collector_bound=int(code.collector is not None)))
            conn.execute(update(enrol_codes).where(enrol_codes.c.code_hash == code.code_hash)
                         .values(device_id=req.device_id, used_at=now))
            _bind_waiting_books(srv, conn, req.village, req.user)
            return _enrol_response(srv, req.device_id, req.village)

    result: EnrolResponse = retrying(work)
    return result
