"""The one projector: a typed ledger event → its rows in the state tables.

A service builds the event, the folded ledger checks it, and this writes exactly what the event
says, in the same transaction as its journal row, so the tables and the journal cannot
disagree. The tables are projections of the journal; nothing here updates money or receipt
rows in place.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from app.domain import events as ev
from db.connection import Connection

# A refund's or end's reason that also changes who the person is in the roster.
STATUS_BY_REASON = {"employee": "employee_insured", "death": "deceased"}


def _payment(conn: Connection, p: ev.PaymentCollected, actor: str, at: str) -> None:
    receipt = p.receipt
    conn.execute(
        "INSERT INTO payments (id, campaign_id, household_id, tier_code, method, method_ref, "
        "amount_fen, book_id, series, number, collector, collected_at, business_date, "
        "override_reason, coverage_start) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (p.payment_id, p.campaign_id, p.household.id, p.tier, p.method, p.method_ref,
         p.amount_fen, p.book_id if receipt else None, receipt.series if receipt else None,
         receipt.number if receipt else None, actor, p.collected_at, p.business_date,
         p.override_reason, p.coverage_start))
    for line in p.lines:
        conn.execute(
            "INSERT INTO payment_lines (id, payment_id, person_id, name, id_type, id_number, "
            "nonlocal, tier_code, price_fen, subsidy_fen, category, payable_fen) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (line.line_id, p.payment_id, line.person_id, line.name, line.id_type,
             line.id_number, int(line.nonlocal_), p.tier, line.price_fen, line.subsidy_fen,
             line.category, line.payable_fen))
        conn.execute("INSERT INTO enrolments (id, campaign_id, person_id, payment_line_id, at) "
                     "VALUES (?,?,?,?,?)",
                     (str(uuid.uuid4()), p.campaign_id, line.person_id, line.line_id,
                      p.collected_at))
    if receipt:
        conn.execute(
            "INSERT INTO receipt_numbers (book_id, series, number, state, payment_id, reason, "
            "at, actor) VALUES (?,?,?,'issued',?,NULL,?,?)",
            (p.book_id, receipt.series, receipt.number, p.payment_id, at, actor))


def _book_id(conn: Connection, series: str, number: int) -> str:
    row = conn.execute("SELECT id FROM receipt_books WHERE series = ? AND first_no <= ? "
                       "AND last_no >= ?", (series, number, number)).fetchone()
    return str(row[0])


def _void(conn: Connection, p: ev.ReceiptVoided, actor: str, at: str) -> None:
    if p.blank:
        conn.execute(
            "INSERT INTO receipt_numbers (book_id, series, number, state, payment_id, reason, "
            "at, actor) VALUES (?,?,?,'skipped',NULL,?,?,?)",
            (_book_id(conn, p.series, p.number), p.series, p.number, p.reason, at, actor))
        return
    conn.execute("INSERT INTO receipt_voids (series, number, reason, at, actor) "
                 "VALUES (?,?,?,?,?)", (p.series, p.number, p.reason, at, actor))
    conn.execute("INSERT INTO payment_cancellations (payment_id, reason, at, actor) "
                 "VALUES (?,?,?,?)", (p.payment_id, f"作废票据 {p.series} {p.number}：{p.reason}",
                                      at, actor))
    conn.executemany("INSERT INTO enrolment_ends (enrolment_id, reason, at) VALUES "
                     "(?, 'voided', ?)", [(e, at) for e in p.enrolments_ended])


def _lost(conn: Connection, p: ev.ReceiptLost, actor: str, at: str) -> None:
    book_id = _book_id(conn, p.series, p.first)
    conn.executemany(
        "INSERT INTO receipt_numbers (book_id, series, number, state, payment_id, reason, at, "
        "actor) VALUES (?,?,?,'lost',NULL,?,?,?)",
        [(book_id, p.series, n, p.reason, at, actor) for n in range(p.first, p.last + 1)])


def _printed(conn: Connection, p: ev.ReceiptPrinted, actor: str, at: str) -> None:
    conn.execute("INSERT INTO receipt_prints (id, series, number, kind, at, actor) "
                 "VALUES (?,?,?,?,?,?)", (str(uuid.uuid4()), p.series, p.number, p.kind, at,
                                          actor))


def _status(conn: Connection, person_id: str, reason: str, at: str) -> None:
    status = STATUS_BY_REASON.get(reason)
    if status:
        conn.execute("UPDATE persons SET status = ?, updated_at = ? WHERE id = ?",
                     (status, at, person_id))


def _end_enrolment(conn: Connection, line_id: str, reason: str, note: str, at: str) -> None:
    row = conn.execute("SELECT id FROM enrolments WHERE payment_line_id = ?",
                       (line_id,)).fetchone()
    if row:
        conn.execute("INSERT INTO enrolment_ends (enrolment_id, reason, at, note) "
                     "VALUES (?,?,?,?)", (row[0], reason, at, note))


def _refund(conn: Connection, p: ev.RefundMade, actor: str, at: str) -> None:
    conn.execute(
        "INSERT INTO refunds (id, payment_line_id, payment_id, person_id, amount_fen, method, "
        "reason, at, business_date, actor, paid_by, note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (p.refund_id, p.payment_line_id, p.payment_id, p.person_id, p.amount_fen, p.method,
         p.reason, at, p.business_date, actor, p.paid_by, p.note))
    _end_enrolment(conn, p.payment_line_id, "refunded", p.note, at)
    _status(conn, p.person_id, p.reason, at)


def _enrolment_end(conn: Connection, p: ev.EnrolmentEnded, actor: str, at: str) -> None:
    _end_enrolment(conn, p.payment_line_id, p.reason, p.note, at)
    _status(conn, p.person_id, p.reason, at)


def _deposit(conn: Connection, p: ev.DepositRecorded, actor: str, at: str) -> None:
    conn.execute("INSERT INTO deposits (id, slip_no, amount_fen, deposit_date, at, actor) "
                 "VALUES (?,?,?,?,?,?)", (p.deposit_id, p.slip_no, p.amount_fen,
                                          p.deposit_date, at, actor))


def _daily_close(conn: Connection, p: ev.CashDailyClosed, actor: str, at: str) -> None:
    conn.execute(
        "INSERT INTO daily_closes (id, business_date, expected_fen, counted_fen, "
        "difference_fen, note, at, actor) VALUES (?,?,?,?,?,?,?,?)",
        (p.close_id, p.business_date, p.expected_fen, p.counted_fen, p.difference_fen, p.note,
         at, actor))


def _book(conn: Connection, p: ev.BookRegistered, actor: str, at: str) -> None:
    conn.execute(
        "INSERT INTO receipt_books (id, series, first_no, last_no, width, collector, "
        "registered_at) VALUES (?,?,?,?,?,?,?)",
        (p.book_id, p.series, p.first, p.last, p.width, p.collector, at))


_PROJECTIONS: dict[type, Callable[[Connection, Any, str, str], None]] = {
    ev.PaymentCollected: _payment,
    ev.ReceiptVoided: _void,
    ev.ReceiptLost: _lost,
    ev.ReceiptPrinted: _printed,
    ev.RefundMade: _refund,
    ev.EnrolmentEnded: _enrolment_end,
    ev.DepositRecorded: _deposit,
    ev.CashDailyClosed: _daily_close,
    ev.BookRegistered: _book,
}


def project(conn: Connection, payload: ev.Payload, *, actor: str, at: str) -> None:
    """Write the state-table rows of one ledger event (inside its transaction)."""
    projection = _PROJECTIONS.get(type(payload))
    if projection is not None:
        projection(conn, payload, actor, at)
