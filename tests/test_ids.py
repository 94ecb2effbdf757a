"""Record identifiers are random version-4 UUIDs in canonical text (app.domain.ids)."""

from __future__ import annotations

import uuid

from app.domain.ids import new_id


def test_ids_are_canonical_random_version_4_uuids():
    ids = [new_id() for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
    for text in ids:
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
        assert str(parsed) == text
    # Every digit that is not the version's is random: each takes all 16 values but the
    # variant digit, which takes its four.
    for position in range(36):
        seen = {text[position] for text in ids}
        if position in (8, 13, 18, 23):
            assert seen == {"-"}
        elif position == 14:
            assert seen == {"4"}
        elif position == 19:
            assert seen == set("89ab")
        else:
            assert seen == set("0123456789abcdef")
