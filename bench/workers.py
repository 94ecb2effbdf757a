"""Several county-server workers on one PostgreSQL: eight villages push their seasons at once.

The real ``yibao-server run --workers 2`` on a throwaway cluster (``tests/pg.py``), and as the
baseline in the same run ``--workers 1`` (fresh copies of the same villages). Eight village
databases, each holding its share of ``events`` journal events (households entered and
collected, as in ``bench.syncing``), enrol; then eight processes (eight village computers) run
``sync_now`` at the same moment. The first two villages both hold the same households (the same
ID numbers): one of them must win every such person and the other get the conflicts.

The figure is the events stored per second of wall time, from the start signal until the last
village finished. Afterwards exactly-once is checked against the database: each device's stored
events are its journal, seq for seq; no person is claimed twice; each shared person has one
claim and one conflict; every event sent again is answered ``duplicate``; and the server's
access log holds no 5xx. A run that fails any of these has no value.
"""

from __future__ import annotations

import multiprocessing
import queue
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import func, select, text

from app.domain.synthetic import VillageGenerator
from app.services.base.workspace import init_database, open_workspace
from app.services.exchange.county import enrol_device, sync_now
from app.services.village.books import register_book
from app.services.village.campaigns import load_policy
from bench.dataset import LAST_YEAR, PASSPHRASE, policy_for
from bench.metrics import Metric, progress, stopwatch, unmeasured
from bench.syncing import ROOT, County, season
from server.admin import allocate_book, device_events
from server.enrol import create_enrol_code
from server.kernel import open_server
from server.schema import claims, conflicts
from sync.client import SyncClient
from sync.protocol import MAX_BATCH, Head, PushRequest
from sync.state import load_state, pending_events
from tests.pg import PgCluster, find_bin_dir, free_port

NAME = "sync_push_multiworker_postgresql"
TARGET = 10_000.0  # events/s, all workers together
CLERK = "李会计"
SERIES = "皖医保"
DEVICES = 8
WORKERS = 2
SHARED_HOUSEHOLDS = 5  # on the first two villages' rosters alike
BOOK = 5_000  # receipt numbers per village
SERVER_LOG = "server-workers.log"
STATUS = re.compile(r'"(?:GET|POST) [^"]*" (\d{3})')


@dataclass(frozen=True)
class _Village:
    code: str
    db: Path
    device_id: str = ""


def run(workdir: Path, *, events: int, seed: int) -> list[Metric]:
    """``events`` in all, shared out over the eight villages; pushed to ``--workers 1`` (the
    baseline, in the same run) and then, from fresh copies, to ``--workers 2``."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        return [unmeasured(NAME, "events/s", TARGET,
                           "no PostgreSQL binaries (initdb, pg_ctl) on this machine",
                           better="higher")]
    templates = [_build(workdir / "templates" / f"village-{i}", i, events // DEVICES, seed)
                 for i in range(DEVICES)]
    try:
        single = _measure(bin_dir, workdir / "workers-1", templates, 1, seed)
        many = _measure(bin_dir, workdir / f"workers-{WORKERS}", templates, WORKERS, seed)
    except RuntimeError as exc:
        return [unmeasured(NAME, "events/s", TARGET, f"the run did not complete: {exc}",
                           better="higher")]
    note = (f"{DEVICES} village processes run sync_now at once against yibao-server "
            f"--workers {WORKERS} on one PostgreSQL (throwaway cluster, fsync=off like the sync "
            "tests), loopback HTTP, every county check on; clients, workers and PostgreSQL share "
            "this machine's cores; exactly-once and no 5xx checked after the run, for the "
            "baseline too")
    detail = {**many, "baseline_exactly_once": single["exactly_once"],
              "baseline_http_5xx": single["http_5xx"]}
    right = all(d["exactly_once"] and not d["http_5xx"] for d in (single, many))
    return [Metric(NAME, many["events_per_second"] if right else None, "events/s", TARGET,
                   better="higher", note=note if right else "exactly-once or no-5xx FAILED: "
                   + note, baseline=single["events_per_second"],
                   baseline_label="the same eight villages pushing at once to --workers 1, "
                                  "same run (events/s)", detail=detail)]


def _measure(bin_dir: Path, folder: Path, templates: list[_Village], workers: int,
             seed: int) -> dict[str, Any]:
    """Fresh copies of the villages push at once to ``--workers`` on a fresh cluster."""
    villages = []
    for v in templates:
        copy = folder / v.db.parent.name / v.db.name
        copy.parent.mkdir(parents=True)
        for source in (v.db, v.db.with_name(v.db.name + ".key")):
            shutil.copyfile(source, copy.parent / source.name)
        villages.append(_Village(v.code, copy))
    cluster = PgCluster(bin_dir).start()
    try:
        with _county(cluster.create_database("bench_workers"), folder, workers) as county:
            villages = [_enrol(county, v, i) for i, v in enumerate(villages)]
            empty = _database_bytes(county)
            results, seconds = _push_at_once(villages, workers)
            grown = _database_bytes(county) - empty
            check = _exactly_once(county, villages, seed)
    finally:
        cluster.stop()
    pushed = sum(r["pushed"] for r in results)
    # A 503 is retried by the laptops, so only the server's log tells it happened.
    codes = STATUS.findall((folder / SERVER_LOG).read_text(encoding="utf-8", errors="replace"))
    return {"events": pushed, "devices": DEVICES, "workers": workers, "seconds": seconds,
            "events_per_second": pushed / seconds, "database_bytes_per_event": grown / pushed,
            "requests": len(codes), "http_5xx": sum(1 for c in codes if c.startswith("5")),
            **check}


@contextmanager
def _county(db_url: str, workdir: Path, workers: int) -> Iterator[County]:
    """``yibao-server run --workers N`` on a free loopback port, stopped afterwards."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = workdir / SERVER_LOG
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "run", "--db-url", db_url, "--host",
             "127.0.0.1", "--port", str(port), "--workers", str(workers),
             "--log-level", "info"],  # the access lines: every status code answered
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"county server did not start: {log_path.read_text()[-2000:]}")
            try:
                if requests.get(f"{url}/v1/health", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        yield County(url, db_url)
    finally:
        proc.terminate()  # the supervisor stops its workers
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _database_bytes(county: County) -> int:
    """The county database's size on disk (what the events, claims, feed and indexes add to
    it sizes PostgreSQL for a province, docs/DEPLOYMENT.md)."""
    srv = open_server(county.db_url)
    try:
        with srv.engine.connect() as conn:
            return int(conn.execute(text("SELECT pg_database_size(current_database())"))
                       .scalar_one())
    finally:
        srv.close()


def _generator(i: int, seed: int) -> VillageGenerator:
    # Each village its own county code in the ID numbers, so no two collide by chance.
    return VillageGenerator(seed=seed + i, area_code=f"3404{31 + i:02d}")


def _build(folder: Path, i: int, events: int, seed: int) -> _Village:
    """A village database with about ``events`` journal events, none sent yet."""
    code = f"34043000{i + 1:02d}"
    progress(f"workers: building village {i + 1}/{DEVICES} ({events} events)")
    db = folder / "village.db"
    init_database(db, user=CLERK, role="collector", passphrase=PASSPHRASE, village=code)
    own = _generator(i, seed)
    shared = _generator(DEVICES, seed)  # the same households, in villages 1 and 2 only
    with open_workspace(db, user=CLERK, passphrase=PASSPHRASE) as ws:
        load_policy(ws, policy_for(LAST_YEAR))
        register_book(ws, series=SERIES, first=1 + i * BOOK, last=(i + 1) * BOOK)
        season(ws, events, lambda number: (
            shared if i < 2 and number <= SHARED_HOUSEHOLDS else own
        ).household(f"{code}{number:04d}"))
    return _Village(code, db)


def _enrol(county: County, village: _Village, i: int) -> _Village:
    srv = open_server(county.db_url)
    try:
        code = str(create_enrol_code(srv, village=village.code)["code"])
        with open_workspace(village.db, user=CLERK, passphrase=PASSPHRASE) as ws:
            enrol_device(ws, server_url=county.url, code=code)
            device_id = ws.device_id
        # The county accepts receipts only from a book it allocated to this very device.
        allocate_book(srv, village=village.code, collector=CLERK, series=SERIES,
                      first=1 + i * BOOK, last=(i + 1) * BOOK, device_id=device_id)
    finally:
        srv.close()
    return _Village(village.code, village.db, device_id)


def _device(db: Path, ready: Any, go: Event, answers: Any) -> None:
    """One village computer: open the database, wait for the signal, sync (a failure is
    answered too, so the run stops instead of waiting for it)."""
    with open_workspace(db, user=CLERK, passphrase=PASSPHRASE) as ws:
        ready.put(str(db))
        go.wait(timeout=300)
        try:
            answers.put(sync_now(ws))
        except Exception as exc:  # noqa: BLE001 - reported by the parent
            answers.put({"error": repr(exc)})


def _push_at_once(villages: list[_Village],
                  workers: int) -> tuple[list[dict[str, Any]], float]:
    progress(f"workers: {DEVICES} villages push at once to {workers} worker(s)")
    spawn = multiprocessing.get_context("spawn")
    ready, answers, go = spawn.Queue(), spawn.Queue(), spawn.Event()
    procs = [spawn.Process(target=_device, args=(v.db, ready, go, answers)) for v in villages]
    for p in procs:
        p.start()
    try:
        waiting = len(procs)
        deadline = time.monotonic() + 300
        while waiting:
            # A village that died before it was ready must not leave the run waiting.
            if any(p.exitcode is not None for p in procs) or time.monotonic() > deadline:
                raise RuntimeError("a village process did not get ready to sync")
            try:
                ready.get(timeout=1)
                waiting -= 1
            except queue.Empty:
                continue
        with stopwatch() as took:
            go.set()
            results = [answers.get(timeout=600) for _ in procs]
        seconds = took()
        failed = [r["error"] for r in results if "error" in r]
        if failed:
            raise RuntimeError(f"a village's sync failed: {failed[0]}")
    finally:
        for p in procs:
            p.join(timeout=60)
            if p.is_alive():
                p.kill()
    return results, seconds


def _exactly_once(county: County, villages: list[_Village], seed: int) -> dict[str, Any]:
    """What the database holds after the run, and the answers to every event sent again."""
    progress("workers: checking exactly-once")
    shared = _generator(DEVICES, seed)
    shared_ids = {p.id_number for n in range(1, SHARED_HOUSEHOLDS + 1)
                  for p in shared.household(f"x{n}").members}
    srv = open_server(county.db_url)
    held_right = True
    duplicates = resent = 0
    try:
        for v in villages:
            with open_workspace(v.db, user=CLERK, passphrase=PASSPHRASE) as ws:
                rows = [(int(s), u, h) for s, u, h in
                        ws.conn.execute("SELECT seq, uuid, hash FROM journal ORDER BY seq")]
                held_right &= device_events(srv, v.device_id) == rows
                statuses = _resend(county, ws)
            resent += len(statuses)
            duplicates += statuses.count("duplicate")
        with srv.engine.connect() as conn:
            twice = conn.execute(select(func.count()).select_from(
                select(claims.c.id_number).group_by(claims.c.campaign_year, claims.c.id_type,
                                                    claims.c.id_number)
                .having(func.count() > 1).subquery())).scalar_one()
            total_claims = conn.execute(select(func.count()).select_from(claims)).scalar_one()
            per_person = conn.execute(
                select(conflicts.c.id_number, func.count()).group_by(conflicts.c.id_number)).all()
            claimed_shared = conn.execute(select(func.count()).select_from(claims).where(
                claims.c.id_number.in_(shared_ids))).scalar_one()
    finally:
        srv.close()
    conflict_rows = sum(n for _, n in per_person)
    one_conflict_each = dict(per_person) == dict.fromkeys(shared_ids, 1)
    exactly_once = (held_right and twice == 0 and duplicates == resent
                    and claimed_shared == len(shared_ids) and one_conflict_each)
    return {"duplicates": duplicates, "resent": resent, "claims": total_claims,
            "conflicts": conflict_rows, "shared_persons": len(shared_ids),
            "exactly_once": exactly_once}


def _resend(county: County, ws: Any) -> list[str]:
    """Every event of the journal pushed again; the statuses answered."""
    client = SyncClient(county.url, device_id=ws.device_id, signing_key=ws.signing_key(),
                        server_sign_key=load_state(ws.conn).server_sign_key)
    statuses: list[str] = []
    with client:
        after = 0
        while batch := pending_events(ws.conn, after, MAX_BATCH):
            answer = client.push(PushRequest(head=Head(seq=batch[-1].seq, hash=batch[-1].hash),
                                             events=batch))
            statuses.extend(r.status for r in answer.results)
            after = batch[-1].seq
    return statuses
