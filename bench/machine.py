"""The machine the figures were measured on: they mean little without it."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

import sqlcipher3


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gib() -> float | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return None


def describe() -> dict[str, Any]:
    conn = sqlcipher3.connect(":memory:")
    try:
        cipher = conn.execute("PRAGMA cipher_version").fetchone()[0]
        sqlite = conn.execute("SELECT sqlite_version()").fetchone()[0]
    finally:
        conn.close()
    try:
        from PySide6 import __version__ as qt_version
    except ImportError:
        qt_version = None
    ram = _ram_gib()
    return {
        "cpu": _cpu_model(), "cores": os.cpu_count(),
        "ram_gib": round(ram, 1) if ram else None,
        "os": platform.platform(), "python": platform.python_version(),
        "sqlcipher": cipher, "sqlite": sqlite, "pyside6": qt_version,
    }


def one_line(m: dict[str, Any]) -> str:
    return (f"{m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, {m['os']}, "
            f"Python {m['python']}, SQLCipher {m['sqlcipher']} (SQLite {m['sqlite']}), "
            f"PySide6 {m['pyside6']}")
