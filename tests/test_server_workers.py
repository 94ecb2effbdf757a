"""Two county-server worker processes on one PostgreSQL, eight villages pushing at once.

The real ``yibao-server run --workers 2`` on a throwaway cluster; the villages are real
encrypted databases that enrol, pull their rosters and collect every household offline, then
all sync at the same moment. Two of them hold the same persons on their rosters and both took
their money. Exactly-once and first-claim-wins must come from the database (unique keys, row
locks, a push retried when it loses a key): nothing in a worker knows what the other did.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select

from app.domain.idcard import make_id_number
from app.services.exchange.county import list_refund_tasks, sync_now
from app.services.village.collect import collect_household
from server import cli as server_cli
from server.admin import device_events
from server.kernel import open_server
from server.schema import claims, conflicts
from sync.client import SyncClient
from sync.protocol import Head, PushRequest
from sync.state import load_state, pending_events
from tests.pg import PgCluster, find_bin_dir
from tests.test_sync_support import (
    FAST_RETRY,
    T0,
    CountyServer,
    enrol,
    journal_rows,
    new_village,
    opened,
    publish_county_data,
)

VILLAGES = [f"34042300{i:02d}" for i in range(1, 9)]
HOUSEHOLDS = 5
# The same three men (odd sequence digit) on the first two villages' rosters, both collect.
SHARED = [{"name": f"周移民{i}", "id_type": "01",
           "id_number": make_id_number("340423", T0.date().replace(year=1970 + i), 701 + 2 * i),
           "relation": "99", "residence": "local", "sex": 1,
           "birth_date": T0.date().replace(year=1970 + i).isoformat()} for i in range(3)]
T = TypeVar("T")
STATUS = re.compile(r'"(?:GET|POST) [^"]*" (\d{3})')


@pytest.fixture
def county(tmp_path: Path):
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip("no PostgreSQL initdb binary (searched /usr/lib/postgresql/*/bin and PATH)")
    cluster = PgCluster(bin_dir).start()
    try:
        # Access lines (info) are how the test sees every status code the workers answered.
        server = CountyServer(cluster.create_database("county_workers"), tmp_path / "server",
                              args=("--workers", "2", "--log-level", "info")).start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        cluster.stop()


def _concurrently(work: Callable[[int], T], count: int) -> list[T]:
    """``work(i)`` for each i in its own thread, all released at once; the answers in order
    (a thread's exception is re-raised here)."""
    start = threading.Barrier(count)
    answers: list[Any] = [None] * count

    def run(i: int) -> None:
        start.wait(timeout=60)
        try:
            answers[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - handed to the test thread below
            answers[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a sync did not finish in 120 s"
    for answer in answers:
        if isinstance(answer, Exception):
            raise answer
    return answers


def _prepare(county: CountyServer, tmp: Path) -> list[Path]:
    """Eight enrolled villages that pulled their rosters and collected every household."""
    paths = []
    for i, village in enumerate(VILLAGES):
        roster = publish_county_data(county, tmp, village=village, households=HOUSEHOLDS,
                                     seed=40 + i, first=1 + 1000 * i,
                                     shared=SHARED if i < 2 else None)
        path = new_village(tmp, village, village)
        with opened(path) as ws:
            enrol(ws, county, village)
            assert sync_now(ws, retry=FAST_RETRY)["pending"] == 0
            for hh in roster["households"]:
                collect_household(ws, household_no=hh["household_no"], tier_code="1", now=T0)
        paths.append(path)
    return paths


@pytest.mark.postgres
def test_two_workers_eight_devices_every_event_once_and_one_claim_per_person(county, tmp_path):
    paths = _prepare(county, tmp_path)

    def sync(i: int) -> dict:
        with opened(paths[i]) as ws:
            return sync_now(ws, retry=FAST_RETRY)

    results = _concurrently(sync, len(paths))
    assert all(r["rejected"] == 0 and r["pending"] == 0 for r in results), results
    # The two villages with the shared persons: one payment each names all three, judged in
    # one transaction, so one village wins all three and the other gets the conflict.
    assert sorted(r["conflicts"] for r in results[:2]) == [0, 1]
    assert all(r["conflicts"] == 0 for r in results[2:])
    loser = 0 if results[0]["conflicts"] else 1
    winner = 1 - loser

    srv = open_server(county.db_url)
    try:
        heads = []
        for path in paths:
            with opened(path) as ws:
                rows = journal_rows(ws)
                # Every event stored exactly once: the county holds the device's journal.
                assert device_events(srv, ws.device_id) == rows
                heads.append(rows[-1][0])
        with srv.engine.connect() as conn:
            twice = conn.execute(select(claims.c.id_number).group_by(
                claims.c.campaign_year, claims.c.id_type, claims.c.id_number)
                .having(func.count() > 1)).all()
            shared_ids = [p["id_number"] for p in SHARED]
            standing = dict(conn.execute(select(claims.c.id_number, claims.c.village)
                                         .where(claims.c.id_number.in_(shared_ids))).all())
            noticed = conn.execute(select(conflicts.c.id_number, conflicts.c.village)).all()
    finally:
        srv.close()
    assert twice == []
    assert standing == {n: VILLAGES[winner] for n in shared_ids}
    assert sorted(noticed) == sorted((n, VILLAGES[loser]) for n in shared_ids)
    with opened(paths[loser]) as ws:
        tasks = list_refund_tasks(ws)
    assert sorted(t["id_number"] for t in tasks) == sorted(shared_ids)
    assert {t["other_village"] for t in tasks} == {VILLAGES[winner]}
    assert county.admin("stats")["events"] == sum(heads)

    # Every device sends its whole journal again, all at once: each event a duplicate,
    # answered as the first time, and nothing stored twice.
    def resend(i: int) -> list[tuple[str, str | None]]:
        with opened(paths[i]) as ws:
            client = SyncClient(county.url, device_id=ws.device_id,
                                signing_key=ws.signing_key(),
                                server_sign_key=load_state(ws.conn).server_sign_key,
                                retry=FAST_RETRY)
            batch = pending_events(ws.conn, 0, heads[i])
        with client:
            answer = client.push(PushRequest(head=Head(seq=batch[-1].seq, hash=batch[-1].hash),
                                             events=batch))
        return [(r.status, r.first_status) for r in answer.results]

    again = _concurrently(resend, len(paths))
    for i, statuses in enumerate(again):
        assert len(statuses) == heads[i]
        assert {s for s, _ in statuses} == {"duplicate"}
        assert (("duplicate", "conflict") in statuses) == (i == loser)
    assert county.admin("stats")["events"] == sum(heads)

    log = county.log_path.read_text(encoding="utf-8", errors="replace")
    assert log.count("Started server process") == 2  # two workers really served
    codes = [int(c) for c in STATUS.findall(log)]
    assert codes and all(c < 500 for c in codes), sorted(set(codes))
    assert "Traceback" not in log and "database unavailable" not in log


def test_several_workers_need_postgresql(tmp_path, capsys):
    code = server_cli.main(["run", "--workers", "2", "--db-url",
                            f"sqlite:///{tmp_path / 'county.db'}"])
    assert code == 1
    assert "PostgreSQL" in capsys.readouterr().err
    assert not (tmp_path / "county.db").exists()  # refused before anything was made
