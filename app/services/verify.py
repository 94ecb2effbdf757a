"""`verify`: recompute the journal chain and check every ledger invariant (票款人三线合一)."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.services.reconcile import ledger_invariants
from app.services.workspace import Workspace
from db import journal


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


def verify_workspace(ws: Workspace) -> VerifyReport:
    """The whole check a township accountant runs before trusting a database."""
    chain = journal.verify_chain(ws.conn)
    problems = list(chain.problems)
    integrity = ws.conn.execute("PRAGMA quick_check").fetchone()[0]
    if integrity != "ok":
        problems.append(f"数据库文件结构检查失败：{integrity}")
    problems.extend(ledger_invariants(ws))
    return VerifyReport(not problems, chain.events, chain.head, problems, chain.first_bad_seq)
