"""Views of the journal for the township and the county: small pure helpers over the catalogue.

- Where a field of a typed payload sits in the stored JSON (:func:`json_path`): the township
  keeps some payment fields in covering indexes on ``json_extract`` expressions
  (``db/township_perf_schema.py``) and reads them from there, so the paths come from the
  catalogue's own field specs, here, not from a second spelling of the payload outside the
  domain.
- The township's own decisions as the county reads them (``township.book_issued`` …): typed
  payloads like the catalogue's, parsed by :func:`parse_township`.
- What a fold leaves for the township to list (:func:`book_gaps`), and the roster as a
  village's journal tells it (:class:`RosterView`).
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from typing import Any, ClassVar

import msgspec

from app.domain import events as ev

# --- JSON paths of payload fields ----------------------------------------------------------


def json_path(cls: type[ev.Payload], dotted: str) -> str:
    """The JSON path (``$.receipt.series``) of a field of a typed payload, named by its field
    names (``receipt.series``); refused for a name the catalogue's class does not have."""
    out = []
    current: Any = cls
    for name in dotted.split("."):
        if current is None:
            raise KeyError(f"{cls.__name__}: {dotted} is not a field path")
        found = {f.name: f for f in msgspec.structs.fields(current)}
        if name not in found:
            raise KeyError(f"{cls.__name__}: no field {name!r} in {dotted}")
        out.append(found[name].encode_name)
        current = _inner(found[name].type)
    return "$." + ".".join(out)


def _is_struct(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, msgspec.Struct)


def _inner(tp: Any) -> Any:
    """The payload class a field holds (through Optional and tuple[...]), else None."""
    for arg in (tp, *typing.get_args(tp)):
        if _is_struct(arg):
            return arg
        for inner in typing.get_args(arg):
            if _is_struct(inner):
                return inner
    return None


# What the township's covering indexes hold, by field of the typed payload, in column order
# (township_ledger unpacks them so). Payment lines are kept in a table beside the journals.
PAYMENT_COLUMNS: tuple[str, ...] = (
    "payment_id", "campaign_year", "amount_fen", "method", "business_date", "household.no",
    "household.group", "receipt.series", "receipt.number", "receipt.label")
PRINT_COLUMNS: tuple[str, ...] = ("series", "number")
LINE_COLUMNS: tuple[str, ...] = ("line_id", "id_type", "id_number", "payable_fen", "subsidy_fen")

PAYMENT_PATHS: dict[str, str] = {f: json_path(ev.PaymentCollected, f) for f in PAYMENT_COLUMNS}
PRINT_PATHS: dict[str, str] = {f: json_path(ev.ReceiptPrinted, f) for f in PRINT_COLUMNS}
# A line's fields, relative to the line (``$.line_id`` inside ``$.lines[i]``).
LINE_PATHS: dict[str, str] = {f: json_path(ev.PaymentLine, f) for f in LINE_COLUMNS}
PAYMENT_LINES_PATH = json_path(ev.PaymentCollected, "lines")
# Fields the township looks up in SQL without folding (which year the villages collect for).
PAYMENT_FIELD_PATHS: dict[str, str] = {
    f: json_path(ev.PaymentCollected, f) for f in ("campaign_year", "benefit_year")}
PERSON_ID_NUMBER_PATH = "$.id_number"  # person.added (a roster event, not a ledger one)
ROSTER_PERSONS_PATH = "$.persons"  # roster.imported: its persons, each as person.added's


def genesis_village(created: ev.Payload, raw: Any) -> str:
    """The village code a device's genesis event (``database.created``) names, or "".

    :class:`ev.DatabaseCreated` does not carry the village yet (the stored payload does), so it
    is read here, in the domain, from the stored payload of a genesis the catalogue accepted.
    """
    if not isinstance(created, ev.DatabaseCreated) or not isinstance(raw, dict):
        return ""
    village = raw.get("village")
    return village.strip() if isinstance(village, str) else ""


# --- the township's decisions, as the county and the township read them -------------------


class TownshipBookIssued(ev.Payload, frozen=True):
    """领用 at the township: a range handed to one collector of one village."""

    TYPE: ClassVar[str] = "township.book_issued"
    allocation_id: str
    series: str
    first: int
    last: int
    village: str
    collector: str
    width: int | None = None
    override_reason: str | None = None


class TownshipBookSettled(ev.Payload, frozen=True):
    """核销 at the township."""

    TYPE: ClassVar[str] = "township.book_settled"
    allocation_id: str
    series: str
    first: int
    last: int
    village: str
    collector: str
    issued: int = 0
    voided: int = 0
    returned: int = 0
    lost: int = 0
    amount_fen: int = 0


class TownshipCategoryCertified(ev.Payload, frozen=True):
    TYPE: ClassVar[str] = "township.category_certified"
    certification_id: str
    id_type: str
    id_number: str
    category: str
    department: str
    village: str
    name: str = ""
    valid_from: str | None = None
    valid_to: str | None = None


class TownshipRefundPaid(ev.Payload, frozen=True):
    """A village's refund request (paid_by township) paid by the office."""

    TYPE: ClassVar[str] = "township.refund_paid"
    device_id: str
    refund_id: str
    reference: str
    paid_on: str
    amount_fen: int
    village: str = ""


class TownshipNoncashMatched(ev.Payload, frozen=True):
    """A village's non-cash receipt matched to a credit on the township's bank statement."""

    TYPE: ClassVar[str] = "township.noncash_matched"
    credit_id: str
    bank_ref: str
    device_id: str
    payment_id: str
    amount_fen: int
    method: str = ""
    method_ref: str | None = None


class ConflictReceived(ev.Payload, frozen=True):
    """A county notice a village received (重复参保 …): the township lists the open ones."""

    TYPE: ClassVar[str] = "sync.conflict_received"
    notice_id: str
    message: str
    payment_id: str = ""
    line_id: str = ""
    reason: str = ""
    receipt: str | None = None


COUNTERSIGNED_VERDICTS = ("agrees", "differs", "behind", "forged", "unverified")


class TownshipCountersignatureSeen(ev.Payload, frozen=True):
    """县医保确认 as a village's bundle brought it: the county's countersignature of that
    device's head, and whether the journal the township holds agrees with it (``verdict``:
    agrees, differs, behind — the township holds less —, forged, unverified — no county key)."""

    TYPE: ClassVar[str] = "township.countersignature_seen"
    device_id: str
    village: str
    seq: int
    hash: str
    at: str
    signature: str
    verdict: str


TOWNSHIP_CATALOGUE: dict[str, type[ev.Payload]] = {cls.TYPE: cls for cls in (
    TownshipBookIssued, TownshipBookSettled, TownshipCategoryCertified, TownshipRefundPaid,
    TownshipNoncashMatched, ConflictReceived, TownshipCountersignatureSeen)}


def parse_township(type_: str, payload: Any) -> ev.Payload:
    """The typed payload of one of the township's own events, or of a sync event the
    township reads (``sync.conflict_received``); :class:`ev.Other` for any other type;
    :class:`ev.EventFormatError` when it does not match its model."""
    cls = TOWNSHIP_CATALOGUE.get(type_)
    if cls is None:
        return ev.Other(payload if isinstance(payload, dict) else {})
    # The catalogue's checking loader: the same strict types as the village's events.
    return ev.load_payload(cls, payload, type_)


def parse_township_stored(type_: str, text: str | bytes) -> ev.Payload:
    """:func:`parse_township` of a payload as stored (its JSON text), :class:`ev.Malformed`
    when it is damaged; never raises."""
    raw = ev.stored_json(text)
    try:
        return parse_township(type_, raw)
    except ev.EventFormatError as exc:
        return ev.Malformed(raw, exc.message)


# --- the roster as a village's journal tells it --------------------------------------------

ROSTER_TYPES: tuple[str, ...] = ("household.added", "household.updated", "person.added",
                                 "person.status_changed", "person.moved", "roster.imported")


@dataclass(slots=True)
class RosterHousehold:
    village: str
    no: str
    group: str


@dataclass(slots=True)
class RosterPerson:
    household_id: str | None
    status: str
    village: str
    cert: tuple[str, str] = ("", "")  # (id_type, id_number): one person across villages


@dataclass
class RosterView:
    """Households and persons replayed from roster events, in each device's order.

    Roster events are not ledger events (the catalogue parses them to :class:`ev.Other`);
    this is the one place outside the village's own roster service that reads them. A
    spreadsheet import journals ``roster.imported`` (possibly split into parts, each with the
    households its persons need); it adds, moves and re-files people like the single events
    do. Its categories are not replayed: the ledger keeps no person's category.
    """

    households: dict[str, RosterHousehold] = field(default_factory=dict)
    persons: dict[str, RosterPerson] = field(default_factory=dict)

    def apply(self, village: str, type_: str, payload: ev.Payload) -> None:
        """One roster event (as the catalogue parses it: :class:`ev.Other`)."""
        p = payload.raw if isinstance(payload, ev.Other) else {}
        if type_ == "roster.imported":
            for hh in p.get("households", []):
                self._add_household(village, hh)
            for person in p.get("persons", []):
                self._add_person(village, person)
            for update in p.get("updates", []):
                changes = update.get("changes") or {}
                if "household_no" in changes:
                    self._move(update.get("person_id"), update.get("household_id"))
                if "status" in changes and update.get("person_id") in self.persons:
                    self.persons[update["person_id"]].status = changes["status"]["to"]
        elif type_ == "household.added":
            self._add_household(village, p)
        elif type_ == "household.updated":
            changes = p.get("changes") or {}
            if p.get("household_id") in self.households and "group" in changes:
                new = changes["group"]
                self.households[p["household_id"]].group = \
                    new[-1] if isinstance(new, list) else new
        elif type_ == "person.added":
            self._add_person(village, p)
        elif type_ == "person.status_changed" and p.get("person_id") in self.persons:
            self.persons[p["person_id"]].status = p.get("to", "active")
        elif type_ == "person.moved":
            self._move(p.get("person_id"), p.get("to_household_id"))

    def _add_household(self, village: str, hh: dict[str, Any]) -> None:
        self.households[hh["household_id"]] = RosterHousehold(
            village, hh["household_no"], hh.get("group", ""))

    def _add_person(self, village: str, person: dict[str, Any]) -> None:
        self.persons[person["person_id"]] = RosterPerson(
            person["household_id"], person.get("status") or "active", village,
            (person.get("id_type") or "01", person.get("id_number") or ""))

    def _move(self, person_id: str | None, household_id: str | None) -> None:
        if person_id in self.persons:
            self.persons[person_id].household_id = household_id


# --- what a fold leaves for the township to list --------------------------------------------


