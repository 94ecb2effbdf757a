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
from db.ledger_schema import append_only_triggers, ledger_statements
from db.perf_schema import perf_statements
from db.step7_schema import STEP7_STATEMENTS
from db.sync_schema import sync_statements
from db.township_perf_schema import township_perf_statements
from db.township_schema import township_statements


@dataclass(frozen=True)
class Step:
    version: int
    description: str
    statements: Sequence[str]


FOUNDATION = Step(
    1,
    "foundation: meta, users, device key, settings, journal",
    [
        """CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
        """CREATE TABLE users (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('collector', 'township')),
            created_at TEXT NOT NULL)""",
        """CREATE TABLE device (
            id TEXT PRIMARY KEY,
            signing_key BLOB NOT NULL,
            public_key BLOB NOT NULL,
            created_at TEXT NOT NULL)""",
        """CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
        """CREATE TABLE journal (
            seq INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,
            device_id TEXT NOT NULL,
            type TEXT NOT NULL,
            payload TEXT NOT NULL,
            actor TEXT NOT NULL,
            at TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL UNIQUE)""",
        *append_only_triggers("journal"),
    ],
)

LEDGER = Step(
    2,
    "ledger: campaigns, roster, receipt books, payments, refunds, deposits",
    ledger_statements(),
)

STEPS: list[Step] = [
    FOUNDATION, LEDGER, Step(3, "sync: state, county refund tasks", sync_statements()),
    Step(4, "performance: indexes for reconciliation and cash at township scale",
         perf_statements()),
    Step(5, "township: village journals, book issuance, bank credits, settlement", township_statements()),
    Step(6, "township performance: payment fields indexed, payment lines beside the journals",
         township_perf_statements()),
    Step(7, "refunds: who paid and why (参军, 其他); newborn cover; township refund payments "
         "and non-cash matches", STEP7_STATEMENTS),
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
