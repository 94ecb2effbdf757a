"""Issue 19: the county's error answers tell a device nothing about other villages or devices,
and a device's reported head is checked against the held events before it is recorded."""

from __future__ import annotations

import uuid
from typing import Any

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.domain.canonical import canonical_bytes
from app.domain.events import event_hash
from server.kernel import device_row, open_server
from server.push import UUID_REUSED
from sync.client import SyncClient
from sync.protocol import PATH_ENROL, EnrolRequest, Head, PushRequest, WireEvent, public_hex
from sync.state import load_state, pending_events
from tests import test_server_integration as integration
from tests.test_server_integration import VILLAGE_A, VILLAGE_B, _signed_post
from tests.test_sync_support import FAST_RETRY, enrol, new_village, opened

sqlite_county = integration.sqlite_county
county = integration.county
pg_cluster = integration.pg_cluster


def _enrol_answer(county: Any, code: str, village: str, user: str) -> requests.Response:
    key = Ed25519PrivateKey.generate()
    device = str(uuid.uuid4())
    req = EnrolRequest(code=code, device_id=device, public_key=public_hex(key),
                       box_key="ab" * 32, village=village, user=user)
    _, resp = _signed_post(county.url, PATH_ENROL, canonical_bytes(req.model_dump()), key,
                           device)
    return resp


def test_enrol_refusals_do_not_name_whose_code_it_is(sqlite_county):
    county = sqlite_county
    other_village = county.admin("enrol-code", "--village", VILLAGE_B)["code"]
    resp = _enrol_answer(county, other_village, VILLAGE_A, "王会计")
    assert resp.status_code == 403 and resp.json()["error"] == "village_mismatch"
    assert VILLAGE_B not in resp.text and VILLAGE_A in resp.json()["message"]

    bound = county.admin("enrol-code", "--village", VILLAGE_A, "--collector", "赵秀英")["code"]
    resp = _enrol_answer(county, bound, VILLAGE_A, "王会计")
    assert resp.status_code == 403 and resp.json()["error"] == "collector_mismatch"
    assert "赵秀英" not in resp.text and "王会计" in resp.json()["message"]
    assert county.admin("stats")["devices"] == 0


def _client(ws: Any, county: Any) -> SyncClient:
    return SyncClient(county.url, device_id=ws.device_id, signing_key=ws.signing_key(),
                      server_sign_key=load_state(ws.conn).server_sign_key, retry=FAST_RETRY)


def _relinked(ev: WireEvent, *, uuid_: str | None = None, seq: int | None = None) -> WireEvent:
    """``ev`` with another UUID or seq, its hash recomputed (as a key holder could)."""
    changed = ev.model_copy(update={"uuid": uuid_ or ev.uuid, "seq": seq or ev.seq})
    return changed.model_copy(update={"hash": event_hash(changed.prev_hash, changed.body())})


def _village_b_pushed_then_a(county: Any, tmp_path: Any) -> tuple[list[WireEvent],
                                                                   list[WireEvent],
                                                                   SyncClient]:
    """Village B's events stored at the county; village A enrolled: (B's events, A's
    pending events, a client of A's)."""
    with opened(new_village(tmp_path, "b", VILLAGE_B)) as ws_b:
        enrol(ws_b, county, VILLAGE_B)
        theirs = pending_events(ws_b.conn, 0, 10)
        with _client(ws_b, county) as client:
            client.push(PushRequest(head=Head(seq=theirs[-1].seq, hash=theirs[-1].hash),
                                    events=theirs))
    with opened(new_village(tmp_path, "a", VILLAGE_A)) as ws:
        enrol(ws, county, VILLAGE_A)
        batch = pending_events(ws.conn, 0, 10)
        client = _client(ws, county)
    return theirs, batch, client


def test_another_devices_uuid_is_answered_like_a_new_one(sqlite_county, tmp_path):
    county = sqlite_county
    theirs, batch, client = _village_b_pushed_then_a(county, tmp_path)
    with client:
        first, rest = batch[:1], batch[1:]
        client.push(PushRequest(head=Head(seq=1, hash=first[0].hash), events=first))
        nxt = rest[0]
        head = Head(seq=nxt.seq, hash=nxt.hash)

        def answer(ev: WireEvent) -> tuple[str, str | None, str | None]:
            result = client.push(PushRequest(head=head, events=[ev])).results[0]
            return result.status, result.reason, result.message

        # Out of place: a foreign UUID gets exactly what a fresh one gets.
        far = nxt.seq + 5
        assert answer(_relinked(nxt, uuid_=theirs[0].uuid, seq=far)) == \
            answer(_relinked(nxt, uuid_=str(uuid.uuid4()), seq=far))
        assert answer(_relinked(nxt, uuid_=theirs[0].uuid, seq=far))[1] == "gap"
        # In place: refused in the same words as a UUID this device reused itself.
        foreign = answer(_relinked(nxt, uuid_=theirs[0].uuid))
        own = answer(first[0].model_copy(update={"actor": "冒名者"}))
        assert foreign == own == ("rejected", "uuid_reused", UUID_REUSED)
        assert VILLAGE_B not in UUID_REUSED
        # The real event still goes in afterwards.
        assert answer(nxt)[0] == "accepted"


def test_reported_head_is_checked_before_it_is_recorded(sqlite_county, tmp_path):
    county = sqlite_county
    with opened(new_village(tmp_path, "a", VILLAGE_A)) as ws:
        enrol(ws, county, VILLAGE_A)
        batch = pending_events(ws.conn, 0, 10)
        device_id = ws.device_id
        client = _client(ws, county)

    def reported() -> tuple[int | None, str | None]:
        srv = open_server(county.db_url)
        try:
            row = device_row(srv, device_id)
        finally:
            srv.close()
        return row.reported_seq, row.reported_hash

    true_head = Head(seq=batch[-1].seq, hash=batch[-1].hash)
    with client:
        # Ahead of the held events (a batch limit): recorded after a clean push.
        client.push(PushRequest(head=true_head, events=batch[:1]))
        assert reported() == (true_head.seq, true_head.hash)
        client.push(PushRequest(head=true_head, events=batch[1:]))
        assert reported() == (true_head.seq, true_head.hash)
        # A head naming a held seq with another hash, or another held seq's hash: not recorded.
        for lie in (Head(seq=true_head.seq, hash="f" * 64), Head(seq=1, hash=batch[-1].hash)):
            client.push(PushRequest(head=lie, events=[]))
            assert reported() == (true_head.seq, true_head.hash)
        # A head further ahead after a push with a rejected event: not recorded either.
        broken = _relinked(batch[-1], uuid_=str(uuid.uuid4()), seq=true_head.seq + 3)
        client.push(PushRequest(head=Head(seq=true_head.seq + 9, hash="e" * 64),
                                events=[broken]))
        assert reported() == (true_head.seq, true_head.hash)
        # An honest earlier head (a device restored from a backup) matches a held event.
        client.push(PushRequest(head=Head(seq=1, hash=batch[0].hash), events=[]))
        assert reported() == (1, batch[0].hash)


def test_a_batch_carrying_another_devices_uuid_stores_what_comes_before_it(county, tmp_path):
    """A batch that continues the device's chain is stored without looking its UUIDs up
    first: one the county holds from another village fails the insert, and the batch is
    done again the careful way, with the answer a looked-up batch always got."""
    theirs, batch, client = _village_b_pushed_then_a(county, tmp_path)
    first, last = batch[0], batch[-1]
    taken = _relinked(last, uuid_=theirs[0].uuid)
    head = Head(seq=last.seq, hash=last.hash)
    with client:
        answer = client.push(PushRequest(head=head, events=[*batch[:-1], taken]))
        assert [(r.status, r.reason) for r in answer.results] == [
            *[("accepted", None)] * (len(batch) - 1), ("rejected", "uuid_reused")]
        assert answer.results[-1].message == UUID_REUSED
        assert answer.device_head.seq == last.seq - 1 >= first.seq
        # The real event still goes in afterwards, once.
        again = client.push(PushRequest(head=head, events=[last]))
        assert [r.status for r in again.results] == ["accepted"]
    assert county.admin("stats")["events"] == len(theirs) + len(batch)
