"""A broken or hostile server, and no network at all: reported clearly, nothing changed.

A tiny fake county server (http.server on loopback) enrols the village properly, then answers
push and pull with whatever each test asks for: bad JSON, wrong types, oversized bodies,
unsigned or foreign-signed bodies, acknowledgements for events never sent, feed pages out of
order. The village's database must be exactly as it was after every one of them.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from app.domain.canonical import canonical_bytes
from app.services.exchange.county import sync_now, sync_status
from sync.client import BadServerResponse, Offline, RetryPolicy, ServerRefused
from sync.protocol import (
    MAX_BATCH,
    EnrolRequest,
    EnrolResponse,
    PullRequest,
    PushRequest,
    now_iso,
    public_hex,
    sign_response,
)
from tests.conftest import ROOT
from tests.pg import free_port
from tests.test_sync_support import (
    FAST_RETRY,
    cli_env,
    new_village,
    opened,
    snapshot,
)

VILLAGE = "3404220010"
Answer = tuple[int, bytes, bool]  # status, body, signed by the enrolled server key?


class FakeCounty:
    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()
        self.other_key = Ed25519PrivateKey.generate()
        self.server_id = str(uuid.uuid4())
        self.box = X25519PrivateKey.generate()
        self.push: Callable[[PushRequest], Answer] = self.ack_all
        self.pull: Callable[[PullRequest], Answer] = self.empty_page
        self.raw: Callable[[BaseHTTPRequestHandler], bool] | None = None
        self.sign_with = self.key
        self.device_id = ""  # of the last push (the header says whose)
        self.push_limit: str | None = None  # the X-Yibao-Push-Limit header on push answers
        self.push_sizes: list[int] = []  # events in each push request
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if fake.raw is not None and self.path != "/v1/enrol" and fake.raw(self):
                    return
                if self.path == "/v1/enrol":
                    status, out, signed = fake.enrol(EnrolRequest.model_validate_json(body))
                elif self.path == "/v1/push":
                    fake.device_id = self.headers.get("X-Yibao-Device", "")
                    request = PushRequest.model_validate_json(body)
                    fake.push_sizes.append(len(request.events))
                    status, out, signed = fake.push(request)
                else:
                    status, out, signed = fake.pull(PullRequest.model_validate_json(body))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                if signed:
                    self.send_header("X-Yibao-Server-Signature", sign_response(
                        fake.sign_with, nonce=self.headers["X-Yibao-Nonce"], status=status,
                        body=out))
                if self.path == "/v1/push" and fake.push_limit is not None:
                    self.send_header("X-Yibao-Push-Limit", fake.push_limit)
                self.end_headers()
                self.wfile.write(out)

        class Quiet(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # the client hanging up on a huge body is the point of some tests

        self.httpd = Quiet(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def enrol(self, req: EnrolRequest) -> Answer:
        answer = EnrolResponse(device_id=req.device_id, server_id=self.server_id,
                               village=req.village, server_sign_key=public_hex(self.key),
                               server_box_key=public_hex(self.box), server_time=now_iso())
        return 200, canonical_bytes(answer.model_dump()), True

    def ack_all(self, req: PushRequest) -> Answer:
        # (an empty push, the device showing its head, is answered with that head)
        head = {"seq": req.events[-1].seq, "hash": req.events[-1].hash} if req.events else \
            {"seq": req.head.seq, "hash": req.head.hash}
        device = req.events[-1].device if req.events else self.device_id
        return 200, canonical_bytes({
            "protocol": 1, "device_id": device,
            "results": [{"uuid": e.uuid, "seq": e.seq, "status": "accepted"} for e in req.events],
            "device_head": head, "server_time": now_iso()}), True

    @staticmethod
    def empty_page(req: PullRequest) -> Answer:
        return 200, canonical_bytes({"protocol": 1, "cursor_from": req.cursor,
                                     "next_cursor": req.cursor, "more": False, "items": [],
                                     "server_time": now_iso()}), True


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeCounty]:
    server = FakeCounty()
    yield server
    server.close()


@pytest.fixture
def village(fake: FakeCounty, tmp_path: Path) -> Iterator[Any]:
    from app.services.exchange.county import enrol_device

    fake.push, fake.pull, fake.raw, fake.sign_with = (fake.ack_all, fake.empty_page, None,
                                                      fake.key)
    fake.push_limit, fake.push_sizes = None, []
    with opened(new_village(tmp_path, "v", VILLAGE)) as ws:
        enrol_device(ws, server_url=fake.url, code="ANY", retry=FAST_RETRY)
        yield ws


def _push_answer(body: Callable[[PushRequest], object], *, signed: bool = True,
                 status: int = 200) -> Callable[[PushRequest], Answer]:
    def answer(req: PushRequest) -> Answer:
        value = body(req)
        return status, value if isinstance(value, bytes) else canonical_bytes(value), signed
    return answer


def _ack(req: PushRequest, **changes: Any) -> dict:
    last = req.events[-1]
    doc = {"protocol": 1, "device_id": last.device,
           "results": [{"uuid": e.uuid, "seq": e.seq, "status": "accepted"} for e in req.events],
           "device_head": {"seq": last.seq, "hash": last.hash}, "server_time": now_iso()}
    doc.update(changes)
    return doc


HOSTILE_PUSHES: dict[str, Callable[[PushRequest], Answer]] = {
    "bad json": _push_answer(lambda r: b'{"protocol": 1, "results": ['),
    "wrong types": _push_answer(lambda r: _ack(r, results="all good",
                                               device_head={"seq": "9", "hash": 1})),
    "ack for an event never sent": _push_answer(lambda r: _ack(r, results=[
        {"uuid": str(uuid.uuid4()), "seq": e.seq, "status": "accepted"} for e in r.events])),
    "ack beyond the server's own head": _push_answer(
        lambda r: _ack(r, device_head={"seq": 0, "hash": "0" * 64})),
    "server claims more than we have": _push_answer(
        lambda r: _ack(r, device_head={"seq": r.events[-1].seq + 5, "hash": "a" * 64})),
    "head hash not ours": _push_answer(
        lambda r: _ack(r, device_head={"seq": r.events[-1].seq, "hash": "b" * 64})),
    "fewer results than events": _push_answer(lambda r: _ack(r, results=[])),
    "unknown status": _push_answer(lambda r: _ack(r, results=[
        {"uuid": e.uuid, "seq": e.seq, "status": "fine"} for e in r.events])),
    "unsigned": _push_answer(_ack, signed=False),
    "extra field": _push_answer(lambda r: {**_ack(r), "admin": True}),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_PUSHES))
def test_hostile_push_response_is_reported_and_changes_nothing(fake, village, case):
    fake.push = HOSTILE_PUSHES[case]
    before = snapshot(village)
    with pytest.raises(BadServerResponse) as caught:
        sync_now(village, retry=FAST_RETRY)
    assert "本机数据未作任何更改" in caught.value.message
    assert snapshot(village) == before


@pytest.mark.parametrize("header, largest", [
    (None, 500),  # a county of an older release, which takes no more
    ("1000", 1000),
    ("1500", 1500),
    ("99999999999", MAX_BATCH),  # no more than this release sends
    ("200", 500),  # every county takes 500
    ("²", 500),
    ("1e3", 500),
])
def test_push_batches_grow_only_to_what_the_county_says_it_takes(fake, village, header,
                                                                  largest):
    from app.services.village.roster import add_household
    from db.connection import tx

    fake.push_limit = header
    with tx(village.conn):
        for n in range(1_100 + MAX_BATCH):
            add_household(village, household_no=f"{VILLAGE}{n:04d}", head_name="王建国",
                          group="一组")
    result = sync_now(village, retry=FAST_RETRY)
    assert result["pending"] == 0 and result["pushed"] == sum(fake.push_sizes)
    assert max(fake.push_sizes) == largest
    # The first two batches go before the county has said anything (the second is read while
    # the first is answered); the rest are as big as it said.
    assert fake.push_sizes[:2] == [500, 500] and all(n <= largest for n in fake.push_sizes)


def test_response_signed_by_another_key_is_refused(fake, village):
    fake.sign_with = fake.other_key
    before = snapshot(village)
    with pytest.raises(BadServerResponse, match="签名无效"):
        sync_now(village, retry=FAST_RETRY)
    assert snapshot(village) == before


def _raw(handler_body: Callable[[BaseHTTPRequestHandler], None]) -> Callable[..., bool]:
    def run(handler: BaseHTTPRequestHandler) -> bool:
        handler_body(handler)
        return True
    return run


def _huge_declared(h: BaseHTTPRequestHandler) -> None:
    h.send_response(200)
    h.send_header("Content-Length", str(50 * 1024 * 1024))
    h.end_headers()
    h.wfile.write(b"{" * 1024)


def _huge_streamed(h: BaseHTTPRequestHandler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.end_headers()  # no length: the body runs until the connection closes
    chunk = b" " * (1024 * 1024)
    for _ in range(12):
        h.wfile.write(chunk)
    h.close_connection = True


def _html_error(h: BaseHTTPRequestHandler) -> None:
    out = b"<html><body>502 Bad Gateway</body></html>"
    h.send_response(502)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", str(len(out)))
    h.end_headers()
    h.wfile.write(out)


def _redirect(h: BaseHTTPRequestHandler) -> None:
    h.send_response(302)
    h.send_header("Location", "http://127.0.0.1:9/elsewhere")
    h.send_header("Content-Length", "0")
    h.end_headers()


def _slow(h: BaseHTTPRequestHandler) -> None:
    time.sleep(1.5)
    _html_error(h)


@pytest.mark.parametrize("case, handler, error", [
    ("huge declared body", _huge_declared, BadServerResponse),
    ("huge streamed body", _huge_streamed, BadServerResponse),
    ("HTML 502 every time", _html_error, ServerRefused),
    ("redirect elsewhere", _redirect, ServerRefused),
    ("slower than the read timeout", _slow, Offline),
])
def test_broken_transport_is_reported_and_changes_nothing(fake, village, case, handler, error):
    fake.raw = _raw(handler)
    before = snapshot(village)
    started = time.monotonic()
    with pytest.raises(error):
        sync_now(village, retry=RetryPolicy(attempts=2, base_seconds=0.05, cap_seconds=0.1),
                 timeout=(2.0, 0.5))
    assert time.monotonic() - started < 20
    assert snapshot(village) == before


def _page(cursor_from: int, items: list[dict], **changes: Any) -> Callable[..., Answer]:
    def answer(req: PullRequest) -> Answer:
        doc = {"protocol": 1, "cursor_from": cursor_from, "next_cursor": 10, "more": False,
               "items": items, "server_time": now_iso()}
        doc.update(changes)
        return 200, canonical_bytes(doc), True
    return answer


GOOD_HOUSEHOLD = {"household_no": "3404220010001", "head_name": "王建国", "persons": []}
HOSTILE_PULLS: dict[str, Callable[..., Answer]] = {
    "items out of order": _page(0, [{"seq": 3, "kind": "household", "data": GOOD_HOUSEHOLD},
                                    {"seq": 2, "kind": "household", "data": GOOD_HOUSEHOLD}]),
    "item at or before the cursor": _page(0, [{"seq": 0, "kind": "household",
                                               "data": GOOD_HOUSEHOLD}]),
    "bad item after a good one": _page(0, [
        {"seq": 1, "kind": "household", "data": GOOD_HOUSEHOLD},
        {"seq": 2, "kind": "household", "data": {**GOOD_HOUSEHOLD, "persons": "x"}}]),
    "unknown kind": _page(0, [{"seq": 1, "kind": "launch_codes", "data": {}}]),
    # Each item is checked against its own kind's model within the one parse of the page.
    "data of another kind": _page(0, [{"seq": 1, "kind": "book", "data": GOOD_HOUSEHOLD}]),
    "unknown field deep in a person": _page(0, [{"seq": 1, "kind": "household", "data": {
        **GOOD_HOUSEHOLD, "persons": [{"name": "王建国", "id_number": "340422196503120211",
                                       "admin": True}]}}]),
    "a household of 51 persons": _page(0, [{"seq": 1, "kind": "household", "data": {
        **GOOD_HOUSEHOLD, "persons": [{"name": "王建国", "id_number": "340422196503120211"}]
        * 51}}]),
    "a page larger than the protocol allows": _page(0, [
        {"seq": i, "kind": "household", "data": GOOD_HOUSEHOLD} for i in range(1, 502)]),
    "page for another cursor": _page(7, []),
    "more without progress": _page(0, [], more=True, next_cursor=0),
    "cursor moving backwards": _page(0, [{"seq": 5, "kind": "household",
                                          "data": GOOD_HOUSEHOLD}], next_cursor=4),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_PULLS))
def test_hostile_pull_page_is_reported_and_changes_nothing(fake, village, case):
    sync_now(village, retry=FAST_RETRY)  # push everything first: the pull alone is on trial
    fake.pull = HOSTILE_PULLS[case]
    before = snapshot(village)
    with pytest.raises(BadServerResponse):
        sync_now(village, retry=FAST_RETRY)
    assert snapshot(village) == before


def test_items_the_ledger_refuses_are_skipped_and_recorded_not_fatal(fake, village):
    notice = {"notice_id": str(uuid.uuid4()), "reason": "duplicate_enrolment",
              "message": "重复", "event_uuid": str(uuid.uuid4()), "campaign_year": 2026,
              "payment_id": "nope", "line_id": "nope", "id_number": "340422196503120211",
              "name": "王建国"}
    fake.pull = _page(0, [{"seq": 1, "kind": "conflict", "data": notice},
                          {"seq": 2, "kind": "household", "data": GOOD_HOUSEHOLD}])
    result = sync_now(village, retry=FAST_RETRY)
    assert (result["pulled"], result["applied"], result["skipped"]) == (2, 1, 1)
    assert "本机没有的收款" in result["problems"][0]
    assert sync_status(village)["cursor"] == 10 and result["refund_tasks"] == 0
    pulled = village.conn.execute("SELECT payload FROM journal WHERE type = 'sync.pulled'"
                                  ).fetchone()
    assert len(json.loads(pulled[0])["skipped"]) == 1


def _closed_port() -> int:
    port = free_port()
    with socket.socket() as s:  # nothing listens there once this closes
        s.bind(("127.0.0.1", port))
    return port


def test_no_network_is_a_clear_message_and_changes_nothing(village):
    before = snapshot(village)
    with pytest.raises(Offline) as caught:
        sync_now(village, server_url=f"http://127.0.0.1:{_closed_port()}", retry=FAST_RETRY)
    assert "无法连接县医保服务器" in caught.value.message
    assert "数据已安全保存在本机" in caught.value.message
    assert snapshot(village) == before


def test_cli_offline_exits_1_with_one_chinese_line(village):
    path, before = village.path, snapshot(village)
    village.close()
    done = subprocess.run([sys.executable, "-m", "ui.launcher", "sync", "--db", str(path),
                           "--server", f"http://127.0.0.1:{_closed_port()}"], cwd=ROOT,
                          env=cli_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "无法连接县医保服务器" in done.stderr
    assert "Traceback" not in done.stderr
    with opened(path) as ws:
        assert snapshot(ws) == before
