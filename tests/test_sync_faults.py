"""Sync under a hostile network and a client killed at random: nothing lost, nothing twice.

A small threaded proxy on loopback sits between the village and the real county server and,
for each request: duplicates 10 % of them, cuts 5 % off mid-body on the way in, drops 30 % of
responses after the server has committed, and cuts 10 % of responses off mid-body. The
village runs the real `yibao sync` CLI in a subprocess that is SIGKILLed at random moments.
After recovery the server holds every event exactly once and the village has 0 pending.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from app.services.exchange.county import sync_now, sync_status
from app.services.upkeep.verify import verify_workspace
from app.services.village.collect import collect_household
from server.admin import device_events
from server.kernel import open_server
from tests.conftest import ROOT
from tests.test_sync_support import (
    FAST_RETRY,
    T0,
    CountyServer,
    cli_env,
    enrol,
    journal_rows,
    new_village,
    opened,
    publish_county_data,
)

VILLAGE = "3404220010"
MAX_HEAD = 64 * 1024
FORCED = {2: "duplicate", 3: "drop", 4: "cut_response", 5: "cut_request"}


def _read_message(sock: socket.socket) -> bytes | None:
    """One HTTP/1.1 message with a Content-Length body (what requests and uvicorn send)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk or len(data) > MAX_HEAD:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        body += chunk
    return head + b"\r\n\r\n" + body


def _close_after(head: bytes) -> bytes:
    """Ask for Connection: close so one request maps to one upstream connection."""
    lines = [ln for ln in head.split(b"\r\n") if not ln.lower().startswith(b"connection:")]
    return b"\r\n".join([*lines, b"Connection: close"])


class FaultProxy:
    def __init__(self, upstream_port: int, seed: int) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        self.listener.close()

    def _roll(self) -> float:
        with self.lock:
            return self.rng.random()

    def _count(self, what: str) -> None:
        with self.lock:
            self.counts[what] += 1

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _forward(self, request: bytes, *, cut: bool = False) -> bytes | None:
        with socket.create_connection(self.upstream, timeout=30) as up:
            if cut:
                up.sendall(request[: max(1, len(request) - 40)])
                return None
            up.sendall(request)
            chunks = []
            while True:
                chunk = up.recv(65536)
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(30)
            try:
                message = _read_message(conn)
                if message is None:
                    return
                head, _, body = message.partition(b"\r\n\r\n")
                request = _close_after(head) + b"\r\n\r\n" + body
                with self.lock:
                    self.counts["requests"] += 1
                    # Each fault once early on, so a short run still meets all of them.
                    forced = FORCED.get(self.counts["requests"])
                if forced == "cut_request" or (forced is None and self._roll() < 0.05):
                    self._count("cut_request")
                    self._forward(request, cut=True)
                    return
                response = self._forward(request)
                if forced == "duplicate" or (forced is None and self._roll() < 0.10):
                    self._count("duplicated")
                    second = self._forward(request)
                    if self._roll() < 0.5:
                        response = second
                roll = self._roll() if forced is None else 1.0
                if forced == "drop" or roll < 0.30:
                    self._count("dropped_response")
                    return
                if (forced == "cut_response" or roll < 0.40) and response:
                    self._count("cut_response")
                    conn.sendall(response[: len(response) // 2])
                    return
                conn.sendall(response or b"")
            except OSError:
                self._count("socket_error")


def _sync_cli(db: Path, url: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "ui.launcher", "sync", "--db", str(db),
                             "--server", url, "--json"], cwd=ROOT, env=cli_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _kill_at_random(db: Path, url: str, rng: random.Random, kills: int) -> int:
    """Start sync and SIGKILL it after a random delay; returns how many died mid-run."""
    mid_run = 0
    for _ in range(kills):
        proc = _sync_cli(db, url)
        time.sleep(rng.uniform(0.4, 2.5))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            mid_run += 1
        proc.communicate(timeout=30)
    return mid_run


def _recover(db: Path, url: str, *, attempts: int = 12, budget: float = 150.0) -> dict:
    """Run sync until it succeeds; bounded in count and time."""
    deadline = time.monotonic() + budget
    last = ""
    for _ in range(attempts):
        if time.monotonic() > deadline:
            break
        proc = _sync_cli(db, url)
        out, err = proc.communicate(timeout=120)
        if proc.returncode == 0:
            return json.loads(out)
        last = err
    raise AssertionError(f"sync did not recover: {last}")


def _assert_exactly_once(server: CountyServer, db: Path) -> int:
    with opened(db) as ws:
        ours = journal_rows(ws)
        assert sync_status(ws)["pending"] == 0
        assert verify_workspace(ws).ok
        device = ws.device_id
    srv = open_server(server.db_url)
    try:
        held = device_events(srv, device)
    finally:
        srv.close()
    assert held == ours  # every event, once, in order, same hashes
    return len(ours)


@pytest.fixture
def county(tmp_path: Path):
    server = CountyServer(f"sqlite:///{tmp_path / 'county.db'}", tmp_path / "server").start()
    yield server
    server.stop()


def test_lossy_duplicating_network_and_killed_client_lose_nothing_and_count_nothing_twice(
        county, tmp_path):
    roster = publish_county_data(county, tmp_path, village=VILLAGE, households=120, seed=7)
    db = new_village(tmp_path, "v", VILLAGE)
    with opened(db) as ws:
        enrol(ws, county, VILLAGE)
    rng = random.Random(20261123)
    with FaultProxy(county.port, seed=7) as proxy:
        # Phase 1: the first sync pulls the whole roster (~120 pages' worth of ledger writes)
        # and pushes everything it journaled, killed at random along the way.
        killed = _kill_at_random(db, proxy.url, rng, kills=4)
        _recover(db, proxy.url)
        events_1 = _assert_exactly_once(county, db)
        with opened(db) as ws:
            assert ws.conn.execute("SELECT count(*) FROM households").fetchone()[0] == 120
            for hh in roster["households"][:40]:
                collect_household(ws, household_no=hh["household_no"], tier_code="1", now=T0)
        # Phase 2: collections made offline, pushed through the same faults and kills.
        killed += _kill_at_random(db, proxy.url, rng, kills=3)
        final = _recover(db, proxy.url)
        events_2 = _assert_exactly_once(county, db)
        faults = dict(proxy.counts)
    assert final["pending"] == 0 and events_2 == events_1 + 40
    assert killed >= 2, "the client should have been killed mid-sync at least twice"
    for kind in ("dropped_response", "duplicated", "cut_response", "cut_request"):
        assert faults.get(kind, 0) > 0, faults
    stats = county.admin("stats")
    assert stats["events"] == events_2 and stats["events_by_status"] == {"accepted": events_2}
    print(f"\nfault test: {faults}, killed mid-sync {killed}, events {events_2}, "
          f"server saw duplicates {stats['duplicates_seen']}, pushes {stats['pushes']}")


def test_server_restored_from_an_older_backup_gets_the_lost_events_again(county, tmp_path):
    db = new_village(tmp_path, "v", VILLAGE)
    publish_county_data(county, tmp_path, village=VILLAGE, households=3, seed=8)
    server_db = Path(county.db_url.removeprefix("sqlite:///"))
    with opened(db) as ws:
        enrol(ws, county, VILLAGE)
        sync_now(ws, retry=FAST_RETRY)
        backup = tmp_path / "county-backup.db"
        with sqlite3.connect(server_db) as src, sqlite3.connect(backup) as dst:
            src.backup(dst)
        for i in range(3):
            # Events the server acknowledges and then loses with the restore.
            from app.services.village.roster import update_household
            update_household(ws, f"{VILLAGE}000{i + 1}", phone=f"1390000000{i}")
        assert sync_now(ws, retry=FAST_RETRY)["pushed"] == 3
        county.stop()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{server_db}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(backup, server_db)
        county.start()
        update_household(ws, f"{VILLAGE}0001", phone="13900000009")
        again = sync_now(ws, retry=FAST_RETRY)
        assert again["pushed"] == 4 and again["pending"] == 0
        ours = journal_rows(ws)
        device = ws.device_id
    srv = open_server(county.db_url)
    try:
        assert device_events(srv, device) == ours
    finally:
        srv.close()
