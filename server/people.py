"""Who a device's own roster events add (the county's reading of them, ``server.trust``).

Roster events are not ledger events: the catalogue parses them to ``Other``. The county needs
one fact from them — which certificate a device's ``person_id`` stands for — to accept a
payment for a person the county roster does not list yet (a newborn, a newcomer) only when
the device itself added that person. Three event types say so: ``person.added``, a
spreadsheet's ``roster.imported`` (its ``persons``) and a newborn's ``person.id_assigned``.
"""

from __future__ import annotations

import msgspec

from app.domain.roster import ID_RESIDENT

PERSON_TYPES: tuple[str, ...] = ("person.added", "roster.imported", "person.id_assigned")


class _Person(msgspec.Struct):
    person_id: str
    id_number: str
    id_type: str = ID_RESIDENT


class _Imported(msgspec.Struct):
    persons: list[_Person] = []


class _Assigned(msgspec.Struct):
    person_id: str
    id_number: str


def _fits(person_id: str, id_type: str, id_number: str) -> bool:
    return 1 <= len(person_id) <= 64 and len(id_type) <= 4 and 1 <= len(id_number) <= 30


_PERSON = msgspec.json.Decoder(_Person)
_IMPORTED = msgspec.json.Decoder(_Imported)
_ASSIGNED = msgspec.json.Decoder(_Assigned)


def persons_added(type_: str, payload_text: str | bytes) -> list[tuple[str, str, str]]:
    """(person_id, id_type, id_number) that one event (its payload's JSON text, as stored)
    gives the device's roster; an event of another type, or one whose payload does not read,
    gives nothing."""
    try:
        if type_ == "person.added":
            people = [_PERSON.decode(payload_text)]
        elif type_ == "roster.imported":
            people = _IMPORTED.decode(payload_text).persons
        elif type_ == "person.id_assigned":
            assigned = _ASSIGNED.decode(payload_text)
            people = [_Person(assigned.person_id, assigned.id_number, ID_RESIDENT)]
        else:
            return []
    except (msgspec.ValidationError, msgspec.DecodeError):
        return []
    return [(p.person_id, p.id_type, p.id_number) for p in people
            if _fits(p.person_id, p.id_type, p.id_number)]
