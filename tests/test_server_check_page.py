"""The payer's check page (GET /r/{QR text}) in a real headless Chromium, one state each.

A real village collects, voids and refunds through the ledger services and syncs to the real
county server on loopback; the receipt codes are made the way the device makes them
(``receipts.qr``, version 2 with the payment's journal seq and previous hash). Chromium
(Debian's ``chromium``) loads each page: ``--dump-dom`` for the text, ``--screenshot`` for
the picture. Set ``YIBAO_SCREENSHOT_DIR=docs/images`` to refresh the screenshots in the docs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from app.domain.idcard import mask_name
from app.services.exchange.county import sync_now
from app.services.village.books import void_receipt
from app.services.village.collect import collect_household
from app.services.village.refunds import refund_line
from receipts.qr import receipt_fields, sign_qr
from server.app import create_app
from server.kernel import open_server
from tests.test_server_integration import VILLAGE_A
from tests.test_sync_support import (
    FAST_RETRY,
    T0,
    CountyServer,
    enrol,
    new_village,
    opened,
    publish_county_data,
)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _payments(ws: Any) -> dict[str, tuple[int, str, dict[str, Any]]]:
    """payment_id → (seq, prev_hash, payload) from the village's own journal."""
    return {json.loads(p)["payment_id"]: (int(s), h, json.loads(p)) for s, h, p in ws.conn.execute(
        "SELECT seq, prev_hash, payload FROM journal WHERE type = 'payment.collected'")}


def _qr(ws: Any, seq: int, prev_hash: str, p: dict[str, Any], *, key: Ed25519PrivateKey | None
        = None, chain: bool = True, **changes: Any) -> str:
    fields = receipt_fields(
        device_id=ws.device_id, series=p["receipt"]["series"],
        number=p["receipt"]["label"].split()[-1], household_no=p["household"]["no"],
        payer_name=p["household"]["head"], total_fen=p["amount_fen"],
        member_count=len(p["lines"]), benefit_year=p["benefit_year"],
        issued_at=datetime.fromisoformat(p["collected_at"]), method=p["method"],
        **({"journal_seq": seq, "prev_hash": prev_hash} if chain else {}))
    fields.update(changes)
    return sign_qr(fields, key or ws.signing_key())


def _chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--no-first-run",
         "--disable-dev-shm-usage", f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=90)


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A county with one village's receipts in every state; yields (server, codes)."""
    tmp = tmp_path_factory.mktemp("check")
    server = CountyServer(f"sqlite:///{tmp / 'county.db'}", tmp / "server").start()
    try:
        roster = publish_county_data(server, tmp, village=VILLAGE_A, households=6, seed=31)
        nos = [h["household_no"] for h in roster["households"]]
        with opened(new_village(tmp, "a", VILLAGE_A)) as ws:
            enrol(ws, server, VILLAGE_A)
            sync_now(ws, retry=FAST_RETRY)
            done = [collect_household(ws, household_no=no, tier_code="1", now=T0)
                    for no in nos[:4]]
            void_receipt(ws, done[1].receipt_no, reason="打印错位", now=T0)
            for line in done[2].lines:
                refund_line(ws, receipt_no=done[2].receipt_no, id_number=line.id_number,
                            reason="duplicate", now=T0)
            sync_now(ws, retry=FAST_RETRY)
            late = collect_household(ws, household_no=nos[4], tier_code="1", now=T0)
            paid = _payments(ws)
            by = {name: paid[d.payment_id] for name, d in
                  zip(("recorded", "voided", "refunded", "other", "late"), [*done, late],
                      strict=True)}
            codes = {
                "recorded": _qr(ws, *by["recorded"]),
                "recorded_v1": _qr(ws, *by["recorded"], chain=False),
                "voided": _qr(ws, *by["voided"]),
                "refunded": _qr(ws, *by["refunded"]),
                "not_uploaded": _qr(ws, *by["late"]),
                # Genuinely signed, but not what the county holds: the amount, the position.
                "mismatch": _qr(ws, *by["other"], total_fen=by["other"][2]["amount_fen"] + 100),
                "mismatch_pin": _qr(ws, *by["other"], prev_hash16="0" * 16),
                "forged": _qr(ws, *by["other"], key=Ed25519PrivateKey.generate()),
            }
            heads = {name: by[key][2]["household"]["head"] for name, key in (
                ("recorded", "recorded"), ("recorded_v1", "recorded"), ("voided", "voided"),
                ("refunded", "refunded"), ("not_uploaded", "late"), ("mismatch", "other"),
                ("mismatch_pin", "other"), ("forged", "other"))}
        yield server, codes, heads
    finally:
        server.stop()


EXPECTED = {"recorded": ("recorded", "已入账"), "recorded_v1": ("recorded", "已入账"),
            "voided": ("voided", "已作废"), "refunded": ("refunded", "已退费"),
            "not_uploaded": ("not_uploaded", "尚未上传"),
            "mismatch": ("mismatch", "与县医保记录不符"),
            "mismatch_pin": ("mismatch", "与县医保记录不符"),
            "forged": ("mismatch", "与县医保记录不符")}


def test_each_state_over_http(checked):
    server, codes, heads = checked
    for name, (state, label) in EXPECTED.items():
        payer = heads[name]
        resp = requests.get(f"{server.url}/r/{quote(codes[name], safe='')}", timeout=10)
        assert resp.status_code == 200, (name, resp.text)
        assert f'data-state="{state}"' in resp.text and label in resp.text, name
        assert resp.headers["content-type"].startswith("text/html")
        assert resp.headers["cache-control"] == "no-store"
        # Only what the paper shows: the name masked, no ID number, no household number.
        assert payer not in resp.text and mask_name(payer) in resp.text
    for garbage in ("x", "YB2:", "YB1:abc.def", "YB2:" + "A" * 3000, "%00%ff", "YB9:a.b"):
        resp = requests.get(f"{server.url}/r/{quote(garbage, safe='')}", timeout=10)
        assert 400 <= resp.status_code < 500, garbage


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_each_state_in_headless_chromium(checked, tmp_path):
    server, codes, heads = checked
    shots = Path(os.environ.get("YIBAO_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    shown = {"recorded": "recorded", "not_uploaded": "not_uploaded", "voided": "voided",
             "refunded": "refunded", "mismatch": "mismatch"}
    for name, (state, label) in EXPECTED.items():
        url = f"{server.url}/r/{quote(codes[name], safe='')}"
        dom = _chromium(["--dump-dom", url], tmp_path / "profile")
        assert dom.returncode == 0, dom.stderr[-2000:]
        assert f'data-state="{state}"' in dom.stdout and label in dom.stdout, name
        assert "票据号码" in dom.stdout and "年度" in dom.stdout
        assert heads[name] not in dom.stdout
        if name in shown:
            png = shots / f"check-page-{shown[name].replace('_', '-')}.png"
            shot = _chromium(["--window-size=480,640", "--hide-scrollbars",
                              f"--screenshot={png}", url], tmp_path / "profile")
            assert shot.returncode == 0, shot.stderr[-2000:]
            data = png.read_bytes()
            assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_garbage_tokens_are_4xx_and_checks_are_rate_limited(tmp_path):
    srv = open_server(f"sqlite:///{tmp_path / 'county.db'}")
    try:
        client = TestClient(create_app(srv, check_rate=(6, 0.001)))
        for token in ("YB1:", "YB1:..", "YB2:%E2%80%8B.x", "YB1:" + "_" * 600 + "." + "-" * 86,
                      "%ED%A0%80", "YB1:eyJkIjoiXHVkODAwIn0.AAAA"):
            resp = client.get(f"/r/{token}")
            assert resp.status_code == 400 and "无法识别" in resp.text, token
        resp = client.get("/r/x")
        assert resp.status_code == 429 and "查询过于频繁" in resp.text
        client.close()
    finally:
        srv.close()
