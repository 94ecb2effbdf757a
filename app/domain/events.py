"""The journal's event catalogue (日志事件目录): every event type, its typed payload, the chain.

This module is the only place that knows what a journal payload looks like. Each ledger event
type has one frozen payload class with a version; :func:`parse` turns a stored payload (of any
version ever written) into it, and :func:`payload_of` turns a new one into the dict that is
hashed and stored. The chain formula is here once: hash = SHA-256(prev_hash ‖ canonical JSON
of the event body), the first prev_hash being :data:`GENESIS`.

Event types the ledger does not fold (roster edits, sync bookkeeping, …) parse to
:class:`Other`, which keeps the raw payload for the audit trail but offers no fields.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

import msgspec
from msgspec import Struct

from app.domain.canonical import canonical_json
from app.domain.errors import ValidationError
from app.domain.roster import REFUND_REASONS

GENESIS = "0" * 64


def event_hash(prev_hash: str, body: dict[str, Any]) -> str:
    """The chain link: SHA-256 of the previous hash followed by the canonical event body."""
    return event_hash_of_text(prev_hash, canonical_json(body))


def event_hash_of_text(prev_hash: str, body_text: str) -> str:
    """:func:`event_hash` of a body already in canonical JSON (for a caller that needs the
    text too: the county stores the payload's part of it)."""
    return event_hash_of_bytes(prev_hash, body_text.encode("utf-8"))


def event_hash_of_bytes(prev_hash: str, body: bytes) -> str:
    """:func:`event_hash` of a body already in canonical JSON, encoded as UTF-8."""
    return hashlib.sha256(prev_hash.encode("utf-8") + body).hexdigest()


def event_body(*, uuid: str, device: str, seq: int, type: str, payload: dict[str, Any],
               actor: str, at: str) -> dict[str, Any]:
    """The hashed part of an event (everything but the chain links)."""
    return {"uuid": uuid, "device": device, "seq": seq, "type": type, "payload": payload,
            "actor": actor, "at": at}


class EventFormatError(ValidationError):
    """A stored payload that does not match its event type's model (damaged or forged)."""

    code = "bad_event"


# --- payload models -----------------------------------------------------------------------


class Payload(Struct, frozen=True):
    """Base of the typed payloads; ``TYPE`` is the journal type, ``VERSION`` the newest shape."""

    TYPE: ClassVar[str] = ""
    VERSION: ClassVar[int] = 1

    @classmethod
    def upgrade(cls, data: dict[str, Any], version: int) -> dict[str, Any]:
        """Fill in what an older version of this payload did not carry."""
        return data


class HouseholdRef(Struct, frozen=True):
    id: str
    no: str
    head: str
    village: str = ""
    group: str = ""


class PaymentLine(Struct, frozen=True, rename={"nonlocal_": "nonlocal"}):
    line_id: str
    person_id: str
    name: str
    id_type: str
    id_number: str
    nonlocal_: bool
    price_fen: int
    subsidy_fen: int
    category: str | None
    payable_fen: int


class ReceiptOnPayment(Struct, frozen=True):
    series: str
    number: int
    label: str
    qr: str | None = None


class PaymentCollected(Payload, frozen=True):
    """收款: one household's payment, its lines and (when money was taken) its receipt."""

    TYPE: ClassVar[str] = "payment.collected"
    VERSION: ClassVar[int] = 2
    payment_id: str
    campaign_id: str
    campaign_year: int
    benefit_year: int
    household: HouseholdRef
    tier: str
    method: str
    method_ref: str | None
    amount_fen: int
    collected_at: str
    business_date: str
    override_reason: str | None
    receipt: ReceiptOnPayment | None
    lines: tuple[PaymentLine, ...]
    # v2: the book the number came from and, for a newborn, the first day of cover.
    book_id: str | None = None
    coverage_start: str | None = None


class ReceiptVoided(Payload, frozen=True):
    """作废: an issued receipt (its payment is cancelled) or the next blank form (skipped)."""

    TYPE: ClassVar[str] = "receipt.voided"
    VERSION: ClassVar[int] = 2
    series: str
    number: int
    reason: str
    payment_id: str | None
    blank: bool
    enrolments_ended: tuple[str, ...] = ()
    # v2: the working day of the void, which the void window and refund deadline judge
    # (version-1 voids carried none and are not judged by those later rules).
    business_date: str | None = None


class ReceiptLost(Payload, frozen=True):
    TYPE: ClassVar[str] = "receipt.lost"
    series: str
    first: int
    last: int
    reason: str


class ReceiptPrinted(Payload, frozen=True):
    TYPE: ClassVar[str] = "receipt.printed"
    series: str
    number: int
    kind: str


REFUND_PAYERS = ("cash", "township", "channel")


class RefundMade(Payload, frozen=True):
    """退费 of one line. ``paid_by``: the collector's cash, the township (a request it marks
    paid), or — only in version-1 events of non-cash payments — the original channel."""

    TYPE: ClassVar[str] = "refund.made"
    VERSION: ClassVar[int] = 2
    refund_id: str
    payment_id: str
    payment_line_id: str
    person_id: str
    id_number: str
    series: str | None
    number: int | None
    amount_fen: int
    method: str
    reason: str
    business_date: str
    paid_by: str
    note: str = ""

    @classmethod
    def upgrade(cls, data: dict[str, Any], version: int) -> dict[str, Any]:
        if version < 2 and "paid_by" not in data:
            # Version 1 paid a cash payment's refund from cash on hand and any other back
            # through the channel it came by.
            data = {**data, "paid_by": "cash" if data.get("method") == "cash" else "channel"}
        return data


class DepositRecorded(Payload, frozen=True):
    """缴存: cash taken to the township account."""

    TYPE: ClassVar[str] = "deposit.recorded"
    deposit_id: str
    slip_no: str
    amount_fen: int
    deposit_date: str


class CashDailyClosed(Payload, frozen=True):
    TYPE: ClassVar[str] = "cash.daily_closed"
    close_id: str
    business_date: str
    expected_fen: int
    counted_fen: int
    difference_fen: int
    note: str = ""


class BookRegistered(Payload, frozen=True):
    """领用: a receipt book registered on the device."""

    TYPE: ClassVar[str] = "book.registered"
    book_id: str
    series: str
    first: int
    last: int
    width: int
    collector: str


class BookSettled(Payload, frozen=True):
    """核销 as it reached the village (by sync or bundle): the book is frozen from here on."""

    TYPE: ClassVar[str] = "book.settlement_received"
    allocation_id: str
    series: str
    first: int
    last: int
    collector: str
    settled_at: str


class PolicyLoaded(Payload, frozen=True):
    TYPE: ClassVar[str] = "policy.loaded"
    campaign_id: str
    policy_hash: str
    policy: dict[str, Any]


ENROLMENT_END_REASONS: dict[str, str] = REFUND_REASONS


class EnrolmentEnded(Payload, frozen=True):
    """终止参保 of an enrolment that took no money (资助参保): an event, never a delete."""

    TYPE: ClassVar[str] = "enrolment.ended"
    person_id: str
    id_number: str
    campaign_year: int
    payment_id: str
    payment_line_id: str
    reason: str
    business_date: str
    note: str = ""


class DatabaseCreated(Payload, frozen=True):
    TYPE: ClassVar[str] = "database.created"
    db_id: str = ""
    user: str = ""
    device_public_key: str = ""
    village: str = ""
    role: str = ""


class Other(Payload, frozen=True):
    """An event the ledger does not fold; its payload stays as it was stored."""

    raw: dict[str, Any]


class Malformed(Payload, frozen=True):
    """A stored payload its type's model does not accept: folded as a problem, never applied."""

    raw: Any
    error: str


CATALOGUE: dict[str, type[Payload]] = {cls.TYPE: cls for cls in (
    PaymentCollected, ReceiptVoided, ReceiptLost, ReceiptPrinted, RefundMade, DepositRecorded,
    CashDailyClosed, BookRegistered, BookSettled, PolicyLoaded, EnrolmentEnded,
    DatabaseCreated)}

# The event types that move money, receipts or enrolments: what a replay must read.
LEDGER_TYPES: tuple[str, ...] = tuple(t for t in CATALOGUE if t != "cash.daily_closed")


# --- reading and writing payloads -----------------------------------------------------------
#
# msgspec decodes a stored payload's JSON text straight into its frozen class, checking every
# field's type on the way (strictly: ``true`` is not 1 fen, ``1.0`` is not an int). A replay
# reads every payment of a township's campaign, and decoding to dicts and then checking them
# field by field in Python was most of verify's time (docs/PERFORMANCE.md).


class _Stored(Struct):
    """A stored payload's version; its other keys are skipped unread."""

    v: Any = 1


_VERSION = msgspec.json.Decoder(_Stored)
_JSON = msgspec.json.Decoder()


@cache
def _decoder(cls: type[Payload]) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(cls)


_EXPECTED = re.compile(r"Expected `(?P<want>[^`]+)`, got `(?P<got>[^`]+)`(?: - at `\$(?P<at>[^`]*)`)?")
_MISSING = re.compile(r"Object missing required field `(?P<key>[^`]+)`(?: - at `\$(?P<at>[^`]*)`)?")


def _format_error(where: str, exc: msgspec.ValidationError) -> EventFormatError:
    """msgspec's finding in the words of the rest of the product."""
    text = str(exc)
    if m := _EXPECTED.fullmatch(text):
        return EventFormatError(
            f"事件内容不符合格式：{where}{m['at'] or ''} 应为 {m['want']}（实为 {m['got']}）")
    if m := _MISSING.fullmatch(text):
        return EventFormatError(f"事件内容不符合格式：缺少 {where}{m['at'] or ''}.{m['key']}")
    return EventFormatError(f"事件内容不符合格式：{where}：{text}")


def load_payload(cls: type, data: Any, where: str) -> Any:
    """A payload class from its stored dict, by the catalogue's strict rules (``where`` names
    it in the message of an :class:`EventFormatError`)."""
    try:
        return msgspec.convert(data, cls)
    except msgspec.ValidationError as exc:
        raise _format_error(where, exc) from None


def _checked_version(type_: str, cls: type[Payload], version: Any) -> int:
    if type(version) is not int or not 1 <= version <= cls.VERSION:
        raise EventFormatError(f"事件 {type_} 的版本 {version!r} 未知")
    return int(version)


def parse_or_malformed(type_: str, payload: Any) -> Payload:
    """:func:`parse`, with a damaged payload kept as :class:`Malformed` instead of raised."""
    try:
        return parse(type_, payload)
    except EventFormatError as exc:
        return Malformed(payload, exc.message)


def parse(type_: str, payload: dict[str, Any]) -> Payload:
    """The typed payload of a stored event of any version; :class:`Other` if not folded."""
    cls = CATALOGUE.get(type_)
    if cls is None:
        return Other(payload)
    if not isinstance(payload, dict):
        raise EventFormatError(f"事件 {type_} 的内容不是对象")
    version = _checked_version(type_, cls, payload.get("v", 1))
    return load_payload(cls, cls.upgrade(payload, version), type_)


def parse_stored(type_: str, text: str | bytes) -> Payload:
    """:func:`parse_or_malformed` of a payload as stored (its JSON text), decoded in one step
    when it has its class's newest version; never raises."""
    cls = CATALOGUE.get(type_)
    try:
        if cls is None:
            return Other(stored_json(text))
        if _newest_at_sight(cls, text):
            return _decoder(cls).decode(text)  # type: ignore[no-any-return]
        version = _VERSION.decode(text).v
        if type(version) is int and version == cls.VERSION:
            return _decoder(cls).decode(text)  # type: ignore[no-any-return]
        return parse_or_malformed(type_, _JSON.decode(text))
    except msgspec.ValidationError as exc:
        if str(exc).startswith("Expected `object`"):
            return Malformed(text, f"事件 {type_} 的内容不是对象")
        return Malformed(text, _format_error(type_, exc).message)
    except (msgspec.DecodeError, TypeError):
        return Malformed(text, f"事件 {type_} 的内容不是有效的 JSON")


def _newest_at_sight(cls: type[Payload], text: str | bytes) -> bool:
    """Whether the stored text certainly has its class's newest version, read off the text
    instead of decoding it once more for its ``v`` (a third of a replay's decoding).

    Sure only for what ``append`` writes (canonical JSON: sorted keys, no spaces, no
    ``\\u`` escapes), and only in these shapes: version 1 with no key ``"v"`` anywhere (no
    escape could spell one), or a newer one whose text ends ``,"v":N}`` — in valid JSON that
    is the top object's last key, and the decoders take the last of repeated keys. Anything
    else is decoded for its version as before; a text that is not valid JSON still fails in
    the class's decoder.
    """
    if not isinstance(text, str):
        return False
    if cls.VERSION == 1:
        return '"v"' not in text and "\\u" not in text
    return text.endswith(f',"v":{cls.VERSION}}}')


def stored_json(text: str | bytes) -> Any:
    """A stored payload's JSON as Python values, else the text itself (damaged)."""
    try:
        return _JSON.decode(text)
    except (msgspec.DecodeError, TypeError):
        return text


def payload_of(event: Payload) -> dict[str, Any]:
    """The dict that is stored and hashed for a new event (its version included): fields under
    their stored keys (tuples stay tuples, which JSON writes as lists)."""
    if isinstance(event, Other):
        return dict(event.raw)
    out: dict[str, Any] = msgspec.to_builtins(event)
    if type(event).VERSION > 1:
        out["v"] = type(event).VERSION
    return out


@dataclass(frozen=True, slots=True)
class JournalEvent:
    """One journal event as the fold sees it: its place, who, when, and its typed payload."""

    seq: int
    device: str
    type: str
    actor: str
    at: str
    payload: Payload
