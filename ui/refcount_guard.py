"""A guard against PySide6 6.12.0 dropping references to None and True on Python 3.11.

That release returns ``None`` from every void method (``setText``, ``show``, ``QTimer.start``…)
and ``True`` from ``Signal.emit`` without taking a reference. From Python 3.12 on these objects
are immortal and nothing happens; on 3.11 each call takes one reference away, and after a few
thousand calls — minutes of normal use — the interpreter aborts with "Fatal Python error:
none_dealloc". PySide6 6.11 does not have the bug.

When (and only when) the bug is measured at start-up, the three singletons get a reference
headroom no session can use up; a reference too many on a singleton is harmless.
"""

from __future__ import annotations

import ctypes
import logging
import sys

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

_HEADROOM = 1 << 40
_PROBE_CALLS = 64
_applied = False


class _Probe(QObject):
    ping = Signal()


def _dropped_references() -> bool:
    probe = _Probe()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(_PROBE_CALLS):
        probe.setObjectName("probe")
        probe.ping.emit()
    return (sys.getrefcount(None) < none_before - _PROBE_CALLS // 2
            or sys.getrefcount(True) < true_before - _PROBE_CALLS // 2)


def guard_singleton_refcounts() -> bool:
    """Measure the bug and, where present, protect None, True and False; True if applied."""
    global _applied
    if _applied or sys.version_info >= (3, 12) or not _dropped_references():
        return _applied
    for singleton in (None, True, False):
        # CPython 3.11 keeps the reference count in the first word of every object.
        ctypes.c_ssize_t.from_address(id(singleton)).value += _HEADROOM
    _applied = True
    log.warning("PySide6 drops references to None/True on this Python; guard applied")
    return True
