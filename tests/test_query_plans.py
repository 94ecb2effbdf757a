"""The search and reconciliation queries use indexes: checked by query plan, never by timing.

Every statement ``find_households`` and ``reconcile`` really execute is recorded (a recording
connection stands in for the workspace's), then ``EXPLAIN QUERY PLAN`` is asked for it with the
same parameters. A plan that reads a whole big table — one that grows with the roster or the
receipts — fails the test, so a regression that would only show at 100,000 persons is caught
on a database of a few households. The app runs no ANALYZE, so the planner works from the
schema alone and a small database gets the same plans as a large one.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.domain.synthetic import VillageGenerator
from app.services.base.workspace import Workspace
from app.services.views.reconcile import reconcile
from app.services.village import roster
from app.services.village.books import mark_printed, register_book, void_receipt
from app.services.village.campaigns import load_policy
from app.services.village.cash import record_deposit
from app.services.village.collect import collect_household
from app.services.village.refunds import refund_line
from app.services.village.roster import find_households
from tests.conftest import DATA

# Tables with a row per person, household, payment, line, receipt number, print or event.
BIG_TABLES = {
    "households", "persons", "person_categories", "payments", "payment_lines",
    "payment_cancellations", "receipt_numbers", "receipt_voids", "receipt_prints",
    "enrolments", "enrolment_ends", "journal", "external_payments",
}
# Whole-table passes that are the point of their check, each run once per reconciliation.
ALLOWED_SCANS = {
    # 待打印: every issued number is looked at once; its void and print are index lookups.
    "NOT EXISTS (SELECT 1 FROM receipt_prints": "receipt_numbers",
}
T0 = datetime(2026, 10, 15, 2, 0, tzinfo=UTC)  # inside the 2026 collection window
VILLAGE = "3404220010"
_KEYWORDS = {"WHERE", "ON", "JOIN", "LEFT", "INNER", "GROUP", "ORDER", "LIMIT", "UNION", "AS"}


class RecordingConnection:
    """Passes everything to the real connection and remembers each statement run."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self.statements: dict[str, tuple[Any, ...]] = {}

    def execute(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> Any:
        self.statements.setdefault(sql, tuple(params))
        return self._conn.execute(sql, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def _aliases(sql: str) -> dict[str, str]:
    """alias (or bare name) → table, from the FROM and JOIN clauses."""
    found = {}
    for table, alias in re.findall(r"(?:FROM|JOIN)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?", sql,
                                   flags=re.IGNORECASE):
        found[table] = table
        if alias and alias.upper() not in _KEYWORDS:
            found[alias] = table
    return found


def full_scans(ws: Workspace, sql: str, params: tuple[Any, ...]) -> list[str]:
    """The big tables this statement's plan reads whole, as ``table (plan line)``."""
    names = _aliases(sql)
    allowed = {table for marker, table in ALLOWED_SCANS.items() if marker in sql}
    scans = []
    for *_, detail in ws.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params):
        match = re.match(r"SCAN (\w+)", detail)
        if match:
            table = names.get(match.group(1), match.group(1))
            if table in BIG_TABLES and table not in allowed:
                scans.append(f"{table} ({detail})")
    return scans


def recording(ws: Workspace) -> tuple[Workspace, RecordingConnection]:
    recorder = RecordingConnection(ws.conn)
    return dataclasses.replace(ws, conn=recorder), recorder  # type: ignore[arg-type]


@pytest.fixture
def ledger(ws: Workspace) -> Iterator[Workspace]:
    """A village with a few of everything reconciliation looks at."""
    load_policy(ws, DATA / "policy-two-tier.json")
    gen = VillageGenerator(seed=7)
    households = gen.village(VILLAGE, 12, newborns=1)
    for hh in households:
        roster.add_household(ws, household_no=hh.household_no, head_name=hh.head.name,
                             group=hh.group, phone=hh.phone)
        for p in hh.members:
            roster.add_person(ws, household_no=hh.household_no, name=p.name,
                              id_number=p.id_number, id_type=p.id_type, relation=p.relation,
                              residence=p.residence, sex=p.sex, birth_date=p.birth_date,
                              ethnicity=p.ethnicity)
    register_book(ws, series="皖医保", first=1, last=50)
    receipts = []
    for index, hh in enumerate(households[:8]):
        done = collect_household(ws, household_no=hh.household_no, tier_code="1",
                                 method="cash" if index % 3 else "wechat",
                                 method_ref=None if index % 3 else f"WX{index:08d}",
                                 now=T0 + timedelta(minutes=index))
        receipts.append((done.receipt_no, hh))
        if index != 5:  # one receipt left unprinted: 待打印
            mark_printed(ws, done.receipt_no)
    void_receipt(ws, receipts[1][0], reason="打印错位", now=T0 + timedelta(hours=1))
    refund_line(ws, receipt_no=receipts[2][0], id_number=receipts[2][1].members[0].id_number,
                reason="employee", now=T0 + timedelta(hours=2))
    record_deposit(ws, amount_fen=38000, slip_no="JC0001", now=T0 + timedelta(hours=3))
    yield ws


def _search_queries(ws: Workspace) -> list[str]:
    """One query for every branch of find_households, taken from the roster itself."""
    name, initials, id_number, household_no = ws.conn.execute(
        "SELECT p.name, p.initials, p.id_number, h.household_no FROM persons p "
        "JOIN households h ON h.id = p.household_id WHERE p.id_type = '01' "
        "AND length(p.name) = 3 LIMIT 1").fetchone()
    return [name[0], name[:2], name, initials, initials[:1], id_number, id_number[-6:],
            id_number[-4:], id_number[:10], household_no, household_no[:8]]


def test_every_search_branch_uses_an_index(ledger: Workspace) -> None:
    recorded, recorder = recording(ledger)
    for query in _search_queries(ledger):
        assert find_households(recorded, query), f"the roster has a match for {query!r}"
    statements = recorder.statements
    # Every branch ran, so every branch's plan is checked below.
    for column in ("name >=", "head_name >=", "initials >=", "id_number =", "id_number >=",
                   "id_rev >=", "household_no >=", "h.id IN"):
        assert any(column in sql for sql in statements), f"no search statement used {column}"
    for sql, params in statements.items():
        assert full_scans(ledger, sql, params) == [], sql
        plan = " ".join(r[3] for r in ledger.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))
        assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, (sql, plan)


def test_reconciliation_reads_no_big_table_whole(ledger: Workspace) -> None:
    recorded, recorder = recording(ledger)
    result = reconcile(recorded)
    # The fixture really gave reconcile something to find and add up.
    assert any("待打印" in problem for problem in result["problems"])
    assert result["books"][0]["voided"] == 1 and result["books"][0]["refunds_fen"] > 0
    assert len(recorder.statements) >= 8
    problems = {sql: scans for sql, params in recorder.statements.items()
                if (scans := full_scans(ledger, sql, params))}
    assert problems == {}


@pytest.mark.parametrize(("sql", "expected"), [
    ("SELECT count(*) FROM payments p WHERE p.book_id = ?", []),
    ("SELECT count(*) FROM payments p WHERE p.collector = ?", ["payments"]),
    ("SELECT count(*) FROM receipt_books WHERE collector = ?", []),
])
def test_the_check_itself_tells_a_search_from_a_scan(ledger: Workspace, sql: str,
                                                    expected: list[str]) -> None:
    assert [s.split()[0] for s in full_scans(ledger, sql, ("x",))] == expected
