"""Canonical JSON: the one byte form that is hashed and signed everywhere."""

from __future__ import annotations

import json
from typing import Any

import msgspec

# One encoder for every call: ``json.dumps`` with these options builds a new one each time,
# a cost paid per event on every push.
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical_json(obj: Any) -> str:
    """Sorted keys, no spaces, UTF-8 kept (not \\u-escaped); floats are refused upstream."""
    return _ENCODER.encode(obj)


def canonical_bytes(obj: Any) -> bytes:
    return canonical_json(obj).encode("utf-8")


_PLAIN = msgspec.json.Encoder(order="sorted")


def plain_canonical_bytes(obj: Any) -> bytes:
    """:func:`canonical_bytes` of a value that holds no float: only strings, integers,
    booleans, None, lists and dicts with string keys. msgspec writes those byte for byte as
    the standard encoder does (same escapes, same key order; tests/test_sync_protocol.py), several
    times faster. A float it writes its own way (``1e16``, not ``1e+16``): only a caller that
    knows there is none may use this."""
    return _PLAIN.encode(obj)
