"""The county writes a push answer from the values its model was validated from
(server.push.push_answer): the bytes are the canonical JSON of that model, whatever the
results say (accepted, duplicate, rejected after a break)."""

from __future__ import annotations

import json
import uuid

from app.domain.canonical import canonical_bytes
from sync.protocol import Head, PushRequest, PushResponse
from sync.state import pending_events
from tests import test_server_integration as integration
from tests.test_server_integration import VILLAGE_A
from tests.test_server_leaks import _client, _relinked
from tests.test_sync_support import enrol, new_village, opened

sqlite_county = integration.sqlite_county
county = integration.county
pg_cluster = integration.pg_cluster


def test_a_push_answer_is_the_canonical_json_of_its_model(county, tmp_path):
    with opened(new_village(tmp_path, "a", VILLAGE_A)) as ws:
        enrol(ws, county, VILLAGE_A)
        batch = pending_events(ws.conn, 0, 10)
        client = _client(ws, county)
    answers: list[bytes] = []
    check = client._signed_by_server

    def keep(resp, raw, signature, nonce, status):
        answers.append(raw)
        check(resp, raw, signature, nonce, status)

    client._signed_by_server = keep  # type: ignore[method-assign]
    head = Head(seq=batch[-1].seq, hash=batch[-1].hash)
    gap = _relinked(batch[-1], uuid_=str(uuid.uuid4()), seq=head.seq + 3)
    with client:
        client.push(PushRequest(head=head, events=batch[:1]))
        statuses = [r.status for r in client.push(PushRequest(
            head=head, events=[*batch, gap, _relinked(batch[-1], uuid_=str(uuid.uuid4()),
                                                      seq=head.seq + 4)])).results]
    assert statuses[:2] == ["duplicate", "accepted"] and statuses[-2:] == ["rejected"] * 2
    for raw in answers:
        assert raw == canonical_bytes(PushResponse.model_validate_json(raw).model_dump())
        assert raw == canonical_bytes(json.loads(raw))



def test_a_payload_holding_floats_is_pushed_and_held_as_hashed(county, tmp_path):
    """The laptop writes push bodies with msgspec (sync.client._encoded_push): a float in a
    payload reads back at the county as the same number, so its hash holds."""
    from app.services.exchange.county import sync_now
    from db.connection import tx
    from tests.test_server_integration import _server_events
    from tests.test_sync_support import FAST_RETRY, journal_rows

    with opened(new_village(tmp_path, "a", VILLAGE_A)) as ws:
        enrol(ws, county, VILLAGE_A)
        with tx(ws.conn):
            ws.record("note.measured", {"values": [1e16, 0.1, -0.0, 5e-324, 1 / 3, 2.0**60],
                                        "big": 2**62, "text": "一\u202e二"})
        result = sync_now(ws, retry=FAST_RETRY)
        assert (result["pending"], result["rejected"]) == (0, 0)
        assert _server_events(county, ws.device_id) == journal_rows(ws)
