"""Schema step 4: indexes that township-scale benchmarks showed missing (bench/, PERFORMANCE.md).

Each one turns a query that read a whole big table, once per book or on every status-bar
refresh, into an index search; ``tests/test_query_plans.py`` keeps it that way.
"""

from __future__ import annotations


def perf_statements() -> list[str]:
    return [
        # reconcile() sums each book's payments: without this it read every payment once per
        # book (hundreds of books × tens of thousands of payments at a township).
        "CREATE INDEX payments_book ON payments (book_id)",
        # A book's or a payment's refunds (reconcile per book; void_receipt's "refunded?").
        "CREATE INDEX refunds_payment ON refunds (payment_id)",
        # A void or a refund ends the enrolments of its lines: each read every enrolment of
        # every campaign to find them.
        "CREATE INDEX enrolments_line ON enrolments (payment_line_id)",
        # Cash on hand (status bar, deposits, daily close, reconcile) sums cash payments by day;
        # covering, so the sum reads this index alone and never the payments themselves.
        "CREATE INDEX payments_cash ON payments (method, business_date, amount_fen, id)",
        # verify's checks walk these two in index order; with the columns they read inside,
        # the walk never leaves the index for a table page (rows far apart, each decrypted).
        "DROP INDEX enrolments_person",
        "CREATE INDEX enrolments_person ON enrolments (person_id, campaign_id, id)",
        "DROP INDEX payment_lines_payment",
        "CREATE INDEX payment_lines_payment ON payment_lines (payment_id, payable_fen)",
        # verify's replay reads only the events that move money or receipts, and the devices
        # known from their `database.created` event are looked up by type too.
        "CREATE INDEX journal_type ON journal (type)",
    ]
