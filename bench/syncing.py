"""Sync with the reference county server on loopback: push of a season's events, roster pull.

The server is the real ``yibao-server run`` (uvicorn) in a subprocess on 127.0.0.1, on an
SQLite file and on a throwaway PostgreSQL cluster (``tests/pg.py``, the sync tests' helper)
when PostgreSQL's binaries are installed. The county's side (policy, roster, book, enrolment
code) is set up through ``server.admin``, as the admin CLI does.

Push: a large village (about 1,600 households, 5,000 persons) whose whole season sits in the
journal — roster entered household by household, every household collected and its receipt
printed — about 10,000 events, sent by one ``sync_now``. Pull: a fresh village database
enrols and runs ``sync_now`` against a 60,000-person roster; the time is what the clerk waits:
download and apply every page, then upload the events that applying them recorded.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import Column, MetaData, Table, select

from app.domain.roster import parse_relation
from app.domain.synthetic import SyntheticHousehold, VillageGenerator
from app.services.base.workspace import Workspace, init_database, open_workspace
from app.services.exchange.county import SyncProgress, enrol_device, sync_now
from app.services.village import roster
from app.services.village.books import mark_printed, register_book
from app.services.village.campaigns import load_policy
from app.services.village.collect import collect_household
from bench.dataset import LAST_YEAR, PASSPHRASE, policy_for
from bench.metrics import Metric, in_own_process, progress, stopwatch, unmeasured
from db import journal
from db.connection import tx
from server.admin import allocate_book, load_roster, publish_policy
from server.enrol import create_enrol_code
from server.kernel import open_server
from server.schema import events, make_engine
from sync.protocol import HouseholdData
from tests.pg import PgCluster, find_bin_dir, free_port

PUSH_TARGET = 10_000.0  # events/s: a 10,000-event season uploads in a second
PUSH_RUNS = 3
PULL_TARGET_S = 10.0  # a 60,000-person roster applied in 10 s
CLERK = "李会计"
PUSH_VILLAGE = "3404240001"
PULL_VILLAGE = "3404240002"
MOMENT = datetime(LAST_YEAR, 10, 15, 2, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class County:
    url: str  # the HTTP base address the villages use
    db_url: str  # the server's store, for the county's admin actions


def run(workdir: Path, *, events: int, persons: int, seed: int) -> list[Metric]:
    push_db = _push_village(workdir / "push-template", events, seed)
    metrics = [_push(lambda i: f"sqlite:///{workdir / f'county-push-{i}.db'}", push_db,
                     workdir, "sqlite")]
    with _county(f"sqlite:///{workdir / 'county.db'}", workdir) as county:
        metrics.append(_pull(county, workdir / "pull-sqlite", persons, seed))
    bin_dir = find_bin_dir()
    if bin_dir is None:
        metrics.append(unmeasured("sync_push_postgresql", "events/s", PUSH_TARGET,
                                  "no PostgreSQL binaries (initdb, pg_ctl) on this machine",
                                  better="higher"))
        return metrics
    try:
        cluster = PgCluster(bin_dir).start()
    except RuntimeError as exc:
        metrics.append(unmeasured("sync_push_postgresql", "events/s", PUSH_TARGET,
                                  f"throwaway PostgreSQL did not start: {exc}", better="higher"))
        return metrics
    try:
        metrics.append(_push(lambda i: cluster.create_database(f"bench_county_{i}"), push_db,
                             workdir, "postgresql"))
    finally:
        cluster.stop()
    return metrics


@contextmanager
def _county(db_url: str, workdir: Path) -> Iterator[County]:
    """``yibao-server run`` on a free loopback port, stopped afterwards."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = workdir / f"server-{port}.log"
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "run", "--db-url", db_url, "--host",
             "127.0.0.1", "--port", str(port)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(proc, url, log_path)
        yield County(url, db_url)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _wait_healthy(proc: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"county server exited: {log_path.read_text()[-2000:]}")
        try:
            if requests.get(f"{url}/v1/health", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError("county server did not become healthy in 30 s")


def _enrolment_code(county: County, village: str) -> str:
    srv = open_server(county.db_url)
    try:
        return str(create_enrol_code(srv, village=village)["code"])
    finally:
        srv.close()


def _new_village(db: Path, village: str) -> Workspace:
    init_database(db, user=CLERK, role="collector", passphrase=PASSPHRASE, village=village)
    return open_workspace(db, user=CLERK, passphrase=PASSPHRASE)


def _push_village(folder: Path, events: int, seed: int) -> Path:
    """A village database holding about ``events`` journal events, none sent yet."""
    progress(f"sync: building a village with {events} events to push")
    db = folder / "village.db"
    gen = VillageGenerator(seed=seed, area_code="340424")
    with _new_village(db, PUSH_VILLAGE) as ws:
        load_policy(ws, policy_for(LAST_YEAR))
        register_book(ws, series="皖医保", first=1, last=9_999)
        season(ws, events, lambda number: gen.household(f"{PUSH_VILLAGE}{number:04d}"))
    return db


def season(ws: Workspace, events: int, household: Callable[[int], SyntheticHousehold]) -> None:
    """A village's season in its journal until it holds ``events`` events, in one
    transaction: household ``number`` (1, 2, …) entered member by member, collected and its
    receipt printed."""
    with tx(ws.conn):
        number = 0
        while journal.head(ws.conn)[0] < events:
            number += 1
            hh = household(number)
            roster.add_household(ws, household_no=hh.household_no, head_name=hh.head.name,
                                 group=hh.group, phone=hh.phone)
            for p in hh.members:
                roster.add_person(ws, household_no=hh.household_no, name=p.name,
                                  id_number=p.id_number, id_type=p.id_type,
                                  relation=p.relation, residence=p.residence, sex=p.sex,
                                  birth_date=p.birth_date, ethnicity=p.ethnicity)
            done = collect_household(ws, household_no=hh.household_no, tier_code="1",
                                     now=MOMENT)
            mark_printed(ws, done.receipt_no)


def _push(new_county: Callable[[int], str], template: Path, workdir: Path,
          backend: str) -> Metric:
    """The median of :data:`PUSH_RUNS` uploads of the same season, each by a copy of the
    village to a county of its own: one upload is a second on this machine, which a busy
    neighbour can stretch by a fifth."""
    runs = []
    for i in range(PUSH_RUNS):
        progress(f"sync: push to the county server on {backend} ({i + 1}/{PUSH_RUNS})")
        db_url = new_county(i)
        with _county(db_url, workdir) as county:
            runs.append(_push_once(county, template, workdir / f"push-{backend}-{i}"))
    pushed, conflicts, pending, seconds, bare = sorted(runs, key=lambda r: r[3])[len(runs) // 2]
    note = (f"sync_now of a village's whole season ({pending} events) to yibao-server on "
            f"{backend}, loopback HTTP, every county check on, timed in a village process "
            f"of its own; the median of {PUSH_RUNS} uploads, each to a fresh county; the "
            "baseline inserts the same event rows into a scratch table of the same database "
            "in the same run")
    if backend == "postgresql":
        note += "; the throwaway cluster runs with fsync=off like the sync tests"
    return Metric(f"sync_push_{backend}", pushed / seconds, "events/s", PUSH_TARGET,
                  better="higher", note=note, baseline=bare,
                  baseline_label=f"bare executemany of the same event rows into {backend}, "
                                 "one transaction (rows/s)",
                  detail={"events": pushed, "conflicts": conflicts, "seconds": seconds,
                          "sent_and_answered": pushed + conflicts,
                          "runs_events_per_s": [round(r[0] / r[3]) for r in runs]})


def _push_once(county: County, template: Path,
               folder: Path) -> tuple[int, int, int, float, float]:
    """(events pushed, conflicts, events pending before, seconds, the bare insert's rows/s)."""
    folder.mkdir(parents=True)
    db = folder / template.name
    for source in (template, template.with_name(template.name + ".key")):
        shutil.copyfile(source, folder / source.name)
    with open_workspace(db, user=CLERK, passphrase=PASSPHRASE) as ws:
        enrol_device(ws, server_url=county.url, code=_enrolment_code(county, PUSH_VILLAGE))
        # The county accepts receipts only from a book it allocated to this very device.
        srv = open_server(county.db_url)
        try:
            allocate_book(srv, village=PUSH_VILLAGE, collector=CLERK, series="皖医保",
                          first=1, last=9_999, device_id=ws.device_id)
        finally:
            srv.close()
        pending = journal.head(ws.conn)[0]
    # The upload runs in a process of its own, as on the laptop.
    result, seconds = in_own_process(_timed_sync, db)
    return (result["pushed"], result["conflicts"], pending, seconds,
            _bare_insert(county.db_url))


def _timed_sync(db: Path) -> tuple[dict[str, Any], float]:
    """The village laptop's side of one upload: open the database, then ``sync_now`` timed."""
    with open_workspace(db, user=CLERK, passphrase=PASSPHRASE) as ws, stopwatch() as took:
        result = sync_now(ws)
    return result, took()


def _bare_insert(db_url: str) -> float:
    """Rows/s of the driver's own executemany of the county's stored event rows into an
    empty table of the same shape, in one transaction: the database's speed, for the ratio."""
    # The same columns and primary key (a named unique constraint would clash with events').
    scratch = Table("bench_bare_events", MetaData(),
                    *[Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
                      for c in events.columns])
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = [tuple(r) for r in conn.execute(select(events))]
        scratch.create(engine)
        names = ", ".join(c.name for c in scratch.columns)
        mark = "%s" if engine.dialect.name == "postgresql" else "?"
        sql = f"INSERT INTO {scratch.name} ({names}) VALUES ({', '.join([mark] * len(rows[0]))})"
        with stopwatch() as took, engine.begin() as conn:
            conn.connection.driver_connection.cursor().executemany(sql, rows)
        seconds = took()
        scratch.drop(engine)
    finally:
        engine.dispose()
    return len(rows) / seconds


def _county_roster(persons: int, seed: int) -> list[HouseholdData]:
    gen = VillageGenerator(seed=seed + 1, area_code="340425")
    households = []
    left = persons
    while left > 0:
        hh = gen.household(f"{PULL_VILLAGE}{len(households) + 1:05d}")
        members = hh.members[:left]
        left -= len(members)
        households.append(HouseholdData.model_validate({
            "household_no": hh.household_no, "group": hh.group, "head_name": hh.head.name,
            "phone": hh.phone,
            "persons": [{"name": p.name, "id_type": p.id_type, "id_number": p.id_number,
                         "relation": parse_relation(p.relation), "residence": p.residence,
                         "sex": p.sex, "birth_date": p.birth_date.isoformat(),
                         "ethnicity": p.ethnicity,
                         "categories": [{"category": c, "source": "民政"}
                                        for c in p.categories]}
                        for p in members]}))
    return households


def _pull(county: County, folder: Path, persons: int, seed: int) -> Metric:
    progress(f"sync: pull of a {persons}-person roster")
    households = _county_roster(persons, seed)
    srv = open_server(county.db_url)
    try:
        publish_policy(srv, policy_for(LAST_YEAR))
        load_roster(srv, village=PULL_VILLAGE, households=households, employee_ids=[])
        allocate_book(srv, village=PULL_VILLAGE, collector=CLERK, series="皖医保",
                      first=10_001, last=11_000)  # the push village holds 1–9999
    finally:
        srv.close()
    pages: list[int] = []

    def seen(step: SyncProgress) -> None:
        if step.stage == "pull":
            pages.append(step.pages)

    with _new_village(folder / "village.db", PULL_VILLAGE) as ws:
        enrol_device(ws, server_url=county.url, code=_enrolment_code(county, PULL_VILLAGE))
        with stopwatch() as took:
            result = sync_now(ws, progress=seen)
        seconds = took()
        held = ws.conn.execute("SELECT count(*) FROM persons").fetchone()[0]
        journaled = journal.head(ws.conn)[0]
        rows = {table: ws.conn.execute(f"SELECT * FROM {table}").fetchall()
                for table in ("households", "persons")}
    # The baseline: the same household and person rows inserted by the driver's executemany
    # into a fresh village database, in one transaction (the device's database speed).
    with _new_village(folder / "bare.db", PULL_VILLAGE) as bare:
        with stopwatch() as took, tx(bare.conn):
            for table, values in rows.items():
                bare.conn.executemany(f"INSERT INTO {table} VALUES "
                                      f"({','.join('?' * len(values[0]))})", values)
        bare_seconds = took()
    return Metric(f"sync_pull_roster_{persons // 1000}k", seconds, "s", PULL_TARGET_S,
                  note=f"sync_now of a freshly enrolled village against a {persons}-person "
                       "roster on yibao-server (SQLite): download and apply every page, then "
                       "upload the events applying them recorded; the baseline inserts the "
                       "same rows into a fresh village database in the same run",
                  baseline=bare_seconds,
                  baseline_label="bare executemany of the pulled household and person rows "
                                 "into a fresh SQLCipher village database, one transaction (s)",
                  detail={"households": len(households), "persons_applied": held,
                          "items_pulled": result["pulled"], "pages": pages[-1] if pages else 0,
                          "events_journaled": journaled,
                          "events_pushed_back": result["pushed"], "skipped": result["skipped"]})
