"""The county server's HTTP API (FastAPI). OpenAPI at /openapi.json.

Authentication first: a signed endpoint checks the declared size, reads the raw body (bounded
in size and time, ``server.wire``), checks the signature over exactly those bytes (401), and
only then parses them against the strict protocol model (422). Enrolment is the one endpoint
whose key is inside the body (proof of possession): its headers and clock are checked first,
its body may be at most :data:`MAX_ENROL_BYTES`, and the key it carries must verify the
signature before anything is done with it. Business refusals are 4xx with
``{"error": code, "message": 中文}``; bad input never gets a 5xx. Only a database that is
momentarily unavailable answers 503, which clients retry.

``GET /r/{QR text}`` is the payer's receipt check page (``server.check``): plain HTML,
rate-limited per client address.
"""

from __future__ import annotations

import logging
import time
from functools import partial
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from app import __version__
from app.domain.canonical import canonical_bytes, plain_canonical_bytes
from app.domain.errors import YibaoError
from server.check import MAX_TOKEN, CheckResult, RateLimiter, check_receipt, page_context
from server.enrol import enrol as enrol_device
from server.errors import ApiError
from server.kernel import Server
from server.pull import pull as pull_feed
from server.push import push_answer
from server.schema import devices, nonces
from server.wire import parse_body, parse_body_plain, read_body
from sync.protocol import (
    HEADER_PUSH_LIMIT,
    HEADER_SERVER_SIGNATURE,
    MAX_BATCH,
    MAX_REQUEST_BYTES,
    PATH_CHECK,
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
    code: {"model": ErrorBody} for code in (400, 401, 403, 408, 409, 411, 413, 422, 503)
}
MAX_ENROL_BYTES = 8 * 1024  # an enrolment request is about 400 bytes
NONCE_SWEEP_SECONDS = 60  # how often a worker deletes the nonces no replay can reuse
TEMPLATES = Path(__file__).resolve().parent / "templates"
# Request models: the routes read raw bytes (signature first), so FastAPI does not list them
# by itself; the schema names them for clients and for the fuzzer.
_REQUEST_MODELS = (EnrolRequest, PushRequest, PullRequest)
_CHECK_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
                  "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
                  "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                             "frame-ancestors 'none'"}


def _body(model: type[BaseModel]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}}}

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


def _signed_headers(srv: Server, request: Request) -> SignedHeaders:
    """The signature headers, well formed and inside the clock window (nothing read yet)."""
    parsed = parse_signed_headers(dict(request.headers))
    if isinstance(parsed, str):
        raise ApiError(401, parsed, _AUTH_MESSAGES[parsed])
    now = int(srv.clock())
    if abs(now - parsed.timestamp) > REPLAY_WINDOW_SECONDS:
        raise ApiError(401, "clock_skew",
                       f"{_AUTH_MESSAGES['clock_skew']}（服务器时间 {srv.now_iso()}）")
    return parsed


def _verified(conn: Connection, srv: Server, request: Request, body: bytes,
              parsed: SignedHeaders, public_key: str) -> SignedHeaders:
    """The signature over the raw body, then the nonce: remembered (in ``conn``'s
    transaction) so a replay is refused."""
    if not verify_request(public_key, parsed, method=request.method, path=request.url.path,
                          body=body):
        raise ApiError(401, "bad_signature", _AUTH_MESSAGES["bad_signature"])
    now = int(srv.clock())
    if now - srv.nonces_swept_at >= NONCE_SWEEP_SECONDS:
        # A nonce older than the clock window cannot come back (its timestamp is refused
        # first): they are deleted now and then, not with every request.
        srv.nonces_swept_at = now
        conn.execute(delete(nonces).where(nonces.c.at < now - 2 * REPLAY_WINDOW_SECONDS))
    try:
        conn.execute(insert(nonces).values(device_id=parsed.device_id, nonce=parsed.nonce,
                                           at=parsed.timestamp))
    except IntegrityError:
        raise ApiError(401, "replayed", _AUTH_MESSAGES["replayed"]) from None
    return parsed


def _auth(srv: Server, request: Request, body: bytes) -> SignedHeaders:
    """A request of an enrolled device, authenticated on its raw bytes: the device's key
    read and the nonce remembered in one transaction (on PostgreSQL each transaction is a
    pooled connection's check and a commit, round trips every push paid twice)."""
    parsed = _signed_headers(srv, request)
    with srv.engine.begin() as conn:
        device = conn.execute(select(devices.c.public_key)
                              .where(devices.c.id == parsed.device_id)).first()
        if device is None:
            raise ApiError(401, "unknown_device", _AUTH_MESSAGES["unknown_device"])
        return _verified(conn, srv, request, body, parsed, device.public_key)


def _auth_then_parse(srv: Server, request: Request, body: bytes,
                     model: type[Any]) -> tuple[SignedHeaders, Any, bool]:
    """The signed headers, the parsed body and whether it was plain (``parse_body_plain``)."""
    signed = _auth(srv, request, body)
    return signed, *parse_body_plain(model, body)


def _enrol_auth(srv: Server, request: Request, body: bytes) -> tuple[SignedHeaders,
                                                                     EnrolRequest]:
    """Proof of possession: the key in the (small) body must have signed the request."""
    parsed = _signed_headers(srv, request)
    req = parse_body(EnrolRequest, body)
    if parsed.device_id != req.device_id:
        raise ApiError(401, "bad_signature", _AUTH_MESSAGES["bad_signature"])
    with srv.engine.begin() as conn:
        return _verified(conn, srv, request, body, parsed, req.public_key), req


def _signed(srv: Server, model: BaseModel, nonce: str,
            headers: dict[str, str] | None = None) -> Response:
    """The answer in canonical JSON, signed."""
    return _signed_raw(srv, canonical_bytes(model.model_dump()), nonce, headers)


def _signed_raw(srv: Server, raw: bytes, nonce: str,
                headers: dict[str, str] | None = None) -> Response:
    signature = sign_response(srv.sign_key, nonce=nonce, status=200, body=raw)
    return Response(raw, media_type="application/json",
                    headers={HEADER_SERVER_SIGNATURE: signature, **(headers or {})})


class _DeclaredLength:
    """Refuses an oversized POST body from its declared length, before a byte of it is read.
    Plain ASGI: Starlette's ``BaseHTTPMiddleware`` passed every body chunk and the answer
    through memory streams and a task group, a few milliseconds on every 1,000-event push."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            declared = Headers(scope=scope).get("content-length")
            refusal = None
            if declared is None:
                refusal = _error(411, "length_required", "请求必须带 Content-Length")
            elif not declared.isdigit() or int(declared) > MAX_REQUEST_BYTES:
                refusal = _error(413, "too_large", "请求过大：请分批上传")
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(srv: Server, *, check_rate: tuple[float, float] = (30.0, 0.5)) -> FastAPI:
    """The app; ``check_rate`` is the check page's bucket per client address (burst, then
    checks per second)."""
    app = FastAPI(title="医保收缴通 县医保同步服务 (Yibao county sync)", version=__version__,
                  description="Reference county server: device enrolment, exactly-once push "
                              "of journal events, pull of roster, policy, receipt books, "
                              "external payments and conflict notices; the payers' receipt "
                              "check page.",
                  docs_url=None, redoc_url=None)
    templates = Jinja2Templates(directory=str(TEMPLATES))
    limiter = RateLimiter(capacity=check_rate[0], per_second=check_rate[1])

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes)
            _, defs = models_json_schema([(m, "validation") for m in _REQUEST_MODELS],
                                         ref_template="#/components/schemas/{model}")
            known = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, definition in defs.get("$defs", {}).items():
                known.setdefault(name, definition)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    app.add_middleware(_DeclaredLength)

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

    @app.post(PATH_ENROL, responses={200: {"model": EnrolResponse}, **_ERRORS},
              openapi_extra=_body(EnrolRequest))
    async def enrol(request: Request, x_yibao_device: DeviceHeader = None,
                    x_yibao_timestamp: TimestampHeader = None, x_yibao_nonce: NonceHeader = None,
                    x_yibao_signature: SignatureHeader = None) -> Response:
        """Register a device with a one-time code; signed by the key being registered."""
        raw = await read_body(request, limit=MAX_ENROL_BYTES)
        signed, body = await run_in_threadpool(_enrol_auth, srv, request, raw)
        answer = await run_in_threadpool(enrol_device, srv, body)
        return _signed(srv, answer, signed.nonce)

    @app.post(PATH_PUSH, responses={200: {"model": PushResponse}, **_ERRORS},
              openapi_extra=_body(PushRequest))
    async def push(request: Request, x_yibao_device: DeviceHeader = None,
                   x_yibao_timestamp: TimestampHeader = None, x_yibao_nonce: NonceHeader = None,
                   x_yibao_signature: SignatureHeader = None) -> Response:
        """Journal events, each applied exactly once; one result per event, in order."""
        raw = await read_body(request)
        signed, body, plain = await run_in_threadpool(_auth_then_parse, srv, request, raw,
                                                      PushRequest)
        started = time.monotonic()
        values = await run_in_threadpool(partial(push_answer, plain=plain), srv,
                                         signed.device_id, body)
        log.info("push %d events in %.3fs", len(body.events), time.monotonic() - started)
        # A push answer holds texts and integers, no float: msgspec writes its canonical JSON
        # (the same bytes, several times faster than the standard encoder for 2,000 results).
        return _signed_raw(srv, plain_canonical_bytes(values), signed.nonce,
                           {HEADER_PUSH_LIMIT: str(MAX_BATCH)})

    @app.post(PATH_PULL, responses={200: {"model": PullResponse}, **_ERRORS},
              openapi_extra=_body(PullRequest))
    async def pull(request: Request, x_yibao_device: DeviceHeader = None,
                   x_yibao_timestamp: TimestampHeader = None, x_yibao_nonce: NonceHeader = None,
                   x_yibao_signature: SignatureHeader = None) -> Response:
        """Feed items for this device after ``cursor``."""
        raw = await read_body(request)
        signed, body, _plain = await run_in_threadpool(_auth_then_parse, srv, request, raw,
                                                       PullRequest)
        answer = await run_in_threadpool(pull_feed, srv, signed.device_id, body)
        return _signed(srv, answer, signed.nonce)

    @app.get(PATH_CHECK + "/{token}", response_class=HTMLResponse,
             responses={400: {"description": "not a receipt code"},
                        429: {"description": "too many checks from this address"}})
    async def check(request: Request, token: str) -> Response:
        """The payer's receipt check page: is this receipt in the county's records?"""
        client = request.client.host if request.client else "-"
        if not limiter.allow(client):
            result = CheckResult("limited")
        elif len(token) > MAX_TOKEN:
            result = CheckResult("unreadable")
        else:
            result = await run_in_threadpool(check_receipt, srv, token)
        return templates.TemplateResponse(request, "check.html", page_context(result),
                                          status_code=result.http_status,
                                          headers=_CHECK_HEADERS)

    return app
