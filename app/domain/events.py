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
import types
import typing
from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields
from functools import cache
from typing import Any, ClassVar

from app.domain.canonical import canonical_json
from app.domain.errors import ValidationError
from app.domain.roster import REFUND_REASONS

GENESIS = "0" * 64


def event_hash(prev_hash: str, body: dict[str, Any]) -> str:
    """The chain link: SHA-256 of the previous hash followed by the canonical event body."""
    return hashlib.sha256((prev_hash + canonical_json(body)).encode("utf-8")).hexdigest()


def event_body(*, uuid: str, device: str, seq: int, type: str, payload: dict[str, Any],
               actor: str, at: str) -> dict[str, Any]:
    """The hashed part of an event (everything but the chain links)."""
    return {"uuid": uuid, "device": device, "seq": seq, "type": type, "payload": payload,
            "actor": actor, "at": at}


class EventFormatError(ValidationError):
    """A stored payload that does not match its event type's model (damaged or forged)."""

    code = "bad_event"


# --- payload models -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Payload:
    """Base of the typed payloads; ``TYPE`` is the journal type, ``VERSION`` the newest shape."""

    TYPE: ClassVar[str] = ""
    VERSION: ClassVar[int] = 1
    # Stored key → field name, for keys that are not Python names.
    ALIASES: ClassVar[dict[str, str]] = {}

    @classmethod
    def upgrade(cls, data: dict[str, Any], version: int) -> dict[str, Any]:
        """Fill in what an older version of this payload did not carry."""
        return data


@dataclass(frozen=True, slots=True)
class HouseholdRef:
    id: str
    no: str
    head: str
    village: str = ""
    group: str = ""


@dataclass(frozen=True, slots=True)
class PaymentLine:
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
    ALIASES: ClassVar[dict[str, str]] = {"nonlocal": "nonlocal_"}


@dataclass(frozen=True, slots=True)
class ReceiptOnPayment:
    series: str
    number: int
    label: str
    qr: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentCollected(Payload):
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


@dataclass(frozen=True, slots=True)
class ReceiptVoided(Payload):
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


@dataclass(frozen=True, slots=True)
class ReceiptLost(Payload):
    TYPE: ClassVar[str] = "receipt.lost"
    series: str
    first: int
    last: int
    reason: str


@dataclass(frozen=True, slots=True)
class ReceiptPrinted(Payload):
    TYPE: ClassVar[str] = "receipt.printed"
    series: str
    number: int
    kind: str


REFUND_PAYERS = ("cash", "township", "channel")


@dataclass(frozen=True, slots=True)
class RefundMade(Payload):
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


@dataclass(frozen=True, slots=True)
class DepositRecorded(Payload):
    """缴存: cash taken to the township account."""

    TYPE: ClassVar[str] = "deposit.recorded"
    deposit_id: str
    slip_no: str
    amount_fen: int
    deposit_date: str


@dataclass(frozen=True, slots=True)
class CashDailyClosed(Payload):
    TYPE: ClassVar[str] = "cash.daily_closed"
    close_id: str
    business_date: str
    expected_fen: int
    counted_fen: int
    difference_fen: int
    note: str = ""


@dataclass(frozen=True, slots=True)
class BookRegistered(Payload):
    """领用: a receipt book registered on the device."""

    TYPE: ClassVar[str] = "book.registered"
    book_id: str
    series: str
    first: int
    last: int
    width: int
    collector: str


@dataclass(frozen=True, slots=True)
class BookSettled(Payload):
    """核销 as it reached the village (by sync or bundle): the book is frozen from here on."""

    TYPE: ClassVar[str] = "book.settlement_received"
    allocation_id: str
    series: str
    first: int
    last: int
    collector: str
    settled_at: str


@dataclass(frozen=True, slots=True)
class PolicyLoaded(Payload):
    TYPE: ClassVar[str] = "policy.loaded"
    campaign_id: str
    policy_hash: str
    policy: dict[str, Any]


ENROLMENT_END_REASONS: dict[str, str] = REFUND_REASONS


@dataclass(frozen=True, slots=True)
class EnrolmentEnded(Payload):
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


@dataclass(frozen=True, slots=True)
class DatabaseCreated(Payload):
    TYPE: ClassVar[str] = "database.created"
    db_id: str = ""
    user: str = ""
    device_public_key: str = ""
    village: str = ""
    role: str = ""


@dataclass(frozen=True, slots=True)
class Other(Payload):
    """An event the ledger does not fold; its payload stays as it was stored."""

    raw: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Malformed(Payload):
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


_Convert = Callable[[Any, str], Any]


def _bad(tp: Any, where: str) -> EventFormatError:
    return EventFormatError(f"事件内容不符合格式：{where} 应为 {getattr(tp, '__name__', tp)}")


def _scalar(tp: type) -> _Convert:
    def convert(value: Any, where: str) -> Any:
        # bool is an int in Python; True must never pass for 1 fen.
        if type(value) is tp:
            return value
        raise _bad(tp, where)
    return convert


@cache
def _converter(tp: Any) -> _Convert:
    """A checking converter for one field type, built once per type (replays are hot)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        (inner_tp,) = [o for o in typing.get_args(tp) if o is not type(None)]
        inner = _converter(inner_tp)
        return lambda value, where: None if value is None else inner(value, where)
    if tp in (bool, int, str):
        return _scalar(tp)
    if origin is tuple:
        item = _converter(typing.get_args(tp)[0])

        def tuple_of(value: Any, where: str) -> Any:
            if not isinstance(value, list | tuple):
                raise _bad(tp, where)
            return tuple([item(v, where) for v in value])
        return tuple_of
    if origin is dict or tp is dict:
        def mapping(value: Any, where: str) -> Any:
            if not isinstance(value, dict):
                raise _bad(tp, where)
            return value
        return mapping
    return _loader(tp)


_ABSENT = object()
_INLINE = {bool: "bool", int: "int", str: "str", dict: "dict"}


def _missing(where: str, key: str) -> EventFormatError:
    return EventFormatError(f"事件内容不符合格式：缺少 {where}.{key}")


def _inline_check(tp: Any, var: str) -> str | None:
    """A Python expression that is true when ``var`` has type ``tp``, for the common types."""
    if tp in _INLINE:
        return f"type({var}) is {_INLINE[tp]}"
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        (inner,) = [o for o in typing.get_args(tp) if o is not type(None)]
        if inner in _INLINE:
            return f"{var} is None or type({var}) is {_INLINE[inner]}"
    return None


@cache
def _loader(cls: type) -> _Convert:
    """A checking loader for one payload class, written out as code once.

    A replay reads every payment of a township's campaign; a loop over the fields calling a
    converter each was most of verify's time, so each class gets straight-line code instead.
    """
    hints = typing.get_type_hints(cls)
    back = {v: k for k, v in getattr(cls, "ALIASES", {}).items()}
    ns: dict[str, Any] = {"cls": cls, "_bad": _bad, "_missing": _missing, "_ABSENT": _ABSENT}
    body = ["def load(data, where):", "    if type(data) is not dict:",
            "        raise _bad(cls, where)", "    get = data.get"]
    names = []
    for i, f in enumerate(fields(cls)):
        key, tp, var = back.get(f.name, f.name), hints[f.name], f"v{i}"
        body += [f"    {var} = get({key!r}, _ABSENT)", f"    if {var} is _ABSENT:"]
        if f.default is MISSING:
            body.append(f"        raise _missing(where, {key!r})")
        else:
            ns[f"_d{i}"] = f.default
            body.append(f"        {var} = _d{i}")
        check = _inline_check(tp, var)
        if check is not None:
            ns[f"_t{i}"] = tp
            body += [f"    elif not ({check}):", f"        raise _bad(_t{i}, where + {'.' + key!r})"]
        else:
            ns[f"_c{i}"] = _converter(tp)
            body += ["    else:", f"        {var} = _c{i}({var}, where + {'.' + key!r})"]
        names.append(var)
    body.append(f"    return cls({', '.join(names)})")
    exec("\n".join(body), ns)
    return ns["load"]  # type: ignore[no-any-return]


def load_payload(cls: type, data: Any, where: str) -> Any:
    """A payload class from its stored dict, by the catalogue's strict rules (``where`` names
    it in the message of an :class:`EventFormatError`)."""
    return _loader(cls)(data, where)


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
    version = payload.get("v", 1)
    if not isinstance(version, int) or not 1 <= version <= cls.VERSION:
        raise EventFormatError(f"事件 {type_} 的版本 {version!r} 未知")
    return load_payload(cls, cls.upgrade(payload, version), type_)


@cache
def _stored_names(cls: type) -> tuple[tuple[str, str], ...]:
    """(field name, stored key) of each field of a payload class."""
    back = {v: k for k, v in getattr(cls, "ALIASES", {}).items()}
    return tuple((f.name, back.get(f.name, f.name)) for f in fields(cls))


def _plain(value: Any) -> Any:
    """A payload value as stored: dataclasses as dicts under their stored keys, tuples as
    lists (dataclasses.asdict deep-copies everything, a third of a collection's Python time)."""
    if hasattr(value, "__dataclass_fields__"):
        return {key: _plain(getattr(value, name)) for name, key in _stored_names(type(value))}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def payload_of(event: Payload) -> dict[str, Any]:
    """The dict that is stored and hashed for a new event (its version included)."""
    if isinstance(event, Other):
        return dict(event.raw)
    out: dict[str, Any] = _plain(event)
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
