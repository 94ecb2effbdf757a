"""Every schema version that ever landed opens, upgrades and verifies (Electrum's habit)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.services.base.workspace import key_path_for, open_workspace
from app.services.upkeep.verify import verify_workspace
from app.services.views.reconcile import reconcile
from app.services.village.collect import collect_household
from db import migrations

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PASSPHRASE = "upgrade-fixture"
VERSIONS = sorted(int(p.name.removeprefix("schema-v")) for p in FIXTURES.glob("schema-v*"))


def test_a_fixture_exists_for_every_schema_version():
    assert list(range(1, migrations.latest_version() + 1)) == VERSIONS


@pytest.mark.parametrize("version", VERSIONS)
def test_old_database_upgrades_and_verifies(version, tmp_path):
    path = tmp_path / "yibao.db"
    shutil.copy(FIXTURES / f"schema-v{version}" / "yibao.db", path)
    shutil.copy(key_path_for(FIXTURES / f"schema-v{version}" / "yibao.db"), key_path_for(path))
    with open_workspace(path, user=None, passphrase=PASSPHRASE) as ws:
        assert migrations.current_version(ws.conn) == migrations.latest_version()
        report = verify_workspace(ws)
        assert report.ok, report.problems
        if version >= 2:
            before = reconcile(ws)
            assert before["cash"]["deposited_fen"] == 50000
            # Still usable after the upgrade: the next household is collected normally.
            from datetime import UTC, datetime

            done = collect_household(ws, household_no="3404220010002", tier_code="1",
                                     now=datetime(2026, 10, 20, 2, 0, tzinfo=UTC))
            assert done.receipt_no == "00000004"
            assert verify_workspace(ws).ok
    if version < migrations.latest_version():
        assert list(tmp_path.glob(f"yibao.db.v{version}.bak")), "no backup before the upgrade"


# What every shipped step is. A database that ran step N has exactly these statements applied;
# editing a shipped step would make "version N" mean something else for new databases than
# for those in the field, so this fails. A schema change is a new step (docs/RELIABILITY.md).
SHIPPED_STEPS = {
    1: "078978fab7cff0a1bc3f0dabc27dfde870bc4bca489275c2f87f2edef60f0295",
    2: "982a71237aa6ec788eb6baa5f86f7c629117a544a345bca1139dc8160071579d",
    3: "d1bb222fd8d912d1219ae272d93c12109769f94ec934883aaef2085587974227",
    4: "e66ce5288546b484b8771f8420835ec24007e54a7cf744ab584db101c3e27056",
    5: "cc1dc13f1e59288d675b4c10fd51cd94a5e2c1c240c3613f7688f6e94d21ff88",
    6: "749d576abcd8eb45eb2e0695c5a493cb9619db399e3d46cef3bc3ef594f64546",
    7: "255ae0fe7313ae28ccf61aee4540f95d96f2251b379249395997b831823845f2",
    8: "3dbf874c6a0b475e0eb5fe89dcca1876410822827cd29ca39093dd90169c3af8",
    9: "2052cb3c9787da00ff08389f62de2ee8f660c4e85b4a9682b7e47220bde5789f",
}


def _step_hash(step) -> str:
    import hashlib
    import json

    return hashlib.sha256(json.dumps(list(step.statements), ensure_ascii=False)
                          .encode("utf-8")).hexdigest()


@pytest.mark.parametrize("step", migrations.STEPS, ids=lambda s: f"v{s.version}")
def test_a_shipped_step_never_changes(step):
    assert step.version in SHIPPED_STEPS, "a new step: add its hash here once it ships"
    assert _step_hash(step) == SHIPPED_STEPS[step.version], (
        f"schema step {step.version} was edited: a change to the schema is a new step")


def test_the_township_replay_reads_the_indexes_step_6_built():
    from db.township_perf_schema import (
        PAYMENT_FIELDS,
        PAYMENTS_INDEX,
        PRINT_FIELDS,
        PRINTS_INDEX,
        extracts,
    )

    indexes = {s.split()[2]: s for s in migrations.STEPS[5].statements
               if s.startswith("CREATE INDEX")}
    assert extracts(PAYMENT_FIELDS) in indexes[PAYMENTS_INDEX]
    assert extracts(PRINT_FIELDS) in indexes[PRINTS_INDEX]
