"""Collect one household, against a bare SQLCipher insert-and-commit of the same rows.

Two private copies of the township database: on one, ``collect_household`` runs as the clerk's
action does (its own transaction, committed with synchronous=FULL, so fsync'd); on the other,
a bare ``open_database`` connection (same key, same pragmas) inserts exactly the rows that
collection wrote — payment, lines, enrolments, receipt number, journal event and journal head
— in one transaction and commits. The two alternate, so a disk or CPU hiccup hits both sides
alike, and the ratio is what the service itself costs: its reads, checks, fee rules, hashing
and Python.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.services.base.workspace import Workspace
from app.services.village.books import register_book
from app.services.village.collect import collect_household
from bench.dataset import LAST_YEAR, TOWNSHIP, Dataset
from bench.metrics import Metric, median, percentile, progress, stopwatch
from db.connection import Connection, open_database

VILLAGE = f"{TOWNSHIP}01"
COLLECTOR = "收款员01"
WARMUP = 10
# Inside the current campaign's window, so the benchmark does not depend on today's date.
MOMENT = datetime(LAST_YEAR, 11, 2, 2, 0, tzinfo=UTC)
RATIO_TARGET = 4.0

Row = tuple[str, list[str], list[tuple[Any, ...]]]


def _unpaid_households(ws: Workspace, count: int, seed: int) -> list[str]:
    """Households of the collector's village with nobody enrolled in the current campaign."""
    rows = [r[0] for r in ws.conn.execute(
        "SELECT h.household_no FROM households h WHERE h.village = ? AND NOT EXISTS ("
        "SELECT 1 FROM persons p JOIN enrolments e ON e.person_id = p.id "
        "JOIN campaigns c ON c.id = e.campaign_id WHERE p.household_id = h.id "
        "AND c.campaign_year = ?) ORDER BY h.household_no", (VILLAGE, LAST_YEAR))]
    return random.Random(seed).sample(rows, min(count, len(rows)))


def _rows(conn: Connection, table: str, where: str, params: tuple[Any, ...]) -> Row:
    cur = conn.execute(f"SELECT * FROM {table} WHERE {where}", params)
    return table, [d[0] for d in cur.description], cur.fetchall()


def _written(conn: Connection, payment_id: str) -> list[Row]:
    """Every row one collection wrote, in an order the foreign keys accept."""
    lines = "payment_line_id IN (SELECT id FROM payment_lines WHERE payment_id = ?)"
    return [
        _rows(conn, "payments", "id = ?", (payment_id,)),
        _rows(conn, "payment_lines", "payment_id = ?", (payment_id,)),
        _rows(conn, "enrolments", lines, (payment_id,)),
        _rows(conn, "receipt_numbers", "payment_id = ?", (payment_id,)),
        _rows(conn, "journal", "seq = (SELECT max(seq) FROM journal)", ()),
    ]


def _bare_insert(conn: Connection, rows: list[Row], head: tuple[str, str]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    for table, columns, values in rows:
        conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) "
                         f"VALUES ({', '.join('?' * len(columns))})", values)
    conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?) "
                     "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                     [("journal_head_seq", head[0]), ("journal_head_hash", head[1])])
    conn.execute("COMMIT")


def run(dataset: Dataset, workdir: Path, *, samples: int) -> list[Metric]:
    progress(f"collect: {samples} households, service and bare inserts alternating")
    service_db = dataset.copy_to(workdir / "collect-service")
    bare_db = dataset.copy_to(workdir / "collect-bare")
    ws = dataset.open(service_db, user=COLLECTOR)
    bare = open_database(bare_db, ws.data_key)
    try:
        # A fresh book, so the run never stops for lack of forms; the bare copy gets the
        # same row, since its receipt numbers point at it.
        book = register_book(ws, series=f"皖医保{LAST_YEAR}", first=99_000_001,
                             last=99_000_000 + samples + WARMUP)
        _bare_insert(bare, [_rows(ws.conn, "receipt_books", "id = ?", (book["book_id"],)),
                            _rows(ws.conn, "journal", "seq = (SELECT max(seq) FROM journal)",
                                  ())], _head(ws.conn))
        service: list[float] = []
        baseline: list[float] = []
        households = _unpaid_households(ws, samples + WARMUP, dataset.spec.seed)
        for index, household_no in enumerate(households):
            with stopwatch() as took:
                done = collect_household(ws, household_no=household_no, tier_code="1",
                                         now=MOMENT)
            service_ms = took() * 1000
            rows = _written(ws.conn, done.payment_id)
            head = _head(ws.conn)
            with stopwatch() as took:
                _bare_insert(bare, rows, head)
            if index >= WARMUP:
                service.append(service_ms)
                baseline.append(took() * 1000)
    finally:
        bare.close()
        ws.close()
    detail = {"samples": len(service), "persons": dataset.manifest["persons"],
              "receipts_before": dataset.manifest["receipts"],
              "service_p95_ms": percentile(service, 95), "bare_p95_ms": percentile(baseline, 95)}
    note = (f"collect_household on the {dataset.manifest['persons']}-person township holding "
            f"{dataset.manifest['receipts']} receipts (synchronous=FULL, WAL), alternating "
            "with a bare SQLCipher insert-and-commit of the same rows")
    return [
        Metric("collect_household_median", median(service), "ms", RATIO_TARGET,
               target_on="ratio", baseline=median(baseline),
               baseline_label="bare SQLCipher insert+commit of the same rows (median)",
               note=note, detail=detail),
        Metric("collect_household_p95", percentile(service, 95), "ms", RATIO_TARGET,
               target_on="ratio", baseline=percentile(baseline, 95),
               baseline_label="bare SQLCipher insert+commit of the same rows (p95)",
               note=note),
    ]


def _head(conn: Connection) -> tuple[str, str]:
    values = dict(conn.execute("SELECT key, value FROM meta WHERE key IN "
                               "('journal_head_seq', 'journal_head_hash')").fetchall())
    return values["journal_head_seq"], values["journal_head_hash"]
