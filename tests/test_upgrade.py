"""Every schema version that ever landed opens, upgrades and verifies (Electrum's habit)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.services.collect import collect_household
from app.services.reconcile import reconcile
from app.services.verify import verify_workspace
from app.services.workspace import key_path_for, open_workspace
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
