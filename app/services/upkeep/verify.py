"""`verify`: recompute the journal chain and check every ledger invariant (票款人三线合一)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from app.domain.bulk import collector_paused
from app.domain.errors import StorageError
from app.domain.ledger import LedgerState
from app.services.base.roles import any_role
from app.services.base.workspace import Workspace, key_file_problems
from app.services.views.reconcile import VERIFY_TYPES, journal_invariants, table_invariants
from db import journal
from db.connection import BULK_CACHE_KIB, Connection, DatabaseError, bulk_cache, open_database
from sync.state import countersignature_problem, latest_countersignature, load_state


@dataclass
class VerifyReport:
    ok: bool
    events: int
    head: str
    problems: list[str] = field(default_factory=list)
    first_bad_seq: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "events": self.events, "head": self.head,
                "problems": self.problems, "first_bad_seq": self.first_bad_seq}



@any_role
def verify_workspace(ws: Workspace) -> VerifyReport:
    """The whole check a township accountant runs before trusting a database."""
    with bulk_cache(ws.conn):
        return _verify(ws)


def _quick_check(conn: Connection) -> str:
    try:
        return str(conn.execute("PRAGMA quick_check").fetchone()[0])
    except DatabaseError as exc:
        return str(exc)


@dataclass
class _SideChecks:
    integrity: str
    tables: list[str] | None  # None: not run (the file is damaged, or a read failed)


def _side_checks(ws: Workspace) -> _SideChecks | None:
    """quick_check, then the table invariants, on a connection of their own (None if it
    cannot open one).

    Both run in SQLite's C code, which lets go of the GIL, so on a second core they run
    beside the chain check and the fold instead of before or after them: together about as
    long as the fold at a township (docs/PERFORMANCE.md).
    """
    try:
        conn = open_database(ws.path, ws.data_key, read_only=ws.read_only)
    except StorageError:
        return None
    try:
        conn.execute(f"PRAGMA cache_size = {-BULK_CACHE_KIB}")
        integrity = _quick_check(conn)
        if integrity != "ok":
            return _SideChecks(integrity, None)
        try:
            return _SideChecks(integrity, table_invariants(conn))
        except DatabaseError:
            return _SideChecks(integrity, None)
    finally:
        conn.close()


def _verify(ws: Workspace) -> VerifyReport:
    failure: DatabaseError | None = None
    with ThreadPoolExecutor(max_workers=1) as pool:
        side = pool.submit(_side_checks, ws)
        try:
            led = LedgerState()
            # The fold holds millions of objects: every collector pass over them, while it
            # grows and while it is compared with the tables, would find nothing to free.
            with collector_paused():
                chain = journal.verify_chain(ws.conn, visit=led.step, types=VERIFY_TYPES)
                folded = journal_invariants(ws, led)
        except DatabaseError as exc:  # judged below, once the file's own check is known
            failure = exc
        checks = side.result()
    if checks is None:
        integrity = _quick_check(ws.conn)
        checks = _SideChecks(integrity, table_invariants(ws.conn) if integrity == "ok" else None)
    if checks.integrity != "ok":
        # A damaged file cannot be read reliably: say so instead of half-checking it.
        return VerifyReport(False, 0, "", [f"数据库文件已损坏（{checks.integrity}）：请从备份恢复"])
    if failure is not None:
        raise failure
    if checks.tables is None:
        raise DatabaseError("数据库读取失败")
    problems = [*chain.problems, *checks.tables, *folded, *_countersigned(ws),
                *key_file_problems(ws)]
    return VerifyReport(not problems, chain.events, chain.head, problems, chain.first_bad_seq)


def _countersigned(ws: Workspace) -> list[str]:
    """The journal against the newest head the county countersigned: a rewrite of anything
    up to it (even with the chain and head recomputed) shows as a different hash there."""
    cs = latest_countersignature(ws.conn, ws.device_id)
    if cs is None:
        return []
    problem = countersignature_problem(ws.conn, ws.device_id, cs,
                                       load_state(ws.conn).server_sign_key)
    return [] if problem is None else [problem]
