"""Receipt books (票据): registration, the next number, void, print confirmation, loss.

A number is unused until it leaves the book; then it is issued (to one payment), skipped (a
blank form voided: 作废空白票), or lost (遗失). An issued number can later be voided (作废),
which cancels its payment. Numbers are used strictly in order, never reused, never skipped
without a recorded reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.domain import events as ev
from app.domain.errors import NotFound, Refused, ValidationError
from app.domain.text import clean_text
from app.services.base.common import business_date, new_id, utc_now
from app.services.base.roles import any_role, requires_role
from app.services.base.workspace import Workspace
from db.connection import Connection, tx


@dataclass(frozen=True)
class Book:
    id: str
    series: str
    first: int
    last: int
    width: int
    collector: str

    def format(self, number: int) -> str:
        return f"{number:0{self.width}d}"

    def label(self, number: int) -> str:
        """As printed: 皖医保 00012007."""
        return f"{self.series} {self.format(number)}"


@dataclass(frozen=True)
class NextReceipt:
    book: Book
    number: int
    remaining: int

    @property
    def formatted(self) -> str:
        return self.book.format(self.number)

    @property
    def label(self) -> str:
        return self.book.label(self.number)


BOOK_COLUMNS = "id, series, first_no, last_no, width, collector"


def _book(row: tuple) -> Book:
    return Book(row[0], row[1], int(row[2]), int(row[3]), int(row[4]), row[5])


@requires_role("collector", "登记票据")
def register_book(ws: Workspace, *, series: str, first: int, last: int,
                  width: int | None = None) -> dict[str, Any]:
    """Register a book received from the township (领用): series 字轨 and number range."""
    series = clean_text(series)
    if not series or len(series) > 20:
        raise ValidationError("请填写票据字轨（例如：皖医保）")
    if first < 0 or last < first:
        raise ValidationError("票号范围无效：末号必须不小于起始号")
    if last - first >= 10_000:
        raise ValidationError("一本票据不能超过 10000 张，请检查票号范围")
    width = width or max(len(str(last)), 8)
    if width < len(str(last)):
        raise ValidationError(f"票号位数 {width} 放不下末号 {last}")
    book_id = new_id()
    with tx(ws.conn):
        ws.commit_event(ev.BookRegistered(book_id, series, first, last, width, ws.user))
    return {"book_id": book_id, "series": series, "first": first, "last": last, "width": width}


def _highest_used(conn: Connection, book_id: str) -> int | None:
    # Walking the (book_id, number) index down from the top stops at the first number not
    # lost; max() with the state filter would visit every number of the book (bench/).
    row = conn.execute(
        "SELECT number FROM receipt_numbers WHERE book_id = ? AND state != 'lost' "
        "ORDER BY number DESC LIMIT 1", (book_id,)).fetchone()
    return None if row is None else int(row[0])


def _next_in_book(conn: Connection, book: Book) -> int | None:
    """The lowest number above the last one used that is not marked lost."""
    high = _highest_used(conn, book.id)
    candidate = book.first if high is None else high + 1
    taken = {n for (n,) in conn.execute(
        "SELECT number FROM receipt_numbers WHERE book_id = ? AND number >= ?",
        (book.id, candidate))}
    while candidate <= book.last and candidate in taken:
        candidate += 1
    return candidate if candidate <= book.last else None


@any_role
def books(ws: Workspace) -> list[Book]:
    return [_book(r) for r in ws.conn.execute(
        f"SELECT {BOOK_COLUMNS} FROM receipt_books ORDER BY registered_at, series, first_no")]


@any_role
def next_receipt(ws: Workspace) -> NextReceipt:
    """The number the next receipt will carry (the clerk checks it against the paper)."""
    # Only this collector's books whose last number is not yet used (issued or voided blank;
    # a lost last number may still leave numbers below it): after a few campaigns a
    # database holds hundreds of used-up books, and looking into each one on every
    # collection made collecting slower year after year (bench/).
    open_books = ws.conn.execute(
        f"SELECT {BOOK_COLUMNS} FROM receipt_books b WHERE collector = ? AND NOT EXISTS "
        "(SELECT 1 FROM receipt_numbers n WHERE n.series = b.series AND n.number = b.last_no "
        "AND n.state != 'lost') AND NOT EXISTS (SELECT 1 FROM book_settlements s WHERE "
        "s.series = b.series AND s.first_no = b.first_no) "
        "ORDER BY registered_at, series, first_no", (ws.user,))
    for book in [_book(r) for r in open_books]:
        number = _next_in_book(ws.conn, book)
        if number is not None:
            used = ws.conn.execute("SELECT count(*) FROM receipt_numbers WHERE book_id = ? "
                                   "AND number >= ?", (book.id, number)).fetchone()[0]
            return NextReceipt(book, number, book.last - number + 1 - used)
    raise Refused("没有可用的票据：票据已用完或尚未登记，请向乡镇财政所领用新票据后登记")


@any_role
def peek_next_receipt(ws: Workspace) -> NextReceipt | None:
    try:
        return next_receipt(ws)
    except Refused:
        return None


_NO_RE = re.compile(r"^\s*(?:(?P<series>.*?)[\s:-]+)?(?P<number>\d+)\s*$")


@dataclass(frozen=True)
class ReceiptRef:
    book: Book
    number: int


@any_role
def resolve_receipt(ws: Workspace, text: str, series: str | None = None) -> ReceiptRef:
    """'00012007', '皖医保 00012007' or a number with --series → the book and number."""
    match = _NO_RE.match(text or "")
    if not match:
        raise ValidationError(f"票号“{text}”格式不正确")
    number = int(match.group("number"))
    series = (series or match.group("series") or "").strip() or None
    params: tuple = (number, number)
    sql = f"SELECT {BOOK_COLUMNS} FROM receipt_books WHERE first_no <= ? AND last_no >= ?"
    if series:
        sql += " AND series = ?"
        params += (series,)
    rows = ws.conn.execute(sql, params).fetchall()
    if not rows:
        raise NotFound(f"票号 {text} 不在任何已登记的票据中")
    if len(rows) > 1:
        raise ValidationError(f"票号 {number} 在多本票据中出现，请同时给出字轨（--series）")
    return ReceiptRef(_book(rows[0]), number)


@any_role
def receipt_state(ws: Workspace, ref: ReceiptRef) -> dict[str, Any]:
    row = ws.conn.execute(
        "SELECT n.state, n.payment_id, n.reason, v.reason FROM receipt_numbers n "
        "LEFT JOIN receipt_voids v ON v.series = n.series AND v.number = n.number "
        "WHERE n.series = ? AND n.number = ?", (ref.book.series, ref.number)).fetchone()
    if row is None:
        return {"state": "unused", "payment_id": None, "reason": None}
    state, payment_id, reason, void_reason = row
    if state == "issued" and void_reason is not None:
        return {"state": "voided", "payment_id": payment_id, "reason": void_reason}
    if state == "skipped":
        return {"state": "voided", "payment_id": None, "reason": reason}
    printed = ws.conn.execute("SELECT count(*) FROM receipt_prints WHERE series = ? AND "
                              "number = ?", (ref.book.series, ref.number)).fetchone()[0]
    return {"state": state, "payment_id": payment_id, "reason": reason,
            "pending_print": state == "issued" and printed == 0}


@requires_role("collector", "作废票据")
def void_receipt(ws: Workspace, receipt_no: str, *, reason: str, series: str | None = None,
                 now: datetime | None = None) -> dict[str, Any]:
    """作废 — for a spoiled form or a mistake caught while the money is still in hand.

    An issued receipt: its payment and enrolments are cancelled in the same transaction (the
    household can be collected again with the next number), unless the ledger refuses it: the
    book is settled, its cash deposited or its non-cash money matched, the refund deadline or
    the policy's void window (``void_days``) has passed — then the correction is a refund. The
    next unused number: the blank form is skipped with the reason recorded.
    """
    reason = clean_text(reason)
    if not reason:
        raise ValidationError("作废必须填写原因（例如：打印错位、填错户、卡纸）")
    ref = resolve_receipt(ws, receipt_no, series)
    label = ref.book.label(ref.number)
    day = business_date(now or utc_now()).isoformat()
    with tx(ws.conn):
        state = receipt_state(ws, ref)
        if state["state"] == "voided":
            raise Refused(f"票据 {label} 已经作废")
        if state["state"] == "lost":
            raise Refused(f"票据 {label} 已登记遗失，不能作废")
        if state["state"] == "unused":
            # Only the form the next receipt would be printed on, across all of this
            # collector's books: any other blank is still in the book, not spoiled in order.
            expected = peek_next_receipt(ws)
            if expected is None or (expected.book.id, expected.number) != (ref.book.id,
                                                                            ref.number):
                nxt = expected.label if expected is not None else "无"
                raise Refused(f"空白票据只能按顺序作废：下一张应为 {nxt}，不是 {label}")
            ws.commit_event(ev.ReceiptVoided(ref.book.series, ref.number, reason, None, True,
                                             business_date=day), at=now)
            return {"receipt": label, "state": "voided", "blank": True, "payment_id": None}
        payment_id = state["payment_id"]
        # Only the live ones: a free line ended before (终止参保) keeps its own end.
        enrolments = tuple(r[0] for r in ws.conn.execute(
            "SELECT e.id FROM enrolments e JOIN payment_lines l ON l.id = e.payment_line_id "
            "WHERE l.payment_id = ? AND NOT EXISTS (SELECT 1 FROM enrolment_ends x "
            "WHERE x.enrolment_id = e.id)", (payment_id,)))
        ws.commit_event(ev.ReceiptVoided(ref.book.series, ref.number, reason, payment_id, False,
                                         enrolments, business_date=day), at=now)
    return {"receipt": label, "state": "voided", "blank": False, "payment_id": payment_id}


@requires_role("collector", "登记票据打印")
def mark_printed(ws: Workspace, receipt_no: str, *, reprint: bool = False,
                 series: str | None = None) -> dict[str, Any]:
    """Record that the paper receipt came out of the printer (ends 'pending print')."""
    ref = resolve_receipt(ws, receipt_no, series)
    label = ref.book.label(ref.number)
    with tx(ws.conn):
        state = receipt_state(ws, ref)
        if state["state"] not in ("issued", "voided") or state["payment_id"] is None:
            raise Refused(f"票据 {label} 未开具，不能登记打印")
        kind = "reprint" if reprint else "print"
        ws.commit_event(ev.ReceiptPrinted(ref.book.series, ref.number, kind))
    return {"receipt": label, "printed": kind}


@requires_role("collector", "登记票据遗失")
def mark_lost(ws: Workspace, *, series: str, first: int, last: int,
              reason: str) -> dict[str, Any]:
    """遗失: unused numbers reported lost; they are accounted for and never used."""
    reason = clean_text(reason)
    if not reason:
        raise ValidationError("登记遗失必须填写情况说明")
    ref = resolve_receipt(ws, str(first), series)
    if last < first or last > ref.book.last:
        raise ValidationError("遗失票号范围超出这本票据")
    with tx(ws.conn):
        taken = {n for (n,) in ws.conn.execute(
            "SELECT number FROM receipt_numbers WHERE book_id = ? AND number BETWEEN ? AND ?",
            (ref.book.id, first, last))}
        if taken:
            raise Refused(f"票号 {ref.book.label(min(taken))} 已使用，只有未用的票据可登记遗失")
        ws.commit_event(ev.ReceiptLost(ref.book.series, first, last, reason))
    return {"series": ref.book.series, "first": first, "last": last, "lost": last - first + 1}
