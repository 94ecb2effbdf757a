"""The catalogue reads a stored payload strictly, the same way from its text (the replays'
one-step decode) as from a dict (ingest, upgrades): a value of the wrong type anywhere makes
the event Malformed, never a silently coerced amount."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from app.domain import events as ev

LINE = ev.PaymentLine("l1", "p1", "张三", "01", "340421199001011234", False, 38000, 0, None,
                      38000)
PAYMENT = ev.PaymentCollected(
    "pay1", "c2027", 2026, 2027, ev.HouseholdRef("h1", "0001", "张三", "34042201", "一组"),
    "一档", "cash", None, 38000, "2026-10-15T01:00:00+00:00", "2026-10-15", None,
    ev.ReceiptOnPayment("S", 12001, "S 00012001", None), (LINE,), "b1", None)


def _paths(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path to a scalar in a stored payload."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _paths(v, (*at, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _paths(v, (*at, i))]
    return [at]


def _set(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    out = dict(value) if isinstance(value, dict) else list(value)
    out[path[0]] = _set(value[path[0]], path[1:], new)
    return out


STORED = json.loads(json.dumps(ev.payload_of(PAYMENT)))  # as stored: lists, not tuples
PATHS = [p for p in _paths(STORED) if p != ("v",)]


def test_a_stored_payment_reads_back_the_same_from_text_and_from_a_dict():
    text = json.dumps(STORED, ensure_ascii=False)
    assert ev.parse_stored(PAYMENT.TYPE, text) == PAYMENT
    assert ev.parse(PAYMENT.TYPE, json.loads(text)) == PAYMENT
    assert STORED["lines"][0]["nonlocal"] is False  # the stored key, not the Python name


@given(path=st.sampled_from(PATHS),
       wrong=st.one_of(st.booleans(), st.floats(allow_nan=False), st.text(max_size=3),
                       st.lists(st.integers(), max_size=2), st.integers()))
def test_a_value_of_the_wrong_type_anywhere_makes_the_event_malformed(path, wrong):
    original = STORED
    for key in path:
        original = original[key]
    wrong_type = type(wrong) is not type(original) and original is not None
    if not wrong_type:
        return
    stored = _set(STORED, path, wrong)
    parsed = ev.parse_stored(PAYMENT.TYPE, json.dumps(stored))
    assert isinstance(parsed, ev.Malformed), (path, wrong)
    # (an infinite float is not even JSON)
    assert parsed.error.startswith(("事件内容不符合格式", "事件 payment.collected 的内容不是有效的 JSON")), parsed.error
    assert isinstance(ev.parse_or_malformed(PAYMENT.TYPE, stored), ev.Malformed)


@given(path=st.sampled_from(PATHS))
def test_a_missing_required_field_is_named(path):
    *parent, key = path
    holder = STORED
    for k in parent:
        holder = holder[k]
    if not isinstance(key, str) or key in ("book_id", "coverage_start", "qr", "village",
                                            "group"):
        return  # fields with a default
    stored = _set(STORED, tuple(parent), {k: v for k, v in holder.items() if k != key})
    parsed = ev.parse_stored(PAYMENT.TYPE, json.dumps(stored))
    assert isinstance(parsed, ev.Malformed) and key in parsed.error, parsed


def test_text_that_is_not_a_json_object_is_malformed_not_raised():
    for text in ("", "{", "[1, 2]", "\"x\"", '{"v": 1, "series": "S\\ud800"}', "null"):
        parsed = ev.parse_stored(ev.ReceiptPrinted.TYPE, text)
        assert isinstance(parsed, ev.Malformed), text
    assert isinstance(ev.parse_stored(PAYMENT.TYPE, json.dumps({**STORED, "v": 9})),
                      ev.Malformed)
    assert isinstance(ev.parse_stored("person.added", "not json"), ev.Other)


PRINT = ev.ReceiptPrinted("S", 12001, "print")
VERSION_KEYS = st.sampled_from(['"v"', '"\\u0076"'])
VERSIONS = st.sampled_from(["1", "2", "3", '"2"', "2.0", "null"])


def _with_version(text: str, key: str, value: str, at_end: bool) -> str:
    inner = text[1:-1]
    return "{" + (f"{inner},{key}:{value}" if at_end else f"{key}:{value},{inner}") + "}"


@given(which=st.sampled_from([PAYMENT, PRINT]), key=VERSION_KEYS, value=VERSIONS,
       at_end=st.booleans(), repeat=st.one_of(st.none(), VERSIONS),
       canonical=st.booleans())
def test_reading_the_version_off_the_text_agrees_with_decoding_it(which, key, value, at_end,
                                                                     repeat, canonical):
    """Replays read a canonical payload's version off its text; whatever the text holds —
    its version first or last, repeated, escaped, of the wrong type, spaces — the event
    parsed is the one its decoded version gives."""
    stored = {k: v for k, v in ev.payload_of(which).items() if k != "v"}
    text = (json.dumps(stored, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            if canonical else json.dumps(stored, ensure_ascii=False))
    text = _with_version(text, key, value, at_end)
    if repeat is not None:
        text = _with_version(text, '"v"', repeat, not at_end)
    expected = ev.parse_or_malformed(which.TYPE, json.loads(text))
    parsed = ev.parse_stored(which.TYPE, text)
    assert type(parsed) is type(expected), text
    if not isinstance(expected, ev.Malformed):
        assert parsed == expected, text


def test_a_canonical_payload_without_a_version_is_read_as_version_one():
    text = json.dumps(ev.payload_of(PRINT), ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"))
    assert '"v"' not in text and ev.parse_stored(PRINT.TYPE, text) == PRINT
    legacy = {k: v for k, v in ev.payload_of(PAYMENT).items() if k != "v"}
    assert ev.parse_stored(PAYMENT.TYPE, json.dumps(legacy)) == ev.parse(PAYMENT.TYPE, legacy)
