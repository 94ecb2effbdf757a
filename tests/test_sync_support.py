"""Shared pieces of the sync tests (no tests here): a real county server process, villages.

Villages are real encrypted databases built with the ledger services; the server is the real
`yibao-server run` in a subprocess on 127.0.0.1 and a free port; admin commands go through
the real `server.cli.main`. Times are fixed inside the 2026 collection window so nothing
depends on today's date.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from app.domain.roster import parse_relation
from app.domain.synthetic import VillageGenerator
from app.services.base.workspace import Workspace, init_database, open_workspace
from server import cli as server_cli
from sync.client import RetryPolicy
from tests.conftest import PASSPHRASE, ROOT
from tests.pg import free_port

POLICY = ROOT / "tests" / "data" / "policy-two-tier.json"
T0 = datetime(2026, 10, 15, 2, 0, tzinfo=UTC)  # 10:00 in Beijing, inside the window
SERIES = "皖医保"
FAST_RETRY = RetryPolicy(attempts=4, base_seconds=0.05, cap_seconds=0.2, budget_seconds=15)


class CountyServer:
    """`yibao-server run` in a subprocess; stopped (and its log kept) by ``stop``."""

    def __init__(self, db_url: str, workdir: Path, *,
                 tls: tuple[Path, Path] | None = None, args: tuple[str, ...] = ()) -> None:
        self.db_url = db_url
        self.args = args  # more `run` options, e.g. ("--workers", "2")
        self.workdir = workdir
        self.port = free_port()
        self.tls = tls
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.log_path = workdir / f"server-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> CountyServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        tls = ["--ssl-certfile", str(self.tls[0]), "--ssl-keyfile", str(self.tls[1])] \
            if self.tls else []
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "server.cli", "run", "--db-url", self.db_url,
                 "--host", "127.0.0.1", "--port", str(self.port), *tls, *self.args],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
            try:
                verify = str(self.tls[0]) if self.tls else True
                if requests.get(f"{self.url}/v1/health", timeout=1,
                                verify=verify).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("server did not become healthy in 30 s")

    def admin(self, *args: str) -> Any:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = server_cli.main(["admin", *args, "--db-url", self.db_url, "--json"])
        text = out.getvalue()
        if code != 0:
            raise RuntimeError(f"admin {args[0]} failed: {text}")
        return json.loads(text)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def roster_json(village: str, households: int, *, seed: int,
                shared: list[dict] | None = None) -> dict[str, Any]:
    """A county roster for one village; ``shared`` persons are appended to the first household
    (the same person on two villages' rosters, which is how 重复参保 happens)."""
    gen = VillageGenerator(seed=seed)
    out = []
    for hh in gen.village(village, households, newborns=1):
        # Birth-certificate numbers restart in every generator: make them the village's own.
        persons = [{"name": p.name, "id_type": p.id_type,
                    "id_number": p.id_number if p.id_type == "01" else f"P{village}{p.id_number}",
                    "relation": parse_relation(p.relation),
                    "residence": p.residence, "sex": p.sex,
                    "birth_date": p.birth_date.isoformat(), "ethnicity": p.ethnicity,
                    "categories": [{"category": c, "source": "民政"} for c in p.categories]}
                   for p in hh.members]
        out.append({"household_no": hh.household_no, "group": hh.group,
                    "head_name": hh.head.name, "phone": hh.phone, "persons": persons})
    if shared:
        out[0]["persons"].extend(shared)
    return {"village": village, "households": out}


def publish_county_data(server: CountyServer, tmp: Path, *, village: str, households: int,
                        seed: int, collector: str = "李会计", first: int = 1,
                        shared: list[dict] | None = None) -> dict[str, Any]:
    """Policy, roster and a receipt book for one village, through the real admin CLI."""
    server.admin("publish-policy", str(POLICY))
    roster = roster_json(village, households, seed=seed, shared=shared)
    path = tmp / f"roster-{village}.json"
    path.write_text(json.dumps(roster, ensure_ascii=False), encoding="utf-8")
    server.admin("load-roster", str(path))
    server.admin("allocate-book", "--village", village, "--collector", collector,
                 "--series", SERIES, "--first", str(first), "--last", str(first + 499))
    return roster


def new_village(tmp: Path, name: str, village: str, user: str = "李会计") -> Path:
    path = tmp / name / "yibao.db"
    init_database(path, user=user, role="collector", passphrase=PASSPHRASE, village=village)
    return path


@contextlib.contextmanager
def opened(path: Path) -> Iterator[Workspace]:
    ws = open_workspace(path, user=None, passphrase=PASSPHRASE)
    try:
        yield ws
    finally:
        ws.close()


def enrol(ws: Workspace, server: CountyServer, village: str) -> dict[str, Any]:
    from app.services.exchange.county import enrol_device

    code = server.admin("enrol-code", "--village", village)["code"]
    return enrol_device(ws, server_url=server.url, code=code, retry=FAST_RETRY)


def journal_rows(ws: Workspace) -> list[tuple[int, str, str]]:
    return [(int(s), u, h) for s, u, h in
            ws.conn.execute("SELECT seq, uuid, hash FROM journal ORDER BY seq")]


def snapshot(ws: Workspace) -> dict[str, Any]:
    """What must not change when a sync fails: the journal head and the sync state."""
    return {"journal": journal_rows(ws)[-1],
            "state": dict(ws.conn.execute("SELECT key, value FROM sync_state").fetchall()),
            "households": ws.conn.execute("SELECT count(*) FROM households").fetchone()[0]}


def cli_env() -> dict[str, str]:
    return {**os.environ, "YIBAO_FAST_KDF": "1", "YIBAO_PASSPHRASE": PASSPHRASE}
