"""Small shared pieces of the services: clocks, ids, the active campaign."""

from __future__ import annotations

import gc
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def business_date(dt: datetime) -> date:
    """The working day in China for a UTC instant (票据、日清 use this date)."""
    return dt.astimezone(BUSINESS_TZ).date()


def new_id() -> str:
    return str(uuid.uuid4())


@contextmanager
def collector_paused() -> Iterator[None]:
    """A replay creates objects by the hundred thousand and frees none of them, so each pass
    of the cyclic garbage collector it triggers finds nothing, yet those passes were a
    quarter of its time: pause it meanwhile."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
