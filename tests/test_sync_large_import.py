"""A big imported roster reaches the county: journaled in chunks, pushed in bounded requests."""

from __future__ import annotations

import csv
import json

import pytest

from app.domain.synthetic import VillageGenerator
from app.services.exchange.county import sync_now
from app.services.village.campaigns import load_policy
from app.services.village.roster_import import JOURNAL_CHUNK, import_roster
from sync.protocol import MAX_REQUEST_BYTES
from tests.test_roster_import import HEADER
from tests.test_sync_support import (
    FAST_RETRY,
    POLICY,
    CountyServer,
    enrol,
    new_village,
    opened,
)

VILLAGE = "3404220099"


@pytest.fixture
def county(tmp_path):
    server = CountyServer(f"sqlite:///{tmp_path / 'county.db'}", tmp_path / "county").start()
    yield server
    server.stop()


def _roster_csv(path, households: int) -> int:
    gen = VillageGenerator(seed=7)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for hh in gen.village(VILLAGE, households, newborns=0):
            for p in hh.members:
                out.writerow([hh.household_no, hh.group, hh.head.name, p.name, p.relation,
                              "居民身份证", p.id_number, "男" if p.sex == 1 else "女",
                              p.birth_date.isoformat(), p.ethnicity,
                              "外地" if p.residence == "nonlocal" else "本地", "", hh.phone, ""])
                rows += 1
    return rows


def test_an_import_larger_than_a_sync_request_still_syncs(county, tmp_path):
    path = new_village(tmp_path, "v", VILLAGE)
    roster = tmp_path / "roster.csv"
    persons = _roster_csv(roster, 4000)
    with opened(path) as ws:
        load_policy(ws, POLICY)
        report = import_roster(ws, roster)
        assert report.persons == persons and report.rejected == []
        payloads = [p for (p,) in ws.conn.execute(
            "SELECT payload FROM journal WHERE type = 'roster.imported' ORDER BY seq")]
        assert len(payloads) == -(-persons // JOURNAL_CHUNK)
        assert sum(len(p) for p in payloads) > MAX_REQUEST_BYTES  # one event would not fit
        parts = [json.loads(p) for p in payloads]
        assert sum(len(p["persons"]) for p in parts) == persons
        assert len({h["household_id"] for p in parts for h in p["households"]}) == 4000
        enrol(ws, county, VILLAGE)
        result = sync_now(ws, retry=FAST_RETRY)
        assert result["rejected"] == 0 and result["pending"] == 0, result
    assert county.admin("stats")["events"] >= len(payloads)
