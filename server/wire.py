"""Request bodies at the county: read with a bound and a deadline, parsed only when asked.

The order at every signed endpoint is fixed (``server.app``): the declared length is checked
before a byte is read; the body is read as raw bytes, at most :data:`MAX_REQUEST_BYTES`,
within :data:`BODY_READ_SECONDS`; the signature is checked over exactly those bytes; only
then are they parsed — strictly, by the protocol model (pydantic-core): a plain body (below)
decoded by msgspec, anything else by the model's own JSON parser; both refuse invalid
UTF-8, lone surrogates (``"\\ud800"``) and nesting deeper than their limit. What the
model lets through that the county cannot store or hash the same way as the device (NaN
and infinities, integers beyond 64 bits in a payload) is refused here. Each refusal is a
4xx ``{"error", "message"}``.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import Any, TypeVar

import msgspec
from pydantic import BaseModel
from pydantic import ValidationError as ModelError
from starlette.requests import ClientDisconnect, Request

from server.errors import ApiError
from sync.protocol import MAX_REQUEST_BYTES

BODY_READ_SECONDS = 60.0  # the whole body, however it trickles in
_LIMIT = 2**63 - 1  # what a BIGINT holds; no journal payload ever needs more


class _Float(Exception):
    """A float literal met by :data:`_PLAIN_NUMBERS` (its ``float_hook``)."""


def _no_float(_literal: str) -> Any:
    raise _Float


# Whether a body is *plain*, two cheap passes over the bytes. msgspec decodes it (in C, in a
# third of the time pydantic takes) and stops at the first float literal, exponents included
# (1e400 parses as infinity), or at NaN and Infinity, which it does not take for JSON. Then
# every digit becomes "0" and every byte that may end a number ",", so that an integer of 19
# digits or more shows as nineteen "0" and a ",": a run inside a string (a hash, an ID
# number) is followed by its quote or a letter, and is no sign.
_PLAIN_NUMBERS = msgspec.json.Decoder(float_hook=_no_float)
_NUMBER_SHAPE = bytes.maketrans(b"0123456789,]} \t\r\n", b"0" * 10 + b"," * 7)
_LONG_INTEGER = b"0" * 19 + b","
_NOT_PLAIN = object()  # what a body msgspec does not take decodes to


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
    return parse_body_plain(model, raw)[0]


def parse_body_plain(model: type[M], raw: bytes) -> tuple[M, bool]:
    """:func:`parse_body`, and whether the body was plain (no float anywhere, every integer
    of at most 18 digits): its values may then be encoded by
    :func:`app.domain.canonical.plain_canonical_bytes`.

    A plain body is decoded once, by msgspec (which refuses invalid UTF-8 and lone
    surrogates as the model's own parser does), and its values validated by the model in
    pydantic-core: a third less time than the model parsing the JSON and msgspec decoding it
    again to find out it was plain. Anything else is the model's own JSON parser's to refuse
    or take, as before."""
    try:
        decoded = _PLAIN_NUMBERS.decode(raw)
    except (_Float, msgspec.DecodeError, RecursionError):
        decoded = _NOT_PLAIN
    if decoded is not _NOT_PLAIN and _LONG_INTEGER not in raw.translate(_NUMBER_SHAPE):
        return _validated(lambda: model.model_validate(decoded)), True
    parsed = _validated(lambda: model.model_validate_json(raw))
    found = _problem(parsed.model_dump())
    if found:
        raise ApiError(422, "invalid", f"请求内容不符合同步协议：{found}")
    return parsed, False


def _validated(validate: Callable[[], M]) -> M:
    """``validate()``, its model's refusal a 422 naming what is wrong."""
    try:
        return validate()
    except ModelError as exc:
        problems = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('type', '')}"
                    for e in exc.errors(include_url=False, include_input=False)[:10]]
        raise ApiError(422, "invalid", "请求内容不符合同步协议：" + "；".join(problems)) from None
