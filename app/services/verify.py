"""`verify`: recompute the journal chain and check every ledger invariant (票款人三线合一)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from app.domain.errors import StorageError
from app.domain.ledger import LedgerState
from app.services.common import collector_paused
from app.services.reconcile import VERIFY_TYPES, ledger_invariants
from app.services.workspace import Workspace
from db import journal
from db.connection import Connection, DatabaseError, open_database


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


# The invariants follow indexes into tables far larger than SQLite's default 2 MiB page cache,
# so without more room each lookup decrypts its page again: verify borrows this much for its
# run and gives it back (docs/PERFORMANCE.md).
VERIFY_CACHE_KIB = 64 * 1024


def verify_workspace(ws: Workspace) -> VerifyReport:
    """The whole check a township accountant runs before trusting a database."""
    previous = int(ws.conn.execute("PRAGMA cache_size").fetchone()[0])
    ws.conn.execute(f"PRAGMA cache_size = {-VERIFY_CACHE_KIB}")
    try:
        return _verify(ws)
    finally:
        ws.conn.execute(f"PRAGMA cache_size = {previous}")


def _quick_check(conn: Connection) -> str:
    try:
        return str(conn.execute("PRAGMA quick_check").fetchone()[0])
    except DatabaseError as exc:
        return str(exc)


def _side_quick_check(ws: Workspace) -> str | None:
    """quick_check on a connection of its own (None if it cannot open one).

    It reads every page of the file in SQLite's C code, which lets go of the GIL, so on a
    second core it runs beside the chain and ledger checks instead of before them: about a
    third of verify's time at a township (docs/PERFORMANCE.md).
    """
    try:
        conn = open_database(ws.path, ws.data_key)
    except StorageError:
        return None
    try:
        return _quick_check(conn)
    finally:
        conn.close()


def _verify(ws: Workspace) -> VerifyReport:
    failure: DatabaseError | None = None
    with ThreadPoolExecutor(max_workers=1) as pool:
        side = pool.submit(_side_quick_check, ws)
        try:
            led = LedgerState()
            # The fold holds millions of objects: every collector pass over them, while it
            # grows and while it is compared with the tables, would find nothing to free.
            with collector_paused():
                chain = journal.verify_chain(ws.conn, visit=led.step, types=VERIFY_TYPES)
                problems = [*chain.problems, *ledger_invariants(ws, led)]
        except DatabaseError as exc:  # judged below, once the file's own check is known
            failure = exc
        integrity = side.result()
    if integrity is None:
        integrity = _quick_check(ws.conn)
    if integrity != "ok":
        # A damaged file cannot be read reliably: say so instead of half-checking it.
        return VerifyReport(False, 0, "", [f"数据库文件已损坏（{integrity}）：请从备份恢复"])
    if failure is not None:
        raise failure
    return VerifyReport(not problems, chain.events, chain.head, problems, chain.first_bad_seq)
