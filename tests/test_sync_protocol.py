"""The protocol's pieces on their own: the wire hash, signatures, bundle sealing, migration."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

import sync.protocol as protocol
from app.domain.canonical import canonical_bytes, plain_canonical_bytes
from app.services.village.roster import add_household
from db import journal, migrations
from db.connection import open_database
from sync.protocol import (
    GENESIS,
    BundleError,
    Head,
    PullResponse,
    PushBundle,
    ReplyBundle,
    SignatureInvalid,
    WireEvent,
    event_hash,
    open_bundle,
    parse_signed_headers,
    public_hex,
    read_bundle_header,
    seal_bundle,
    sign_request,
    sign_response,
    verify_request,
    verify_response,
)
from sync.state import pending_events, to_wire

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**15, 10**15) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                               max_size=4),
    max_leaves=20)


@given(payload=st.dictionaries(st.text(max_size=10), json_values, max_size=6),
       prev=st.sampled_from([GENESIS, "ab" * 32]))
@settings(max_examples=100, deadline=None)
def test_wire_hash_is_the_journal_hash(payload, prev):
    body = {"uuid": "u", "device": "d", "seq": 3, "type": "t.x", "payload": payload,
            "actor": "李会计", "at": "2026-10-15T02:00:00+00:00"}
    assert event_hash(prev, body) == journal.event_hash(prev, body)


# Float-free JSON values of any size: what the county encodes the fast way (server.wire finds a
# body "plain" only when it holds no float and no integer of 19 digits or more).
plain_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30)


@given(value=plain_values)
@settings(max_examples=300, deadline=None)
def test_plain_values_encode_byte_for_byte_as_canonical_json(value):
    assert plain_canonical_bytes(value) == canonical_bytes(value)


def test_every_character_escapes_and_sorts_as_in_canonical_json():
    characters = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    for start in range(0, len(characters), 4096):
        block = characters[start:start + 4096]
        value = {"".join(block): [c for c in block], **{c + "k": start for c in block}}
        assert plain_canonical_bytes(value) == canonical_bytes(value)


@given(payload=st.dictionaries(st.text(max_size=10), plain_values, max_size=6),
       prev=st.sampled_from([GENESIS, "ab" * 32]))
@settings(max_examples=100, deadline=None)
def test_a_wire_event_verifies_the_same_the_plain_way(payload, prev):
    body = {"uuid": "7d4a7cdb-9154-48cf-8331-9ae8175220eb",
            "device": "7d4a7cdb-9154-48cf-8331-9ae8175220ec", "seq": 3, "type": "t.x",
            "payload": payload, "actor": "李会计", "at": "2026-10-15T02:00:00+00:00"}
    wire = WireEvent(**body, prev_hash=prev, hash=event_hash(prev, body))
    assert wire.verified_payload(plain=True) == wire.verified_payload() is not None


def test_real_journal_events_verify_on_the_wire(ws):
    add_household(ws, household_no="3404220010001", head_name="王建国", group="一组")
    wire = pending_events(ws.conn, 0, 100)
    assert [e.seq for e in wire] == [1, 2]
    assert all(e.hash_ok() for e in wire)
    assert wire[1].prev_hash == wire[0].hash
    assert to_wire(next(journal.iter_events(ws.conn))).hash == wire[0].hash


def _headers(key: Ed25519PrivateKey, body: bytes = b'{"a":1}') -> dict[str, str]:
    return {k.lower(): v for k, v in sign_request(
        key, device_id="7d4a7cdb-9154-48cf-8331-9ae8175220eb", method="POST",
        path="/v1/push", body=body).items()}


def test_request_signature_covers_method_path_body_and_timestamp():
    key = Ed25519PrivateKey.generate()
    signed = parse_signed_headers(_headers(key))
    assert not isinstance(signed, str)
    good = {"method": "POST", "path": "/v1/push", "body": b'{"a":1}'}
    assert verify_request(public_hex(key), signed, **good)
    for change in ({"method": "PUT"}, {"path": "/v1/pull"}, {"body": b'{"a":2}'}):
        assert not verify_request(public_hex(key), signed, **{**good, **change})
    later = signed.model_copy(update={"timestamp": signed.timestamp + 1})
    assert not verify_request(public_hex(key), later, **good)
    other = Ed25519PrivateKey.generate()
    assert not verify_request(public_hex(other), signed, **good)


def test_signature_headers_missing_or_malformed():
    assert parse_signed_headers({}) == "unsigned"
    headers = _headers(Ed25519PrivateKey.generate())
    assert parse_signed_headers({**headers, "x-yibao-nonce": "短"}) == "malformed_signature"
    assert parse_signed_headers({**headers, "x-yibao-timestamp": "-5"}) == "malformed_signature"


def test_response_signature_is_bound_to_the_request_nonce_and_status():
    key = Ed25519PrivateKey.generate()
    sig = sign_response(key, nonce="ab" * 16, status=200, body=b"{}")
    assert verify_response(public_hex(key), sig, nonce="ab" * 16, status=200, body=b"{}")
    assert not verify_response(public_hex(key), sig, nonce="cd" * 16, status=200, body=b"{}")
    assert not verify_response(public_hex(key), sig, nonce="ab" * 16, status=401, body=b"{}")
    assert not verify_response(public_hex(key), "zz", nonce="ab" * 16, status=200, body=b"{}")


def _reply(device: str) -> ReplyBundle:
    return ReplyBundle(device_id=device, results=[], device_head=Head(seq=0, hash=GENESIS),
                       pulls=[PullResponse(cursor_from=0, next_cursor=0, more=False, items=[],
                                           server_time="t")])


DEVICE = "7d4a7cdb-9154-48cf-8331-9ae8175220eb"
SERVER = "ccfcaf9f-3043-4722-8222-9bd1a432dabb"


def _sealed(sign: Ed25519PrivateKey, box: X25519PrivateKey, content: ReplyBundle) -> bytes:
    return seal_bundle(kind="reply", sender=SERVER, recipient=DEVICE,
                       recipient_box_key=public_hex(box), sign_key=sign,
                       sender_box_key=public_hex(X25519PrivateKey.generate()), content=content)


def test_bundle_round_trip_and_refusals():
    sign, box = Ed25519PrivateKey.generate(), X25519PrivateKey.generate()
    data = _sealed(sign, box, _reply(DEVICE))
    envelope = read_bundle_header(data)
    opened = open_bundle(envelope, box_key=box, expected_sign_key=public_hex(sign),
                         model=ReplyBundle)
    assert opened == _reply(DEVICE)
    with pytest.raises(BundleError, match="不是发给本机"):
        open_bundle(envelope, box_key=X25519PrivateKey.generate(), expected_sign_key=None,
                    model=ReplyBundle)
    with pytest.raises(SignatureInvalid):
        open_bundle(envelope, box_key=box,
                    expected_sign_key=public_hex(Ed25519PrivateKey.generate()),
                    model=ReplyBundle)
    readdressed = envelope.model_copy(update={"header": envelope.header.model_copy(
        update={"recipient": SERVER})})
    with pytest.raises(SignatureInvalid):
        open_bundle(readdressed, box_key=box, expected_sign_key=None, model=ReplyBundle)
    with pytest.raises(BundleError, match="不符合同步协议"):
        open_bundle(envelope, box_key=box, expected_sign_key=None, model=PushBundle)
    with pytest.raises(BundleError):
        read_bundle_header(b"\x00" * 100)


def test_bundle_that_inflates_past_the_limit_is_refused(monkeypatch):
    sign, box = Ed25519PrivateKey.generate(), X25519PrivateKey.generate()
    data = _sealed(sign, box, _reply(DEVICE))
    monkeypatch.setattr(protocol, "MAX_BUNDLE_PLAINTEXT", 64)
    with pytest.raises(BundleError, match="过大"):
        open_bundle(read_bundle_header(data), box_key=box, expected_sign_key=None,
                    model=ReplyBundle)


def test_a_version_2_database_gains_the_sync_tables(tmp_path):
    conn = open_database(tmp_path / "old.db", b"k" * 32, create=True)
    try:
        assert migrations.migrate(conn, target=2) == [1, 2]
        assert migrations.migrate(conn, target=3) == [3]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"sync_state", "sync_refund_tasks"} <= tables
    finally:
        conn.close()
