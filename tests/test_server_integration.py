"""The real county server (subprocess, loopback) on SQLite and on a throwaway PostgreSQL,
synced by real encrypted village databases built with the ledger services."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from app.domain.canonical import canonical_bytes
from app.domain.errors import Refused
from app.domain.idcard import make_id_number
from app.services.exchange.county import list_refund_tasks, sync_now, sync_status
from app.services.village.collect import collect_household, household_fees
from app.services.village.refunds import refund_line
from server.kernel import device_row, open_server
from sync.protocol import (
    HEADER_SIGNATURE,
    MAX_BATCH,
    PATH_ENROL,
    PATH_PUSH,
    EnrolRequest,
    Head,
    PushRequest,
    WireEvent,
    public_hex,
    sign_request,
)
from sync.state import pending_events
from tests.conftest import ROOT
from tests.pg import PgCluster, find_bin_dir
from tests.test_sync_support import (
    FAST_RETRY,
    SERIES,
    T0,
    CountyServer,
    cli_env,
    enrol,
    journal_rows,
    new_village,
    opened,
    publish_county_data,
)

VILLAGE_A = "3404220010"
VILLAGE_B = "3404220020"
_databases = itertools.count()


@pytest.fixture(scope="session")
def pg_cluster():
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip("no PostgreSQL initdb binary (searched /usr/lib/postgresql/*/bin and PATH)")
    cluster = PgCluster(bin_dir).start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def county(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'county.db'}"
    else:
        cluster = request.getfixturevalue("pg_cluster")
        url = cluster.create_database(f"county_{os.getpid()}_{next(_databases)}")
    server = CountyServer(url, tmp_path / "server").start()
    yield server
    server.stop()


def _server_events(server: CountyServer, device_id: str) -> list[tuple[int, str, str]]:
    from server.admin import device_events

    srv = open_server(server.db_url)
    try:
        return device_events(srv, device_id)
    finally:
        srv.close()


def test_round_trip_pulls_county_data_and_pushes_every_event_once(county, tmp_path):
    roster = publish_county_data(county, tmp_path, village=VILLAGE_A, households=8, seed=1)
    path = new_village(tmp_path, "a", VILLAGE_A)
    with opened(path) as ws:
        enrol(ws, county, VILLAGE_A)
        first = sync_now(ws, retry=FAST_RETRY)
        assert first["rejected"] == 0 and first["skipped"] == 0, first["problems"]
        assert first["pulled"] == 1 + 8 + 1  # policy, households, the book
        assert first["pending"] == 0
        people = sum(len(h["persons"]) for h in roster["households"])
        assert ws.conn.execute("SELECT count(*) FROM households").fetchone()[0] == 8
        assert ws.conn.execute("SELECT count(*) FROM persons").fetchone()[0] == people
        certified = sum(len(p["categories"]) for h in roster["households"] for p in h["persons"])
        assert ws.conn.execute("SELECT count(*) FROM person_categories").fetchone()[0] == certified
        assert ws.conn.execute("SELECT series, first_no FROM receipt_books").fetchall() == [
            (SERIES, 1)]

        for hh in roster["households"][:3]:
            collect_household(ws, household_no=hh["household_no"], tier_code="1", now=T0)
        second = sync_now(ws, retry=FAST_RETRY)
        assert (second["pushed"], second["duplicates"], second["conflicts"]) == (3, 0, 0)
        assert second["pulled"] == 0 and sync_status(ws)["pending"] == 0
        assert _server_events(county, ws.device_id) == journal_rows(ws)

        # Paid on WeChat meanwhile: the village learns it and will not take the money again.
        someone = roster["households"][3]["persons"][0]["id_number"]
        county.admin("record-external-payment", "--year", "2026", "--id-number", someone,
                     "--channel", "微信", "--amount-fen", "38000")
        third = sync_now(ws, retry=FAST_RETRY)
        assert third["pulled"] == 1 and third["pending"] == 0
        fees = household_fees(ws, roster["households"][3]["household_no"], "1")
        paid = next(m for m in fees["members"] if m["id_number"] == someone)
        assert not paid["collectable"] and "其他渠道" in paid["status_label"]
        with pytest.raises(Refused, match="其他渠道"):
            collect_household(ws, household_no=roster["households"][3]["household_no"],
                              tier_code="1", members=[someone], now=T0)

        quiet = sync_now(ws, retry=FAST_RETRY)
        assert (quiet["pushed"], quiet["pulled"], quiet["pending"]) == (0, 0, 0)
        head = journal_rows(ws)[-1]
    srv = open_server(county.db_url)
    try:
        device = device_row(srv, ws.device_id)
    finally:
        srv.close()
    # The server recorded the client's whole journal head at the last push.
    assert (device.reported_seq, device.reported_hash) == (head[0], head[2])
    stats = county.admin("stats")
    assert stats["events"] == head[0] and stats["devices"] == 1


def test_a_season_goes_up_in_batches_as_big_as_the_county_takes(county, tmp_path):
    from app.services.village.roster import add_household
    from db.connection import tx
    from server.schema import pushes

    with opened(new_village(tmp_path, "a", VILLAGE_A)) as ws:
        enrol(ws, county, VILLAGE_A)
        with tx(ws.conn):
            for n in range(1_300 + MAX_BATCH):  # 500, 500, MAX_BATCH and the rest
                add_household(ws, household_no=f"{VILLAGE_A}{n:04d}", head_name="王建国",
                              group="一组")
        result = sync_now(ws, retry=FAST_RETRY)
        assert result["pending"] == 0 and result["rejected"] == 0
        assert _server_events(county, ws.device_id) == journal_rows(ws)
    srv = open_server(county.db_url)
    try:
        with srv.engine.connect() as conn:
            sizes = [r.events for r in conn.execute(
                select(pushes.c.events).where(pushes.c.device_id == ws.device_id)
                .order_by(pushes.c.id))]
    finally:
        srv.close()
    # 500 until the county's first answer says it takes MAX_BATCH (the second batch is read
    # while the first is answered), then MAX_BATCH.
    assert sizes[:3] == [500, 500, MAX_BATCH] and max(sizes) == MAX_BATCH


def _shared_person() -> dict:
    return {"name": "周移民", "id_type": "01",
            "id_number": make_id_number("340422", T0.date().replace(year=1975), 777),
            "relation": "99", "residence": "local", "sex": 1, "birth_date": "1975-10-15"}


def test_same_person_enrolled_by_two_villages_first_accepted_wins(county, tmp_path):
    shared = _shared_person()
    roster_a = publish_county_data(county, tmp_path, village=VILLAGE_A, households=3, seed=2,
                                   shared=[shared])
    roster_b = publish_county_data(county, tmp_path, village=VILLAGE_B, households=3, seed=3,
                                   shared=[shared], first=1001)
    a_path, b_path = new_village(tmp_path, "a", VILLAGE_A), new_village(tmp_path, "b", VILLAGE_B)
    with opened(a_path) as a, opened(b_path) as b:
        enrol(a, county, VILLAGE_A)
        enrol(b, county, VILLAGE_B)
        sync_now(a, retry=FAST_RETRY)
        sync_now(b, retry=FAST_RETRY)
        # Both collect offline, each from the household the person is listed in.
        collect_household(a, household_no=roster_a["households"][0]["household_no"],
                          tier_code="1", now=T0)
        paid_b = collect_household(b, household_no=roster_b["households"][0]["household_no"],
                                   tier_code="1", now=T0)
        first = sync_now(a, retry=FAST_RETRY)
        second = sync_now(b, retry=FAST_RETRY)
        assert first["conflicts"] == 0
        assert second["conflicts"] == 1 and second["refund_tasks"] == 1
        assert list_refund_tasks(a) == []
        [task] = list_refund_tasks(b)
        assert (task["id_number"], task["reason"], task["status"]) == (
            shared["id_number"], "duplicate_enrolment", "open")
        assert task["other_village"] == VILLAGE_A
        assert task["receipt"] == paid_b.receipt_label

        [conflict] = county.admin("conflicts")
        assert (conflict["village"], conflict["other_village"], conflict["resolved"]) == (
            VILLAGE_B, VILLAGE_A, False)

        # B refunds the duplicate line; the county closes the conflict, A's enrolment stands.
        refund_line(b, receipt_no=task["receipt"], id_number=task["id_number"],
                    reason=task["refund_reason"], now=T0)
        assert list_refund_tasks(b)[0]["status"] == "refunded"
        assert sync_now(b, retry=FAST_RETRY)["refund_tasks"] == 0
    [conflict] = county.admin("conflicts")
    assert conflict["resolved"] and conflict["resolution"] == "refunded"
    srv = open_server(county.db_url)
    try:
        from sqlalchemy import select

        from server.schema import claims
        with srv.engine.connect() as conn:
            standing = conn.execute(select(claims.c.village).where(
                claims.c.id_number == shared["id_number"])).all()
    finally:
        srv.close()
    assert [r.village for r in standing] == [VILLAGE_A]


def test_concurrent_pushes_of_one_person_leave_exactly_one_enrolment(county, tmp_path):
    shared = _shared_person()
    rosters = [publish_county_data(county, tmp_path, village=v, households=2, seed=10 + i,
                                   shared=[shared], first=1 + 1000 * i)
               for i, v in enumerate((VILLAGE_A, VILLAGE_B))]
    paths = [new_village(tmp_path, v, v) for v in (VILLAGE_A, VILLAGE_B)]
    results: dict[int, dict] = {}

    def run(i: int) -> None:
        with opened(paths[i]) as ws:
            results[i] = sync_now(ws, retry=FAST_RETRY)

    for i, village in enumerate((VILLAGE_A, VILLAGE_B)):
        with opened(paths[i]) as ws:
            enrol(ws, county, village)
            sync_now(ws, retry=FAST_RETRY)
            collect_household(ws, household_no=rosters[i]["households"][0]["household_no"],
                              tier_code="1", now=T0)
    threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(r["conflicts"] for r in results.values()) == [0, 1]
    assert len(county.admin("conflicts")) == 1


def _signed_post(url: str, path: str, body: bytes, key: Ed25519PrivateKey, device_id: str,
                 *, now: float | None = None) -> tuple[dict, requests.Response]:
    headers = sign_request(key, device_id=device_id, method="POST", path=path, body=body,
                           now=now)
    headers["Content-Type"] = "application/json"
    return headers, requests.post(url + path, data=body, headers=headers, timeout=10)


def test_unsigned_tampered_replayed_and_stale_requests_are_refused(county, tmp_path):
    path = new_village(tmp_path, "a", VILLAGE_A)
    with opened(path) as ws:
        enrol(ws, county, VILLAGE_A)
        key, device = ws.signing_key(), ws.device_id
        batch = pending_events(ws.conn, 0, 1)
        head_seq = journal_rows(ws)[-1][0]
    body = canonical_bytes(PushRequest(head=Head(seq=head_seq, hash=batch[0].hash),
                                       events=batch).model_dump())
    before = county.admin("stats")["events"]

    def refused(resp: requests.Response, status: int, code: str) -> None:
        assert resp.status_code == status, resp.text
        answer = resp.json()
        assert answer["error"] == code and answer["message"]

    refused(requests.post(county.url + PATH_PUSH, data=body, timeout=10,
                          headers={"Content-Type": "application/json"}), 401, "unsigned")
    headers, _ = _signed_post(county.url, PATH_PUSH, b"{}", key, device)
    refused(requests.post(county.url + PATH_PUSH, data=body, headers=headers, timeout=10),
            401, "bad_signature")
    forged = {**headers, HEADER_SIGNATURE: "0" * 128}
    refused(requests.post(county.url + PATH_PUSH, data=body, headers=forged, timeout=10),
            401, "bad_signature")
    _, stale = _signed_post(county.url, PATH_PUSH, body, key, device, now=time.time() - 3600)
    refused(stale, 401, "clock_skew")
    _, stranger = _signed_post(county.url, PATH_PUSH, body, Ed25519PrivateKey.generate(), device)
    refused(stranger, 401, "bad_signature")
    _, unknown = _signed_post(county.url, PATH_PUSH, body, key, str(uuid.uuid4()))
    refused(unknown, 401, "unknown_device")
    assert county.admin("stats")["events"] == before  # nothing above got in

    headers, ok = _signed_post(county.url, PATH_PUSH, body, key, device)
    assert ok.status_code == 200 and ok.json()["results"][0]["status"] == "accepted"
    refused(requests.post(county.url + PATH_PUSH, data=body, headers=headers, timeout=10),
            401, "replayed")

    big = {"Content-Type": "application/json", "Content-Length": str(10**9)}
    refused(requests.post(county.url + PATH_PUSH, data=b"", headers=big, timeout=10), 413,
            "too_large")
    chunked = requests.post(county.url + PATH_PUSH, data=iter([body]), timeout=10,
                            headers={"Content-Type": "application/json"})
    refused(chunked, 411, "length_required")  # no declared length: nothing read
    wrong_version = json.dumps({**json.loads(body), "protocol": 2}).encode()
    _, bad = _signed_post(county.url, PATH_PUSH, wrong_version, key, device)
    refused(bad, 422, "invalid")

    # A used, a wrong and another village's code: enrolment refused with the reason.
    other = Ed25519PrivateKey.generate()
    for code, village, status, error in (
            ("ZZZZ-ZZZZ-ZZZZ", VILLAGE_A, 403, "bad_code"),
            (county.admin("enrol-code", "--village", VILLAGE_B)["code"], VILLAGE_A, 403,
             "village_mismatch")):
        dev = str(uuid.uuid4())
        req = EnrolRequest(code=code, device_id=dev, public_key=public_hex(other),
                           box_key="ab" * 32, village=village, user="王会计")
        _, resp = _signed_post(county.url, PATH_ENROL, canonical_bytes(req.model_dump()),
                               other, dev)
        refused(resp, status, error)
    assert county.admin("stats")["devices"] == 1


def test_exactly_once_same_uuid_same_answer_different_content_rejected(county, tmp_path):
    from sync.client import SyncClient

    path = new_village(tmp_path, "a", VILLAGE_A)
    with opened(path) as ws:
        enrol(ws, county, VILLAGE_A)
        from sync.state import load_state
        client = SyncClient(county.url, device_id=ws.device_id, signing_key=ws.signing_key(),
                            server_sign_key=load_state(ws.conn).server_sign_key,
                            retry=FAST_RETRY)
        batch = pending_events(ws.conn, 0, 10)
        head = Head(seq=batch[-1].seq, hash=batch[-1].hash)
    with client:
        first = client.push(PushRequest(head=head, events=batch))
        again = client.push(PushRequest(head=head, events=batch))
        assert [r.status for r in first.results] == ["accepted"] * len(batch)
        assert [(r.status, r.first_status) for r in again.results] == [
            ("duplicate", "accepted")] * len(batch)
        altered = batch[-1].model_copy(update={"actor": "冒名者"})
        changed = client.push(PushRequest(head=head, events=[altered]))
        assert (changed.results[0].status, changed.results[0].reason) == (
            "rejected", "uuid_reused")
        forked = WireEvent(**{**batch[-1].model_dump(), "uuid": str(uuid.uuid4())})
        assert client.push(PushRequest(head=head, events=[forked])).results[0].status == \
            "rejected"
    assert county.admin("stats")["events"] == len(batch)


@pytest.fixture
def sqlite_county(tmp_path: Path):
    server = CountyServer(f"sqlite:///{tmp_path / 'county.db'}", tmp_path / "server").start()
    yield server
    server.stop()


def test_cli_enrol_sync_status_and_refund_tasks(sqlite_county, tmp_path):
    publish_county_data(sqlite_county, tmp_path, village=VILLAGE_A, households=2, seed=4)
    path = new_village(tmp_path, "a", VILLAGE_A)
    code = sqlite_county.admin("enrol-code", "--village", VILLAGE_A)["code"]

    def cli(*args: str, env: dict[str, str] | None = None) -> dict | list:
        done = subprocess.run([sys.executable, "-m", "ui.launcher", *args, "--db", str(path),
                               "--json"], cwd=ROOT, env={**cli_env(), **(env or {})},
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    # The code comes from the environment, never argv (issue 19).
    enrolled = cli("enrol", "--server", sqlite_county.url, env={"YIBAO_ENROL_CODE": code})
    assert enrolled["village"] == VILLAGE_A
    synced = cli("sync")
    assert {k: type(synced[k]) for k in ("pushed", "duplicates", "conflicts", "pulled")} == \
        dict.fromkeys(("pushed", "duplicates", "conflicts", "pulled"), int)
    assert synced["pulled"] == 4 and synced["pending"] == 0
    status = cli("sync", "status")
    assert status["pending"] == 0 and status["server_url"] == sqlite_county.url
    assert status["last_sync"] and status["refund_tasks"] == 0
    assert cli("refund-tasks") == []
    stats = subprocess.run([sys.executable, "-m", "server.cli", "admin", "stats", "--db-url",
                            sqlite_county.db_url, "--json"], cwd=ROOT, capture_output=True,
                           text=True, timeout=60)
    assert json.loads(stats.stdout)["events"] == cli("info")["journal_events"]


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A county CA-style certificate for 127.0.0.1, as a county would hand out."""
    from datetime import UTC, datetime, timedelta
    from ipaddress import ip_address

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "county test CA")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "county.pem", folder / "county.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_tls_verified_against_the_county_ca_bundle(tmp_path):
    from app.services.exchange.county import enrol_device
    from sync.client import ServerRefused

    tls = _self_signed(tmp_path)
    server = CountyServer(f"sqlite:///{tmp_path / 'county.db'}", tmp_path / "server",
                          tls=tls).start()
    try:
        publish_county_data(server, tmp_path, village=VILLAGE_A, households=1, seed=9)
        with opened(new_village(tmp_path, "untrusting", VILLAGE_A)) as ws:
            code = server.admin("enrol-code", "--village", VILLAGE_A)["code"]
            with pytest.raises(ServerRefused, match="证书无法验证"):
                enrol_device(ws, server_url=server.url, code=code, retry=FAST_RETRY)
        with opened(new_village(tmp_path, "trusting", VILLAGE_A)) as ws:
            enrol_device(ws, server_url=server.url, code=code, ca_bundle=str(tls[0]),
                         retry=FAST_RETRY)
            assert sync_now(ws, retry=FAST_RETRY)["pulled"] == 3
    finally:
        server.stop()
