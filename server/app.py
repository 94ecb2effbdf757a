"""The county server's HTTP API (FastAPI). OpenAPI at /openapi.json.

Bad input never gets a 5xx: bodies are size-checked before they are read, validated against
the strict protocol models (422), signatures checked (401), business refusals are 4xx with
``{"error": code, "message": 中文}``. Only a database that is momentarily unavailable answers
503, which clients retry.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import FastAPI, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import delete, insert
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from app import __version__
from app.domain.canonical import canonical_bytes
from app.domain.errors import YibaoError
from server import store
from server.errors import ApiError
from server.schema import nonces
from sync.protocol import (
    MAX_REQUEST_BYTES,
    PATH_ENROL,
    PATH_HEALTH,
    PATH_PULL,
    PATH_PUSH,
    PROTOCOL_VERSION,
    REPLAY_WINDOW_SECONDS,
    EnrolRequest,
    EnrolResponse,
    ErrorBody,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
    SignedHeaders,
    parse_signed_headers,
    sign_response,
    verify_request,
)

log = logging.getLogger(__name__)

_AUTH_MESSAGES = {
    "unsigned": "请求没有签名：请先登记设备（yibao enrol）",
    "malformed_signature": "请求签名格式不正确",
    "clock_skew": "本机时钟与县医保服务器相差超过 5 分钟，请校准电脑时间后再同步",
    "unknown_device": "此设备未在县医保服务器登记",
    "bad_signature": "请求签名无效（内容被改动，或不是登记的设备）",
    "replayed": "重复的请求已被拒绝（防重放）",
}

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 409, 411, 413, 422, 503)
}

# Declared so the OpenAPI schema documents (and fuzzers send) the signature headers; the
# values themselves are read from the raw request in _auth, after the body is checked.
DeviceHeader = Annotated[str | None, Header(alias="X-Yibao-Device", max_length=64)]
TimestampHeader = Annotated[str | None, Header(alias="X-Yibao-Timestamp", max_length=16)]
NonceHeader = Annotated[str | None, Header(alias="X-Yibao-Nonce", max_length=64)]
SignatureHeader = Annotated[str | None, Header(alias="X-Yibao-Signature", max_length=200)]


class Health(BaseModel):
    status: str
    protocol: int
    server_id: str
    server_time: str
    version: str


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


def _auth(srv: store.Server, request: Request, body: bytes, *,
          enrolling: EnrolRequest | None = None) -> SignedHeaders:
    """Signature, clock window, then the nonce: remembered so an exact replay is refused."""
    parsed = parse_signed_headers(dict(request.headers))
    if isinstance(parsed, str):
        raise ApiError(401, parsed, _AUTH_MESSAGES[parsed])
    now = int(srv.clock())
    if abs(now - parsed.timestamp) > REPLAY_WINDOW_SECONDS:
        raise ApiError(401, "clock_skew",
                       f"{_AUTH_MESSAGES['clock_skew']}（服务器时间 {srv.now_iso()}）")
    if enrolling is not None:
        if parsed.device_id != enrolling.device_id:
            raise ApiError(401, "bad_signature", _AUTH_MESSAGES["bad_signature"])
        public_key = enrolling.public_key
    else:
        device = store.device_row(srv, parsed.device_id)
        if device is None:
            raise ApiError(401, "unknown_device", _AUTH_MESSAGES["unknown_device"])
        public_key = device.public_key
    if not verify_request(public_key, parsed, method=request.method, path=request.url.path,
                          body=body):
        raise ApiError(401, "bad_signature", _AUTH_MESSAGES["bad_signature"])
    try:
        with srv.engine.begin() as conn:
            conn.execute(delete(nonces).where(nonces.c.at < now - 2 * REPLAY_WINDOW_SECONDS))
            conn.execute(insert(nonces).values(device_id=parsed.device_id, nonce=parsed.nonce,
                                               at=parsed.timestamp))
    except IntegrityError:
        raise ApiError(401, "replayed", _AUTH_MESSAGES["replayed"]) from None
    return parsed


def _signed(srv: store.Server, model: BaseModel, nonce: str) -> Response:
    raw = canonical_bytes(model.model_dump())
    signature = sign_response(srv.sign_key, nonce=nonce, status=200, body=raw)
    return Response(raw, media_type="application/json",
                    headers={"X-Yibao-Server-Signature": signature})


def create_app(srv: store.Server) -> FastAPI:
    app = FastAPI(title="医保收缴通 县医保同步服务 (Yibao county sync)", version=__version__,
                  description="Reference county server: device enrolment, exactly-once push "
                              "of journal events, pull of roster, policy, receipt books, "
                              "external payments and conflict notices.",
                  docs_url=None, redoc_url=None)

    @app.middleware("http")
    async def _limit_body(request: Request,
                          call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        # Refuse oversized bodies from the declared length, before a byte of them is read.
        if request.method == "POST":
            declared = request.headers.get("content-length")
            if declared is None:
                return _error(411, "length_required", "请求必须带 Content-Length")
            if not declared.isdigit() or int(declared) > MAX_REQUEST_BYTES:
                return _error(413, "too_large", "请求过大：请分批上传")
        return await call_next(request)

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message)

    @app.exception_handler(YibaoError)
    async def _refused(_request: Request, exc: YibaoError) -> JSONResponse:
        return _error(400, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('type', '')}"
                    for e in exc.errors()[:10]]
        return _error(422, "invalid", "请求内容不符合同步协议：" + "；".join(problems))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, "http", str(exc.detail))

    @app.exception_handler(ClientDisconnect)
    async def _gone(_request: Request, _exc: ClientDisconnect) -> JSONResponse:
        return _error(400, "incomplete", "请求在传输中断开")

    @app.exception_handler(RecursionError)
    async def _deep(_request: Request, _exc: RecursionError) -> JSONResponse:
        return _error(400, "bad_json", "请求 JSON 嵌套过深")

    @app.exception_handler(DBAPIError)
    async def _database(_request: Request, exc: DBAPIError) -> JSONResponse:
        log.warning("database unavailable: %s", type(exc.orig).__name__)
        return _error(503, "busy", "县医保服务器数据库暂时不可用，请稍后重试")

    @app.get(PATH_HEALTH, response_model=Health)
    def health() -> Health:
        return Health(status="ok", protocol=PROTOCOL_VERSION, server_id=srv.server_id,
                      server_time=srv.now_iso(), version=__version__)

    @app.post(PATH_ENROL, responses={200: {"model": EnrolResponse}, **_ERRORS})
    async def enrol(request: Request, body: EnrolRequest, x_yibao_device: DeviceHeader = None,
                    x_yibao_timestamp: TimestampHeader = None, x_yibao_nonce: NonceHeader = None,
                    x_yibao_signature: SignatureHeader = None) -> Response:
        """Register a device with a one-time code; signed by the key being registered."""
        raw = await request.body()
        signed = await run_in_threadpool(_auth, srv, request, raw, enrolling=body)
        answer = await run_in_threadpool(store.enrol, srv, body)
        return _signed(srv, answer, signed.nonce)

    @app.post(PATH_PUSH, responses={200: {"model": PushResponse}, **_ERRORS})
    async def push(request: Request, body: PushRequest, x_yibao_device: DeviceHeader = None,
                   x_yibao_timestamp: TimestampHeader = None, x_yibao_nonce: NonceHeader = None,
                   x_yibao_signature: SignatureHeader = None) -> Response:
        """Journal events, each applied exactly once; one result per event, in order."""
        raw = await request.body()
        signed = await run_in_threadpool(_auth, srv, request, raw)
        started = time.monotonic()
        answer = await run_in_threadpool(store.push, srv, signed.device_id, body)
        log.info("push %d events in %.3fs", len(body.events), time.monotonic() - started)
        return _signed(srv, answer, signed.nonce)

    @app.post(PATH_PULL, responses={200: {"model": PullResponse}, **_ERRORS})
    async def pull(request: Request, body: PullRequest, x_yibao_device: DeviceHeader = None,
                   x_yibao_timestamp: TimestampHeader = None, x_yibao_nonce: NonceHeader = None,
                   x_yibao_signature: SignatureHeader = None) -> Response:
        """Feed items for this device after ``cursor``."""
        raw = await request.body()
        signed = await run_in_threadpool(_auth, srv, request, raw)
        answer = await run_in_threadpool(store.pull, srv, signed.device_id, body)
        return _signed(srv, answer, signed.nonce)

    return app
