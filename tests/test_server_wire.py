"""The county's body parser (server.wire): which bodies are *plain*, the ones whose values it
encodes the fast way, and which are refused for what the county cannot hold."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from server.errors import ApiError
from server.wire import parse_body_plain

_LIMIT = 2**63 - 1

json_values = st.recursive(
    st.none() | st.booleans() | st.text(max_size=12)
    | st.integers() | st.integers(-10**20, 10**20) | st.floats(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                               max_size=4),
    max_leaves=20)


class Body(BaseModel):
    payload: dict[str, Any]


def _numbers(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return [value] if isinstance(value, int | float) and not isinstance(value, bool) else []


@given(payload=st.dictionaries(st.text(max_size=8), json_values, max_size=5),
       indent=st.sampled_from([None, 1, "\t"]), ascii_only=st.booleans(),
       separators=st.sampled_from([(",", ":"), (", ", ": "), (" ,", " : ")]))
@settings(max_examples=400, deadline=None)
def test_a_plain_body_holds_no_float_and_no_long_integer(payload, indent, ascii_only,
                                                          separators):
    raw = json.dumps({"payload": payload}, indent=indent, ensure_ascii=ascii_only,
                     separators=separators).encode("utf-8")
    numbers = _numbers(payload)
    cannot_hold = [n for n in numbers if (isinstance(n, float) and not math.isfinite(n))
                   or (isinstance(n, int) and not -_LIMIT <= n <= _LIMIT)]
    try:
        parsed, plain = parse_body_plain(Body, raw)
    except ApiError as exc:
        assert exc.status == 422 and cannot_hold
        return
    assert not cannot_hold
    assert parsed.payload == payload or any(isinstance(n, float) for n in numbers)
    if plain:
        assert not any(isinstance(n, float) or abs(n) >= 10**18 for n in _numbers(parsed.payload))


@pytest.mark.parametrize("text, plain", [
    ('{"a":1,"b":"08:16:18.369+08:00","c":[2,-3],"d":"e5 1e5 ff"}', True),
    ('{"a":"9999999999999999999999","b":"' + "7" * 40 + 'f"}', True),  # digits in strings
    ('{"a":999999999999999999}', True),  # 18 digits
    ('{"a":1000000000000000000}', False),  # 19 digits
    ('{"a":[1.5]}', False),
    ('{"a":1E3}', False),
    ('{"a":-0.0}', False),
    ('{"a" : 2 , "b":\n3.25\n}', False),
])
def test_plain_bodies(text, plain):
    assert parse_body_plain(Body, ('{"payload":' + text + "}").encode())[1] is plain
