"""Signed QR payload printed on every receipt, checkable offline with the device's public key.

Format (version 1, prefix ``YB1``; version 2, prefix ``YB2``)::

    YB1:<base64url(JSON)>.<base64url(Ed25519 signature over exactly those JSON bytes)>
    YB2:<base64url(JSON)>.<base64url(Ed25519 signature over exactly those JSON bytes)>

without ``=`` padding. The JSON is canonical — ``json.dumps(obj, ensure_ascii=False,
sort_keys=True, separators=(",", ":"))`` encoded as UTF-8 — and uses one-letter keys: with
an 8-character device id a receipt's text is about 290 characters, a QR code of version 12–13
at error correction M (65–69 modules, 0.3 mm each at the 22 mm printed on receipts), which a
phone reads from a laser or inkjet print. A 36-character UUID as device id adds 48 characters
and a version; keep device ids short. The API speaks in full field names (``receipt_fields``
and ``QrVerdict.fields``); the short keys exist only on the wire:

    d device_id   s series        n number       h household_no   p payer_name
    t total_fen   m member_count  y benefit_year i issued_at      w method

Version 2 adds two signed fields that pin the receipt to its place in the device's journal
(docs/SYNC.md, "County trust"), so a receipt checked later exposes an erased or altered
record even beyond the county's last countersigned head:

    q journal_seq   the journal sequence number of the ``payment.collected`` event (int ≥ 1)
    c prev_hash16   the first 16 hex digits (lower case) of that event's ``prev_hash``

(The event's own hash cannot be inside a QR that its payload stores; the previous hash and
the position pin it just as well, since the event's hash covers both.) A v2 code carries
exactly the twelve keys above, a v1 code exactly the first ten; ``sign_qr`` issues v2 when
the fields carry ``journal_seq`` and ``prev_hash16`` and v1 otherwise, and ``verify_qr``
reads both (``QrVerdict.version``). The v2 text is about 40 characters longer.

``issued_at`` is UTC, ISO 8601 to the second with a ``Z`` suffix.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.domain.canonical import canonical_bytes
from app.domain.money import format_fen
from receipts.model import METHOD_LABELS

PREFIX = "YB1:"
PREFIX_V2 = "YB2:"

# Full name → wire key, and the type each field must have.
_KEYS: dict[str, tuple[str, type]] = {
    "device_id": ("d", str),
    "series": ("s", str),
    "number": ("n", str),
    "household_no": ("h", str),
    "payer_name": ("p", str),
    "total_fen": ("t", int),
    "member_count": ("m", int),
    "benefit_year": ("y", int),
    "issued_at": ("i", str),
    "method": ("w", str),
}
# Version 2's chain pins, in addition to every version-1 field.
_CHAIN_KEYS: dict[str, tuple[str, type]] = {
    "journal_seq": ("q", int),
    "prev_hash16": ("c", str),
}
_KEYS_V2: dict[str, tuple[str, type]] = {**_KEYS, **_CHAIN_KEYS}
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
_HEX16 = re.compile(r"[0-9a-f]{16}")
_WIRE_KEYS = frozenset(short for short, _ in _KEYS.values())
_WIRE_KEYS_V2 = frozenset(short for short, _ in _KEYS_V2.values())


@dataclass(frozen=True)
class QrVerdict:
    """Outcome of checking a scanned receipt QR code.

    ``status`` is ``valid``, ``forged`` (signature does not match: altered or fake),
    ``unknown_device`` (no public key for the device that signed it) or ``malformed`` (not
    a receipt code at all). ``fields`` holds the decoded fields whenever they could be read
    (also for forged and unknown devices, so the clerk can see what the code claims).
    """

    status: str
    fields: dict[str, Any] | None
    message: str
    version: int = 1  # 1 (YB1) or 2 (YB2, with journal_seq and prev_hash16)

    @property
    def ok(self) -> bool:
        return self.status == "valid"


def receipt_fields(
    *,
    device_id: str,
    series: str,
    number: str,
    household_no: str,
    payer_name: str,
    total_fen: int,
    member_count: int,
    benefit_year: int,
    issued_at: datetime,
    method: str,
    journal_seq: int | None = None,
    prev_hash: str | None = None,
) -> dict[str, Any]:
    """The essential fields of a receipt, in the form ``sign_qr`` signs.

    ``issued_at`` must be aware; it is stored in UTC to the second. With ``journal_seq`` (the
    payment event's journal seq) and ``prev_hash`` (its previous event's hash, 64 hex or
    already cut to 16) the fields are version 2 and carry ``journal_seq`` and ``prev_hash16``.
    """
    if (journal_seq is None) != (prev_hash is None):
        raise ValueError("journal_seq and prev_hash go together")
    if issued_at.tzinfo is None or issued_at.utcoffset() is None:
        raise ValueError("issued_at must be timezone-aware")
    if method not in METHOD_LABELS:
        raise ValueError(f"unknown payment method {method!r}")
    return {
        "device_id": device_id,
        "series": series,
        "number": number,
        "household_no": household_no,
        "payer_name": payer_name,
        "total_fen": total_fen,
        "member_count": member_count,
        "benefit_year": benefit_year,
        "issued_at": issued_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "method": method,
        **({} if journal_seq is None or prev_hash is None else
           {"journal_seq": journal_seq, "prev_hash16": prev_hash[:16].lower()}),
    }


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    # The standard decoder silently skips characters outside the alphabet; a receipt code
    # must be exactly what the device printed.
    if not _BASE64URL.fullmatch(text):
        raise ValueError("not unpadded base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_qr(fields: Mapping[str, Any], private_key: Ed25519PrivateKey) -> str:
    """The QR text for ``fields`` (as made by ``receipt_fields``), signed with the device key."""
    problem = _field_problem(fields)
    if problem:
        raise ValueError(problem)
    keys, prefix = (_KEYS_V2, PREFIX_V2) if "journal_seq" in fields else (_KEYS, PREFIX)
    payload = canonical_bytes({keys[name][0]: value for name, value in fields.items()})
    signature = private_key.sign(payload)
    return f"{prefix}{_b64encode(payload)}.{_b64encode(signature)}"


def verify_qr(text: str, public_keys: Mapping[str, Ed25519PublicKey]) -> QrVerdict:
    """Check a scanned QR text against the known device public keys (device id → key)."""
    malformed = QrVerdict("malformed", None, "不是有效的医保收据二维码，无法识别")
    text = text.strip()
    if text.startswith(PREFIX):
        version, keys, wire_keys = 1, _KEYS, _WIRE_KEYS
    elif text.startswith(PREFIX_V2):
        version, keys, wire_keys = 2, _KEYS_V2, _WIRE_KEYS_V2
    else:
        return malformed
    if text.count(".") != 1 or len(text) > 4096:
        return malformed
    encoded_payload, encoded_signature = text[len(PREFIX):].split(".")
    try:
        payload = _b64decode(encoded_payload)
        signature = _b64decode(encoded_signature)
        wire = json.loads(payload.decode("utf-8"))
    # ValueError covers bad base64, UTF-8 and JSON; absurdly nested JSON raises RecursionError.
    except (ValueError, RecursionError):
        return malformed
    if not isinstance(wire, dict) or set(wire) != wire_keys or len(signature) != 64:
        return malformed
    fields = {name: wire[short] for name, (short, _) in keys.items()}
    if _field_problem(fields):
        return malformed

    device = fields["device_id"]
    key = public_keys.get(device)
    if key is None:
        return QrVerdict("unknown_device", fields,
                         f"未知设备（{device}）签发，无法校验；请先同步设备公钥后再扫码",
                         version)
    try:
        key.verify(signature, payload)
    except InvalidSignature:
        return QrVerdict("forged", fields, "签名校验失败：二维码内容被篡改或伪造，此收据不可信",
                         version)
    return QrVerdict(
        "valid", fields,
        f"签名有效：{fields['series']} {fields['number']}，交款人 {fields['payer_name']}，"
        f"{fields['member_count']} 人，金额 {format_fen(fields['total_fen'], symbol=True)}",
        version,
    )


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")  # a lone surrogate ("\ud800") is no text
    except UnicodeEncodeError:
        return False
    return True


def _field_problem(fields: Mapping[str, Any]) -> str | None:
    """Why ``fields`` is not a valid set of receipt fields (v1 or v2), or None."""
    keys = _KEYS_V2 if "journal_seq" in fields or "prev_hash16" in fields else _KEYS
    if set(fields) != set(keys):
        return f"receipt QR fields must be exactly {sorted(keys)}"
    for name, (_, kind) in keys.items():
        value = fields[name]
        if not isinstance(value, kind) or isinstance(value, bool):
            return f"{name} must be {kind.__name__}"
        if isinstance(value, str) and not _utf8(value):
            return f"{name} must be valid Unicode text"
    if fields["method"] not in METHOD_LABELS:
        return f"unknown payment method {fields['method']!r}"
    if fields["total_fen"] < 0 or fields["member_count"] < 1:
        return "total_fen must be ≥ 0 and member_count ≥ 1"
    if keys is _KEYS_V2 and not (1 <= fields["journal_seq"] <= 2**53
                                 and _HEX16.fullmatch(fields["prev_hash16"])):
        return "journal_seq must be ≥ 1 and prev_hash16 16 lower-case hex digits"
    try:
        datetime.strptime(fields["issued_at"], "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return "issued_at must be UTC ISO 8601 like 2026-11-23T02:15:00Z"
    return None
