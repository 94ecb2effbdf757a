"""Canonical JSON: the one byte form that is hashed and signed everywhere."""

from __future__ import annotations

import json
from typing import Any

# One encoder for every call: ``json.dumps`` with these options builds a new one each time,
# a cost paid per event on every push.
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical_json(obj: Any) -> str:
    """Sorted keys, no spaces, UTF-8 kept (not \\u-escaped); floats are refused upstream."""
    return _ENCODER.encode(obj)


def canonical_bytes(obj: Any) -> bytes:
    return canonical_json(obj).encode("utf-8")
