"""Signed receipt QR codes: genuine ones verify offline, anything else is named for what it is."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.canonical import canonical_bytes as canonical_json
from receipts._pdf import qr_modules
from receipts.qr import PREFIX, receipt_fields, sign_qr, verify_qr

DEVICE = "3f2a9c1e"


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def fields(**overrides: object) -> dict:
    values: dict = {
        "device_id": DEVICE,
        "series": "皖医保",
        "number": "00012007",
        "household_no": "3404220010001",
        "payer_name": "王建国",
        "total_fen": 99000,
        "member_count": 4,
        "benefit_year": 2027,
        "issued_at": datetime(2026, 11, 23, 10, 15, tzinfo=timezone(timedelta(hours=8))),
        "method": "cash",
    }
    values.update(overrides)
    return receipt_fields(**values)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_receipt_fields_normalise_time_to_utc() -> None:
    assert fields()["issued_at"] == "2026-11-23T02:15:00Z"
    with pytest.raises(ValueError):
        fields(issued_at=datetime(2026, 11, 23, 10, 15))  # naive
    with pytest.raises(ValueError):
        fields(method="alipay")


def test_genuine_code_verifies(key: Ed25519PrivateKey) -> None:
    text = sign_qr(fields(), key)
    verdict = verify_qr(text, {DEVICE: key.public_key()})
    assert verdict.status == "valid"
    assert verdict.ok
    assert verdict.fields == fields()
    assert "皖医保 00012007" in verdict.message
    assert "¥990.00" in verdict.message


def test_format_is_prefix_canonical_json_and_signature(key: Ed25519PrivateKey) -> None:
    text = sign_qr(fields(), key)
    assert text.startswith(PREFIX)
    payload_part, signature_part = text[len(PREFIX):].split(".")
    payload = unb64(payload_part)
    wire = json.loads(payload)
    assert payload == canonical_json(wire)
    assert wire["p"] == "王建国"  # ensure_ascii=False: Chinese stays UTF-8, not \\u escapes
    key.public_key().verify(unb64(signature_part), payload)  # signature over exactly those bytes


def test_text_is_small_enough_for_a_printed_qr_code(key: Ed25519PrivateKey) -> None:
    text = sign_qr(fields(payer_name="欧阳建国", household_no="340422001000100"), key)
    assert len(text) <= 300
    version = (len(qr_modules(text)) - 17) // 4
    assert version <= 13  # ≤ 69 modules: 0.3 mm per module at 22 mm


def test_altered_payload_is_forged(key: Ed25519PrivateKey) -> None:
    text = sign_qr(fields(), key)
    payload_part, signature_part = text[len(PREFIX):].split(".")
    wire = json.loads(unb64(payload_part))
    wire["t"] = 9900  # ¥990.00 → ¥99.00
    altered = f"{PREFIX}{b64(canonical_json(wire))}.{signature_part}"
    verdict = verify_qr(altered, {DEVICE: key.public_key()})
    assert verdict.status == "forged"
    assert verdict.fields is not None and verdict.fields["total_fen"] == 9900
    assert "篡改" in verdict.message


def test_signature_from_another_key_is_forged(key: Ed25519PrivateKey) -> None:
    impostor = Ed25519PrivateKey.generate()
    verdict = verify_qr(sign_qr(fields(), impostor), {DEVICE: key.public_key()})
    assert verdict.status == "forged"


def test_flipped_signature_byte_is_forged(key: Ed25519PrivateKey) -> None:
    text = sign_qr(fields(), key)
    payload_part, signature_part = text[len(PREFIX):].split(".")
    signature = bytearray(unb64(signature_part))
    signature[10] ^= 0x01
    verdict = verify_qr(f"{PREFIX}{payload_part}.{b64(bytes(signature))}",
                        {DEVICE: key.public_key()})
    assert verdict.status == "forged"


def test_key_not_in_map_is_unknown_device(key: Ed25519PrivateKey) -> None:
    other = Ed25519PrivateKey.generate()
    text = sign_qr(fields(device_id="9b0c77d2"), other)
    verdict = verify_qr(text, {DEVICE: key.public_key()})
    assert verdict.status == "unknown_device"
    assert verdict.fields is not None and verdict.fields["device_id"] == "9b0c77d2"
    assert "9b0c77d2" in verdict.message


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "https://example.com/receipt/00012007",
        "YB1:",
        "YB1:.",
        "YB1:abc",
        "YB1:abc.def.ghi",
        "YB2:" + "e30" + "." + "A" * 86,
        "YB1:" + "e30" + "." + "A" * 86,  # {} — no fields
        "YB1:" + "!!!!" + "." + "A" * 86,
        "YB1:" + b64(b"\xff\xfe") + "." + "A" * 86,  # not UTF-8
        "YB1:" + b64(b"[1,2,3]") + "." + "A" * 86,
        "YB1:" + b64(b"[" * 50000 + b"]" * 50000) + "." + "A" * 86,
    ],
)
def test_garbage_is_malformed(text: str) -> None:
    verdict = verify_qr(text, {})
    assert verdict.status == "malformed"
    assert verdict.fields is None
    assert "二维码" in verdict.message


def test_wrong_field_types_and_short_signature_are_malformed(key: Ed25519PrivateKey) -> None:
    text = sign_qr(fields(), key)
    payload_part, signature_part = text[len(PREFIX):].split(".")
    wire = json.loads(unb64(payload_part))
    keys = {DEVICE: key.public_key()}
    for field, value in (("t", "990.00"), ("m", True), ("i", "yesterday"), ("w", "alipay")):
        bad = dict(wire, **{field: value})
        assert verify_qr(f"{PREFIX}{b64(canonical_json(bad))}.{signature_part}",
                         keys).status == "malformed"
    assert verify_qr(f"{PREFIX}{payload_part}.{signature_part[:40]}", keys).status == "malformed"
    # Characters outside base64url are not silently skipped.
    assert verify_qr(f"{PREFIX}{payload_part[:10]}*{payload_part[10:]}.{signature_part}",
                     keys).status == "malformed"


def test_surrounding_whitespace_from_a_scanner_is_ignored(key: Ed25519PrivateKey) -> None:
    text = sign_qr(fields(), key)
    assert verify_qr(f"  {text}\r\n", {DEVICE: key.public_key()}).status == "valid"


def test_sign_rejects_incomplete_fields(key: Ed25519PrivateKey) -> None:
    incomplete = fields()
    del incomplete["method"]
    with pytest.raises(ValueError):
        sign_qr(incomplete, key)
    with pytest.raises(ValueError):
        sign_qr(dict(fields(), extra="x"), key)


@settings(max_examples=25, deadline=None)
@given(
    payer=st.text(alphabet=st.characters(categories=["Lo", "Lu", "Ll", "Nd"]), min_size=1,
                  max_size=8),
    total=st.integers(min_value=0, max_value=10**9),
    members=st.integers(min_value=1, max_value=20),
    minutes=st.integers(min_value=0, max_value=10**6),
)
def test_any_genuine_receipt_round_trips(payer: str, total: int, members: int,
                                         minutes: int) -> None:
    key = Ed25519PrivateKey.generate()
    values = fields(payer_name=payer, total_fen=total, member_count=members,
                    issued_at=datetime(2026, 9, 1, tzinfo=UTC) + timedelta(minutes=minutes))
    verdict = verify_qr(sign_qr(values, key), {DEVICE: key.public_key()})
    assert verdict.status == "valid"
    assert verdict.fields == values
