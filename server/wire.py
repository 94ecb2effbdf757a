"""Request bodies at the county: read with a bound and a deadline, parsed only when asked.

The order at every signed endpoint is fixed (``server.app``): the declared length is checked
before a byte is read; the body is read as raw bytes, at most :data:`MAX_REQUEST_BYTES`,
within :data:`BODY_READ_SECONDS`; the signature is checked over exactly those bytes; only
then are they parsed — strictly, by the protocol model's own JSON parser (pydantic-core),
which refuses invalid UTF-8, lone surrogates (``"\\ud800"``), numbers out of range and
nesting deeper than its limit. What it lets through that the county cannot store or hash
the same way as the device (NaN and infinities, integers beyond 64 bits in a payload) is
refused here. Each refusal is a 4xx ``{"error", "message"}``.
"""

from __future__ import annotations

import asyncio
import math
import re
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic import ValidationError as ModelError
from starlette.requests import ClientDisconnect, Request

from server.errors import ApiError
from sync.protocol import MAX_REQUEST_BYTES

BODY_READ_SECONDS = 60.0  # the whole body, however it trickles in
_LIMIT = 2**63 - 1  # what a BIGINT holds; no journal payload ever needs more
# Cheap signs in the raw bytes that the full walk below is needed at all: a NaN, an infinity, a
# 19-digit number or an exponent (1e400 parses as infinity) where a JSON value starts (after
# ``:``, ``,`` or ``[``). A digit run inside a string (a hash, an ID number) is no sign, or
# nearly every push would be walked.
_SUSPECT = re.compile(rb"[:,\[]\s*-?(?:NaN|Infinity|[0-9]{19}|[0-9.]+[eE])")

M = TypeVar("M", bound=BaseModel)


async def read_body(request: Request, *, limit: int = MAX_REQUEST_BYTES,
                    seconds: float = BODY_READ_SECONDS) -> bytes:
    """The raw body, refused when it outgrows ``limit`` (whatever Content-Length said) or
    does not arrive within ``seconds``."""
    async def collect() -> bytes:
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ApiError(413, "too_large", "请求过大：请分批上传")
            chunks.append(chunk)
        return b"".join(chunks)

    try:
        return await asyncio.wait_for(collect(), timeout=seconds)
    except TimeoutError:
        raise ApiError(408, "timeout", "请求内容传输超时，请重试") from None
    except ClientDisconnect:
        raise ApiError(400, "incomplete", "请求在传输中断开") from None


def _problem(value: Any, depth: int = 0) -> str | None:
    if isinstance(value, float):
        return None if math.isfinite(value) else "不能含有 NaN 或无穷大"
    if isinstance(value, int) and not isinstance(value, bool):
        return None if -_LIMIT <= value <= _LIMIT else "整数超出范围"
    if isinstance(value, dict):
        items: Any = value.values()
    elif isinstance(value, list | tuple):
        items = value
    else:
        return None
    for item in items:
        found = _problem(item, depth + 1)
        if found:
            return found
    return None


def parse_body(model: type[M], raw: bytes) -> M:
    """``raw`` as ``model`` (strict), or a 422 naming what is wrong."""
    try:
        parsed = model.model_validate_json(raw)
    except ModelError as exc:
        problems = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('type', '')}"
                    for e in exc.errors(include_url=False, include_input=False)[:10]]
        raise ApiError(422, "invalid", "请求内容不符合同步协议：" + "；".join(problems)) from None
    if _SUSPECT.search(raw):
        found = _problem(parsed.model_dump())
        if found:
            raise ApiError(422, "invalid", f"请求内容不符合同步协议：{found}")
    return parsed
