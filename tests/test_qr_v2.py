"""Receipt QR version 2: the chain pins (journal seq, previous hash) are signed; v1 still reads."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.domain.canonical import canonical_bytes
from receipts._pdf import qr_modules
from receipts.qr import PREFIX, PREFIX_V2, receipt_fields, sign_qr, verify_qr

DEVICE = "3f2a9c1e"
PREV = "7d83b9c51b09b1ea" + "0" * 48


def fields(**chain: object) -> dict:
    return receipt_fields(device_id=DEVICE, series="皖医保", number="00012007",
                          household_no="3404220010001", payer_name="王建国", total_fen=99000,
                          member_count=4, benefit_year=2027,
                          issued_at=datetime(2026, 11, 23, 2, 15, tzinfo=UTC), method="cash",
                          **chain)  # type: ignore[arg-type]


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_v2_carries_the_pins_under_one_letter_keys_and_verifies() -> None:
    key = Ed25519PrivateKey.generate()
    f = fields(journal_seq=4711, prev_hash=PREV)
    assert (f["journal_seq"], f["prev_hash16"]) == (4711, PREV[:16])
    text = sign_qr(f, key)
    assert text.startswith(PREFIX_V2)
    wire = json.loads(unb64(text[4:].split(".")[0]))
    assert (wire["q"], wire["c"]) == (4711, PREV[:16])
    verdict = verify_qr(text, {DEVICE: key.public_key()})
    assert (verdict.status, verdict.version, verdict.fields) == ("valid", 2, f)
    # Still a printable code: version 2 adds about 40 characters.
    assert len(text) <= 360 and (len(qr_modules(text)) - 17) // 4 <= 14


def test_v1_is_still_issued_without_pins_and_read() -> None:
    key = Ed25519PrivateKey.generate()
    text = sign_qr(fields(), key)
    assert text.startswith(PREFIX) and not text.startswith(PREFIX_V2)
    verdict = verify_qr(text, {DEVICE: key.public_key()})
    assert (verdict.status, verdict.version) == ("valid", 1)
    assert "journal_seq" not in verdict.fields


def test_a_changed_pin_is_forged_and_mixed_versions_are_malformed() -> None:
    key = Ed25519PrivateKey.generate()
    text = sign_qr(fields(journal_seq=12, prev_hash=PREV), key)
    payload, signature = text[4:].split(".")
    wire = json.loads(unb64(payload))
    moved = base64.urlsafe_b64encode(canonical_bytes({**wire, "q": 13})).rstrip(b"=").decode()
    assert verify_qr(f"{PREFIX_V2}{moved}.{signature}",
                     {DEVICE: key.public_key()}).status == "forged"
    # A v2 payload under the v1 prefix (or the reverse) is no receipt code.
    assert verify_qr(PREFIX + text[4:], {DEVICE: key.public_key()}).status == "malformed"
    v1 = sign_qr(fields(), key)
    assert verify_qr(PREFIX_V2 + v1[4:], {DEVICE: key.public_key()}).status == "malformed"


@pytest.mark.parametrize("chain", [{"journal_seq": 0, "prev_hash": PREV},
                                   {"journal_seq": 5, "prev_hash": "XYZ" * 6},
                                   {"journal_seq": 5}, {"prev_hash": PREV}])
def test_bad_pins_are_refused(chain: dict) -> None:
    with pytest.raises(ValueError):
        sign_qr(fields(**chain), Ed25519PrivateKey.generate())


def test_a_lone_surrogate_is_no_receipt_text() -> None:
    payload = base64.urlsafe_b64encode(json.dumps(
        {"d": "\ud800", "s": "s", "n": "1", "h": "h", "p": "p", "t": 1, "m": 1, "y": 2027,
         "i": "2026-11-23T02:15:00Z", "w": "cash"}).encode()).rstrip(b"=").decode()
    assert verify_qr(f"{PREFIX}{payload}.{'A' * 86}", {}).status == "malformed"
