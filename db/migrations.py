"""Schema migrations: ordered steps, each applied in one transaction with its record.

sqlite-utils' habit: the step and the row that says it ran commit together, so a crash
mid-upgrade leaves the database at the previous version, never half-way. A database from a
newer version is refused; the file is copied aside before any upgrade.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from app.domain.errors import StorageError
from db.connection import Connection, tx
from db.steps import (
    step01_foundation,
    step02_ledger,
    step03_sync,
    step04_performance,
    step05_township,
    step06_township_performance,
    step07_refunds_and_matches,
    step08_county_trust,
    step09_county_lists,
)


@dataclass(frozen=True)
class Step:
    version: int
    description: str
    statements: Sequence[str]


# Each shipped step is frozen in db/steps/: its statements are literal text that never
# changes, so what "version N" means is the same for a new database and for one upgraded in the
# field. tests/test_upgrade.py pins a hash of every step; a schema change is a new step.
STEPS: list[Step] = [
    Step(n + 1, module.DESCRIPTION, module.STATEMENTS)
    for n, module in enumerate((step01_foundation, step02_ledger, step03_sync,
                                step04_performance, step05_township,
                                step06_township_performance, step07_refunds_and_matches,
                                step08_county_trust, step09_county_lists))
]


def register(step: Step) -> None:
    """Add a later step (ledger, sync…); versions must follow each other without gaps."""
    if step.version != len(STEPS) + 1:
        raise ValueError(f"migration {step.version} registered out of order")
    STEPS.append(step)


def latest_version() -> int:
    return len(STEPS)


def current_version(conn: Connection) -> int:
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_migrations'"
    ).fetchone()
    if not exists:
        return 0
    row = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


def migrate(
    conn: Connection,
    *,
    backup: Callable[[int], Path | None] | None = None,
    target: int | None = None,
) -> list[int]:
    """Bring the schema to ``target`` (default: latest); returns the versions applied.

    ``backup(current_version)`` is called once before upgrading an existing database.
    """
    target = latest_version() if target is None else target
    conn.execute(
        """CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)"""
    )
    current = current_version(conn)
    if current > latest_version():
        raise StorageError(
            f"此数据库由更新版本的医保收缴通创建（数据库版本 {current}，本软件支持到 "
            f"{latest_version()}）。请安装最新版本后再打开，不要用旧版本修改它。"
        )
    if current >= target:
        return []
    if current > 0 and backup is not None:
        backup(current)
    applied = []
    for step in STEPS[current:target]:
        with tx(conn):
            for statement in step.statements:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?,?,?)",
                (step.version, step.description, datetime.now(UTC).isoformat()),
            )
        applied.append(step.version)
    return applied
