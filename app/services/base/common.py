"""Small shared pieces of the services: clocks, ids, the active campaign."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from app.domain.ids import new_id

__all__ = ["new_id"]  # where the services have always found it

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def business_date(dt: datetime) -> date:
    """The working day in China for a UTC instant (票据、日清 use this date)."""
    return dt.astimezone(BUSINESS_TZ).date()

