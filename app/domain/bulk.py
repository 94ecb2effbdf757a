"""Bulk work in memory: replays and spreadsheet reads that build objects by the hundred
thousand."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """A replay creates objects by the hundred thousand and frees none of them, so each pass
    of the cyclic garbage collector it triggers finds nothing, yet those passes were a
    quarter of its time: pause it meanwhile.

    Resuming it would first walk every object allocated meanwhile (the young generation has
    grown to millions), another third of a second at a township for nothing: what the replay
    built is either kept (a fold, a cache) or freed by its reference count. So they are moved
    to the collector's permanent generation instead, which it never walks; an object freed
    later leaves it as it leaves any generation."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()
