"""USB bundles: a village with no network at all syncs through files, by the same rules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.domain.errors import ValidationError
from app.services.exchange.county import sync_now, sync_status
from app.services.exchange.county_bundles import export_bundle, import_bundle
from app.services.village.collect import collect_household
from server.admin import device_events
from server.bundles import import_bundle_file
from server.kernel import open_server
from sync.protocol import BundleError, SignatureInvalid
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


@pytest.fixture
def county(tmp_path: Path) -> CountyServer:
    """The county database only: bundles need no running HTTP server."""
    return CountyServer(f"sqlite:///{tmp_path / 'county.db'}", tmp_path / "server")


def _held(county: CountyServer, device: str) -> list[tuple[int, str, str]]:
    srv = open_server(county.db_url)
    try:
        return device_events(srv, device)
    finally:
        srv.close()


def test_village_without_network_enrols_and_syncs_by_usb_with_the_real_clis(county, tmp_path):
    roster = publish_county_data(county, tmp_path, village=VILLAGE, households=4, seed=5)
    key_file = tmp_path / "county-key.json"
    county.admin("county-key", "--out", str(key_file))
    code = county.admin("enrol-code", "--village", VILLAGE)["code"]
    db = new_village(tmp_path, "v", VILLAGE)

    def village(*args: str, env: dict[str, str] | None = None) -> dict:
        done = subprocess.run([sys.executable, "-m", "ui.launcher", *args, "--db", str(db),
                               "--json"], cwd=ROOT, env={**cli_env(), **(env or {})},
                              capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def township(bundle: Path, reply: Path) -> dict:
        done = subprocess.run([sys.executable, "-m", "server.cli", "admin", "import-bundle",
                               str(bundle), "--reply", str(reply), "--db-url", county.db_url,
                               "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    usb = tmp_path / "usb"
    usb.mkdir()
    # The code comes from the environment, never argv (issue 19).
    out = village("bundle", "export", "--out", str(usb / "1.yb"), "--county-key", str(key_file),
                  env={"YIBAO_ENROL_CODE": code})
    assert out["enrolment"] and out["events"] == 1
    at_county = township(usb / "1.yb", usb / "1.reply")
    assert at_county["enrolled"] and at_county["accepted"] == 1 and at_county["pulled"] == 6
    back = village("bundle", "import", str(usb / "1.reply"))
    assert back["acknowledged"] == 1 and back["pulled"] == 6
    assert back["pending"] > 0  # the roster it just applied is journaled, to go next time

    with opened(db) as ws:
        assert sync_status(ws)["enrolled"]
        for hh in roster["households"][:2]:
            collect_household(ws, household_no=hh["household_no"], tier_code="1", now=T0)
    village("bundle", "export", "--out", str(usb / "2.yb"))
    second = township(usb / "2.yb", usb / "2.reply")
    assert second["rejected"] == 0 and second["pulled"] == 0
    assert village("bundle", "import", str(usb / "2.reply"))["pending"] == 0
    with opened(db) as ws:
        assert _held(county, ws.device_id) == journal_rows(ws)


def _offline_village(county: CountyServer, tmp_path: Path) -> tuple[Path, Path]:
    publish_county_data(county, tmp_path, village=VILLAGE, households=2, seed=6)
    key_file = tmp_path / "county-key.json"
    county.admin("county-key", "--out", str(key_file))
    db = new_village(tmp_path, "v", VILLAGE)
    return db, key_file


def test_importing_a_bundle_twice_changes_nothing_the_second_time(county, tmp_path):
    db, key_file = _offline_village(county, tmp_path)
    code = county.admin("enrol-code", "--village", VILLAGE)["code"]
    bundle, reply, reply2 = tmp_path / "b.yb", tmp_path / "r.yb", tmp_path / "r2.yb"
    with opened(db) as ws:
        export_bundle(ws, bundle, county_key=key_file, code=code)
    srv = open_server(county.db_url)
    try:
        first = import_bundle_file(srv, bundle, reply)
        again = import_bundle_file(srv, bundle, reply2)
    finally:
        srv.close()
    assert (first["accepted"], first["duplicates"]) == (1, 0)
    assert (again["accepted"], again["duplicates"]) == (0, 1)
    with opened(db) as ws:
        applied = import_bundle(ws, reply)
        rows = journal_rows(ws)
        repeat = import_bundle(ws, reply2)  # an older reply carried again: nothing new
        assert journal_rows(ws) == rows
        assert repeat["pulled"] == 0 and applied["pulled"] == 4
    assert county.admin("stats")["events"] == 1


def test_bundle_and_network_carry_the_same_events_exactly_once(county, tmp_path):
    db, _ = _offline_village(county, tmp_path)
    county.start()
    try:
        with opened(db) as ws:
            enrol(ws, county, VILLAGE)
            sync_now(ws, retry=FAST_RETRY)
            from app.services.village.roster import update_household
            update_household(ws, f"{VILLAGE}0001", phone="13900000001")
            export_bundle(ws, tmp_path / "b.yb")
            assert sync_now(ws, retry=FAST_RETRY)["pushed"] == 1  # the same event, online
        srv = open_server(county.db_url)
        try:
            summary = import_bundle_file(srv, tmp_path / "b.yb", tmp_path / "r.yb")
        finally:
            srv.close()
        assert (summary["accepted"], summary["duplicates"]) == (0, 1)
        with opened(db) as ws:
            import_bundle(ws, tmp_path / "r.yb")
            assert sync_status(ws)["pending"] == 0
            assert _held(county, ws.device_id) == journal_rows(ws)
    finally:
        county.stop()


def test_tampered_misaddressed_or_foreign_bundles_are_refused(county, tmp_path):
    db, key_file = _offline_village(county, tmp_path)
    code = county.admin("enrol-code", "--village", VILLAGE)["code"]
    bundle, reply = tmp_path / "b.yb", tmp_path / "r.yb"
    with opened(db) as ws:
        with pytest.raises(ValidationError, match="登记码"):
            export_bundle(ws, bundle, county_key=key_file)
        export_bundle(ws, bundle, county_key=key_file, code=code)
    envelope = json.loads(bundle.read_bytes())
    tampered = tmp_path / "tampered.yb"
    flipped = envelope["ciphertext"][:-6] + ("AAAA" if envelope["ciphertext"][-6:-2] != "AAAA"
                                             else "BBBB") + envelope["ciphertext"][-2:]
    tampered.write_text(json.dumps({**envelope, "ciphertext": flipped}))
    srv = open_server(county.db_url)
    try:
        with pytest.raises(SignatureInvalid):
            import_bundle_file(srv, tampered, reply)
        not_json = tmp_path / "junk.yb"
        not_json.write_bytes(b"PK\x03\x04 not a bundle")
        with pytest.raises(BundleError):
            import_bundle_file(srv, not_json, reply)
        import_bundle_file(srv, bundle, reply)
        with pytest.raises(BundleError, match="回执"):
            import_bundle_file(srv, reply, tmp_path / "x.yb")  # a reply is not a push
    finally:
        srv.close()
    assert county.admin("stats")["events"] == 1
    other = new_village(tmp_path, "other", VILLAGE)
    with opened(other) as ws, pytest.raises(BundleError, match="另一台设备"):
        import_bundle(ws, reply)
    with opened(db) as ws:
        with pytest.raises(BundleError):
            import_bundle(ws, bundle)  # our own export is not a reply
        import_bundle(ws, reply)
        assert sync_status(ws)["enrolled"]
