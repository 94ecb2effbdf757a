"""The device keeps the county's countersignatures of its journal head and holds its journal
to the newest one (county-trust issue): a consistent rewrite of anything synced, chain and
head recomputed with the passphrase, fails `verify`; a refused event is shown, not lost.
A real county server on loopback (SQLite)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
import requests

from app.services.base.workspace import init_database, open_workspace
from app.services.exchange.county import SyncRefused, enrol_device, sync_now, sync_status
from app.services.exchange.township_bundles import (
    export_for_township,
    export_township_key,
    import_village_bundle,
)
from app.services.township.reconcile import reconcile_villages
from app.services.upkeep.verify import verify_workspace
from app.services.village.books import register_book
from app.services.village.collect import collect_household
from db import journal
from sync.client import BadServerResponse
from tests.conftest import PASSPHRASE, run_cli
from tests.test_receipt_pinning import _erase_last_payment, _lower_amount
from tests.test_sync_support import (
    FAST_RETRY,
    CountyServer,
    cli_env,
    enrol,
    new_village,
    publish_county_data,
)

VILLAGE = "3404220001"


@pytest.fixture
def county(tmp_path):
    server = CountyServer(f"sqlite:///{tmp_path / 'county.db'}", tmp_path).start()
    publish_county_data(server, tmp_path, village=VILLAGE, households=4, seed=41)
    yield server
    server.stop()


def _households(ws) -> list[str]:
    return [r[0] for r in ws.conn.execute("SELECT household_no FROM households "
                                          "ORDER BY household_no")]


def _synced_village(county: CountyServer, tmp_path) -> tuple[Any, list[Any]]:
    path = new_village(tmp_path, "v", VILLAGE)
    ws = open_workspace(path, user=None, passphrase=PASSPHRASE)
    enrol(ws, county, VILLAGE)
    sync_now(ws, retry=FAST_RETRY)  # policy, roster and the allocated book
    done = [collect_household(ws, household_no=no, tier_code="1") for no in _households(ws)[:3]]
    sync_now(ws, retry=FAST_RETRY)
    return ws, done


def test_every_sync_is_countersigned_and_info_shows_how_far(county, tmp_path):
    ws, _ = _synced_village(county, tmp_path)
    head = journal.head(ws.conn)
    status = sync_status(ws)
    assert status["countersigned_seq"] == head[0] and status["refusals"] == []
    assert verify_workspace(ws).ok
    ws.close()
    info = json.loads(run_cli("info", "--db", str(ws.path), "--json", env=cli_env()).stdout)
    assert info["countersigned_seq"] == head[0]


def test_a_consistent_rewrite_of_a_synced_receipt_fails_verify(county, tmp_path):
    ws, done = _synced_village(county, tmp_path)
    _lower_amount(ws, done[1], 100)  # chain and head recomputed: only the county knows
    problems = verify_workspace(ws).problems
    assert any("与县医保服务器确认的不符" in p for p in problems), problems
    ws.close()


def test_erasing_synced_events_is_a_truncation_below_the_countersigned_head(county, tmp_path):
    ws, done = _synced_village(county, tmp_path)
    _erase_last_payment(ws, done[2])
    problems = verify_workspace(ws).problems
    assert any("日志被截断" in p and "县医保服务器已确认到第" in p for p in problems), problems
    ws.close()


def test_a_refused_event_is_kept_and_shown(county, tmp_path):
    ws, _ = _synced_village(county, tmp_path)
    register_book(ws, series="手工", first=1, last=20)  # never allocated by the county
    with pytest.raises(SyncRefused) as refused:
        sync_now(ws, retry=FAST_RETRY)
    assert "不在县医保分配给本设备的票据中" in refused.value.message or \
        refused.value.details["refusals"][0]["reason"] == "book_not_allocated"
    kept = sync_status(ws)["refusals"]
    assert [(r["type"], r["reason"]) for r in kept] == [("book.registered",
                                                         "book_not_allocated")]
    # Acknowledged all the same: nothing is pending, the next sync is clean.
    assert sync_status(ws)["pending"] == 0
    assert sync_now(ws, retry=FAST_RETRY)["refused"] == 0
    ws.close()
    cli = run_cli("sync", "status", "--db", str(ws.path), "--json", env=cli_env())
    assert json.loads(cli.stdout)["refusals"][0]["reason"] == "book_not_allocated"


def test_a_rewritten_synced_journal_is_alerted_at_the_next_sync(county, tmp_path):
    ws, done = _synced_village(county, tmp_path)
    _lower_amount(ws, done[0], 100)
    with pytest.raises(BadServerResponse, match=r"不一致|被改写"):
        sync_now(ws, retry=FAST_RETRY)  # the county's own countersignature contradicts us
    found = {(a["kind"], a["device_id"]) for a in county.admin("alerts")}
    assert ("countersignature_mismatch", ws.device_id) in found
    ws.close()


def test_an_unsynced_rewrite_shows_on_the_payers_check_page_after_sync(county, tmp_path):
    ws, _ = _synced_village(county, tmp_path)
    late = collect_household(ws, household_no=_households(ws)[3], tier_code="1")
    page = requests.get(f"{county.url}/r/{quote(late.qr, safe='')}", timeout=10)
    assert 'data-state="not_uploaded"' in page.text  # 尚未上传
    _lower_amount(ws, late, 100)
    assert verify_workspace(ws).ok  # consistent, and newer than anything countersigned
    sync_now(ws, retry=FAST_RETRY)  # the ¥1 version reaches the county
    page = requests.get(f"{county.url}/r/{quote(late.qr, safe='')}", timeout=10)
    assert 'data-state="mismatch"' in page.text and "与县医保记录不符" in page.text
    ws.close()


def _township(county: CountyServer, tmp_path) -> tuple[Any, Any]:
    """A township office for VILLAGE, enrolled with the county, and its public key file."""
    county.admin("township", "--code", "T01", "--name", "示例镇", "--villages", VILLAGE)
    tpath = tmp_path / "township" / "yibao.db"
    init_database(tpath, user="王所长", role="township", passphrase=PASSPHRASE, village="T01")
    tws = open_workspace(tpath, user=None, passphrase=PASSPHRASE)
    code = county.admin("township-code", "--township", "T01")["code"]
    enrol_device(tws, server_url=county.url, code=code, retry=FAST_RETRY)
    key_file = tmp_path / "township.key"
    export_township_key(tws, key_file)
    return tws, key_file


@pytest.mark.parametrize("rewritten", [False, True], ids=["same journal", "split view"])
def test_the_township_holds_a_village_bundle_to_the_countys_countersignature(
        county, tmp_path, rewritten):
    tws, key_file = _township(county, tmp_path)
    ws, done = _synced_village(county, tmp_path)
    if rewritten:  # the county got one journal; the township is given another
        _lower_amount(ws, done[0], 100)
    export_for_township(ws, tmp_path / "v.bundle", township_key=key_file)
    ws.close()
    imported = import_village_bundle(tws, tmp_path / "v.bundle")
    verdict = "differs" if rewritten else "agrees"
    assert imported["countersigned"]["verdict"] == verdict
    kinds = [p["kind"] for p in reconcile_villages(tws)["problems"]]
    assert ("countersignature_mismatch" in kinds) is rewritten
    tws.close()
