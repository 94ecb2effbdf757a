"""Canonical JSON: the one byte form that is hashed and signed everywhere."""

from __future__ import annotations

import json
from typing import Any


def canonical_json(obj: Any) -> str:
    """Sorted keys, no spaces, UTF-8 kept (not \\u-escaped); floats are refused upstream."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical_bytes(obj: Any) -> bytes:
    return canonical_json(obj).encode("utf-8")
