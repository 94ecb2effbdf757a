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


_field_values = (st.none() | st.booleans() | st.integers(-3, 2**53 + 3) | st.text(max_size=70)
                 | st.sampled_from(["1f0c5e9a-3b6d-4c2e-9a7b-0d8e6f5a4b3c", "a" * 64, "x.y",
                                    "2026-10-15T02:00:00+00:00", "payment.collected"])
                 | json_values)
_event_fields = ("uuid", "device", "seq", "type", "payload", "actor", "at", "prev_hash", "hash")


@given(events=st.lists(st.dictionaries(st.sampled_from((*_event_fields, "extra")),
                                       _field_values, min_size=7, max_size=10), max_size=3),
       head=st.dictionaries(st.sampled_from(["seq", "hash"]), _field_values, max_size=2),
       protocol=st.sampled_from([1, 2, "1", True, None]), extra=st.booleans())
@settings(max_examples=500, deadline=None)
def test_a_plain_body_is_taken_or_refused_as_the_models_json_parser_does(events, head,
                                                                          protocol, extra):
    from pydantic import ValidationError

    from sync.protocol import PushRequest

    body: dict[str, Any] = {"protocol": protocol, "head": head, "events": events}
    if extra:
        body["countersigned"] = None
    raw = json.dumps(body, ensure_ascii=False, allow_nan=True).encode("utf-8", "surrogatepass")
    try:
        expected: Any = PushRequest.model_validate_json(raw)
    except ValidationError:
        expected = None
    try:
        parsed, _plain = parse_body_plain(PushRequest, raw)
    except ApiError as exc:
        assert exc.status == 422
        assert expected is None or _numbers(expected.model_dump()), "refused what the model took"
        return
    assert parsed == expected


@pytest.mark.parametrize("raw", [b'{"payload": {"a": "\\ud800"}}', b'{"payload": {"a": "\xff"}}',
                                 b'{"payload": ' + b"[" * 5000 + b"]" * 5000 + b"}",
                                 b'{"payload": {}} x'])
def test_bodies_msgspec_does_not_take_go_to_the_models_own_parser(raw):
    with pytest.raises(ApiError) as caught:
        parse_body_plain(Body, raw)
    assert caught.value.status == 422


def test_a_float_sends_the_body_to_the_models_own_parser_and_is_not_plain():
    parsed, plain = parse_body_plain(Body, b'{"payload": {"a": 1, "a": 2.5, "b": [1e2]}}')
    assert (parsed.payload, plain) == ({"a": 2.5, "b": [100.0]}, False)
