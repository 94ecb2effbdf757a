"""HTTP transport to the county server: one ``requests.Session``, signed requests, retries.

Every request is signed afresh on every attempt (new timestamp and nonce), so a retry is never
mistaken for a replay. Push and pull are safe to retry: push is idempotent by event UUID and
pull only reads. Responses are read with a size bound, their signature is checked against the
server key learned at enrolment, and they are validated against the protocol models before
anyone looks at them: a hostile or broken server yields :class:`BadServerResponse`, never a
half-applied state.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel
from pydantic import ValidationError as ModelError

from app.domain.canonical import canonical_bytes, plain_canonical_bytes
from app.domain.errors import ValidationError, YibaoError
from sync.protocol import (
    BASE_BATCH,
    HEADER_NONCE,
    HEADER_PUSH_LIMIT,
    HEADER_SERVER_SIGNATURE,
    MAX_BATCH,
    MAX_RESPONSE_BYTES,
    PATH_ENROL,
    PATH_PULL,
    PATH_PUSH,
    EnrolRequest,
    EnrolResponse,
    ErrorBody,
    PullPage,
    PullRequest,
    PushRequest,
    PushResponse,
    sign_request,
    verify_response,
)

log = logging.getLogger(__name__)

_M = TypeVar("_M", bound=BaseModel)

# Worth another attempt: the request may not have arrived, or the server was momentarily busy.
_RETRY_STATUSES = frozenset({429, 502, 503, 504})


class Offline(YibaoError):
    """No connection to the county server. Normal in a village: nothing was changed."""

    code = "offline"


class ServerRefused(YibaoError):
    """The server answered with an error (4xx, or 5xx after every retry)."""

    code = "server_refused"

    def __init__(self, message: str, *, status: int, error: str) -> None:
        super().__init__(message, details={"status": status, "server_error": error})
        self.status = status
        self.error = error


class BadServerResponse(YibaoError):
    """The response is not what the protocol allows; it was discarded and nothing changed."""

    code = "bad_response"


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    base_seconds: float = 0.5
    cap_seconds: float = 8.0
    budget_seconds: float = 90.0  # all attempts of one call together

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Exponential backoff with full jitter, so many villages do not retry in step."""
        return rng.uniform(0.0, min(self.cap_seconds, self.base_seconds * 2 ** (attempt - 1)))


def check_server_url(url: str) -> str:
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(f"服务器地址无效：“{url}”（应为 https://主机名:端口）")
    if parts.query or parts.fragment:
        raise ValidationError("服务器地址不能带查询参数")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


class _Retry(Exception):
    """One attempt failed in a way worth retrying; carries what to tell the user at the end."""

    def __init__(self, reason: str, *, offline: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.offline = offline


@dataclass(frozen=True)
class EncodedPush:
    """A push request already in the bytes it is sent as (:meth:`SyncClient.encode_push`):
    made while the county still works on the batch before, so that the next request goes
    out the moment that answer is checked instead of after another encoding."""

    body: bytes


class SyncClient:
    def __init__(self, base_url: str, *, device_id: str, signing_key: Ed25519PrivateKey,
                 server_sign_key: str | None, ca_bundle: str | None = None,
                 timeout: tuple[float, float] = (5.0, 30.0),
                 retry: RetryPolicy | None = None,
                 max_response_bytes: int = MAX_RESPONSE_BYTES,
                 sleep: Callable[[float], None] = time.sleep,
                 rng: random.Random | None = None) -> None:
        self.base_url = check_server_url(base_url)
        self.device_id = device_id
        self.signing_key = signing_key
        self.server_sign_key = server_sign_key
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.max_response_bytes = max_response_bytes
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.session = requests.Session()
        self.session.trust_env = False  # a stray HTTP(S)_PROXY must not reroute county traffic
        if ca_bundle:
            if not Path(ca_bundle).is_file():
                raise ValidationError(f"找不到县医保证书文件（CA）：{ca_bundle}")
            self.session.verify = ca_bundle
        else:
            self.session.verify = True
        self.host = urlsplit(self.base_url).netloc
        # Events per push: BASE_BATCH until a push answer says the county takes more.
        self.push_limit = BASE_BATCH

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- calls ------------------------------------------------------------------------------

    def enrol(self, request: EnrolRequest, *, pinned_sign_key: str | None = None) -> EnrolResponse:
        """Enrolment is retried too: the server answers a repeat of the same device and key
        with the same result instead of "code already used"."""
        def check(resp: EnrolResponse, raw: bytes, signature: str, nonce: str,
                  status: int) -> None:
            if pinned_sign_key is not None and resp.server_sign_key != pinned_sign_key:
                raise BadServerResponse("服务器的签名密钥与县医保公布的不一致，已停止登记")
            if not verify_response(resp.server_sign_key, signature, nonce=nonce, status=status,
                                   body=raw):
                raise BadServerResponse("服务器登记响应的签名无效，已停止登记")
            if resp.device_id != request.device_id:
                raise BadServerResponse("服务器登记响应与本机不符，已停止登记")

        return self._call(PATH_ENROL, _encoded(request), EnrolResponse, check)

    @staticmethod
    def encode_push(request: PushRequest) -> EncodedPush:
        return EncodedPush(_encoded_push(request))

    def push(self, request: PushRequest | EncodedPush) -> PushResponse:
        body = request.body if isinstance(request, EncodedPush) else _encoded_push(request)
        return self._call(PATH_PUSH, body, PushResponse, self._signed_by_server)

    def pull(self, request: PullRequest) -> PullPage:
        """A feed page, its items already typed by kind (a :class:`PullResponse` on the wire)."""
        return self._call(PATH_PULL, _encoded(request), PullPage, self._signed_by_server)

    # ---- machinery --------------------------------------------------------------------------

    def _signed_by_server(self, resp: BaseModel, raw: bytes, signature: str, nonce: str,
                          status: int) -> None:
        if self.server_sign_key is None:
            raise BadServerResponse("本机没有县医保服务器的公钥，请重新登记")
        if not verify_response(self.server_sign_key, signature, nonce=nonce, status=status,
                               body=raw):
            raise BadServerResponse("服务器响应的签名无效（可能被篡改或不是本县服务器），"
                                    "本机数据未作任何更改")

    def _offline_message(self) -> str:
        return (f"无法连接县医保服务器（{self.host}）：网络不通或服务器未开启。"
                "数据已安全保存在本机，联网后再同步即可。")

    def _call(self, path: str, body: bytes, model: type[_M],
              check: Callable[[_M, bytes, str, str, int], None]) -> _M:
        deadline = time.monotonic() + self.retry.budget_seconds
        last = _Retry(self._offline_message(), offline=True)
        for attempt in range(1, self.retry.attempts + 1):
            try:
                return self._attempt(path, body, model, check)
            except _Retry as failed:
                last = failed
                log.info("sync %s attempt %d failed: %s", path, attempt, failed.reason)
            if attempt == self.retry.attempts:
                break
            pause = self.retry.delay(attempt, self._rng)
            if time.monotonic() + pause > deadline:
                break
            self._sleep(pause)
        if last.offline:
            raise Offline(self._offline_message())
        raise ServerRefused(f"县医保服务器暂时无法处理（{last.reason}），请稍后再同步；"
                            "本机数据未作任何更改", status=503, error="unavailable")

    def _attempt(self, path: str, body: bytes, model: type[_M],
                 check: Callable[[_M, bytes, str, str, int], None]) -> _M:
        headers = sign_request(self.signing_key, device_id=self.device_id, method="POST",
                               path=path, body=body)
        headers["Content-Type"] = "application/json"
        headers["Accept"] = "application/json"
        try:
            resp = self.session.post(self.base_url + path, data=body, headers=headers,
                                     timeout=self.timeout, stream=True, allow_redirects=False)
            try:
                raw = self._read_limited(resp)
                status = resp.status_code
                signature = resp.headers.get(HEADER_SERVER_SIGNATURE, "")
                limit = resp.headers.get(HEADER_PUSH_LIMIT)
            finally:
                resp.close()
        except requests.exceptions.SSLError as exc:
            # A certificate problem is not going to fix itself by retrying.
            raise ServerRefused("县医保服务器的证书无法验证（请检查 CA 证书设置）",
                                status=0, error="tls") from exc
        except (requests.ConnectionError, requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError) as exc:
            raise _Retry(type(exc).__name__, offline=True) from exc
        if status in _RETRY_STATUSES or status >= 500:
            raise _Retry(f"HTTP {status}", offline=False)
        if status >= 300:
            error = self._error_body(raw)
            if status == 401 and error is not None and error.error == "replayed":
                # Our nonces are fresh, so someone on the way sent this request twice.
                raise _Retry("replayed", offline=False)
            message = error.message[:200] if error else f"HTTP {status}"
            raise ServerRefused(f"县医保服务器拒绝了请求：{message}", status=status,
                                error=error.error[:60] if error else "http")
        if status != 200:
            raise BadServerResponse(f"服务器返回了意外的状态 {status}，本机数据未作任何更改")
        try:
            parsed = model.model_validate_json(raw)
        except ModelError as exc:
            raise BadServerResponse(
                f"服务器响应不符合同步协议（{_first_problem(exc)}），本机数据未作任何更改"
            ) from exc
        check(parsed, raw, signature, headers[HEADER_NONCE], status)
        if path == PATH_PUSH:
            self.push_limit = _push_limit(limit)
        return parsed

    def _read_limited(self, resp: requests.Response) -> bytes:
        declared = resp.headers.get("Content-Length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_response_bytes:
            raise BadServerResponse("服务器响应过大，已丢弃；本机数据未作任何更改")
        chunks: list[bytes] = []
        size = 0
        for chunk in resp.iter_content(64 * 1024):
            size += len(chunk)
            if size > self.max_response_bytes:
                raise BadServerResponse("服务器响应过大，已丢弃；本机数据未作任何更改")
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _error_body(raw: bytes) -> ErrorBody | None:
        try:
            return ErrorBody.model_validate_json(raw)
        except ModelError:
            return None


def _push_limit(header: str | None) -> int:
    """The events per push a county says it takes, within what this release sends; a county
    that says nothing (an older release) takes BASE_BATCH."""
    if header is None or not (header.isascii() and header.isdigit()):
        return BASE_BATCH
    said = int(header) if len(header) <= 9 else MAX_BATCH  # (no int of a megabyte of digits)
    return max(BASE_BATCH, min(MAX_BATCH, said))


def _encoded(request: BaseModel) -> bytes:
    return canonical_bytes(request.model_dump())


def _encoded_push(request: PushRequest) -> bytes:
    """A push body, written by msgspec: the standard encoder took a quarter of the laptop's
    time for a 2,000-event batch. The bytes need not be canonical (they are signed as sent,
    and the county hashes each event from the values it parses). A float, if a payload ever
    held one, is written in msgspec's shortest form, which reads back as the same number, so
    the county hashes the text that was hashed here."""
    return plain_canonical_bytes(request.model_dump())


def _first_problem(exc: ModelError) -> str:
    errors = exc.errors(include_url=False, include_input=False)
    if not errors:
        return "格式错误"
    first = errors[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "(根)"
    return f"{where}: {first.get('type', 'invalid')}"

