"""A policy stored before rules.newborn_days became newborn_months is the same campaign: loading
its file again (in either layout) changes nothing (docs/DOMAIN.md: "Loading the same file
twice changes nothing"). The old database is a real one: tests/fixtures/schema-v6."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app.services.base.workspace import key_path_for, open_workspace
from app.services.village import campaigns
from tests.helpers_ledger import POLICY_TWO_TIER

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "schema-v6" / "yibao.db"
PASSPHRASE = "upgrade-fixture"


def legacy_file(tmp_path: Path) -> Path:
    data = json.loads(POLICY_TWO_TIER.read_text(encoding="utf-8"))
    del data["rules"]["newborn_months"]
    data["rules"]["newborn_days"] = 90
    path = tmp_path / "policy-old.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("layout", ["newborn_days", "newborn_months"])
def test_reloading_the_policy_of_an_old_database_changes_nothing(tmp_path: Path,
                                                                 layout: str) -> None:
    path = tmp_path / "yibao.db"
    shutil.copy(FIXTURE, path)
    shutil.copy(key_path_for(FIXTURE), key_path_for(path))
    source = legacy_file(tmp_path) if layout == "newborn_days" else POLICY_TWO_TIER
    with open_workspace(path, user=None, passphrase=PASSPHRASE) as ws:
        stored = ws.conn.execute("SELECT policy_json FROM campaigns").fetchall()
        assert len(stored) == 1 and '"newborn_days":90' in stored[0][0]  # the old layout
        active = campaigns.active_campaign(ws)
        assert active.policy.rules.newborn_months == 3
        events = ws.conn.execute("SELECT count(*) FROM journal").fetchone()[0]
        again = campaigns.load_policy(ws, source)
        assert again["created"] is False and again["campaign_id"] == active.id
        assert ws.conn.execute("SELECT count(*) FROM campaigns").fetchone()[0] == 1
        assert ws.conn.execute("SELECT count(*) FROM journal").fetchone()[0] == events
        listed = campaigns.list_campaigns(ws)
        assert [c["label"] for c in listed] == ["2027年度（征缴期 2026-09-01至2026-12-31）"]
