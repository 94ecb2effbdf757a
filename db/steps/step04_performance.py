"""Schema step 4: performance: indexes for reconciliation and cash at township scale.

Frozen: this is what step 4 did to every database that ran it. It never changes;
a change to the schema is a new step (docs/RELIABILITY.md, "Upgrade steps").
"""

DESCRIPTION = 'performance: indexes for reconciliation and cash at township scale'

STATEMENTS: tuple[str, ...] = (
    'CREATE INDEX payments_book ON payments (book_id)',
    'CREATE INDEX refunds_payment ON refunds (payment_id)',
    'CREATE INDEX enrolments_line ON enrolments (payment_line_id)',
    'CREATE INDEX payments_cash ON payments (method, business_date, amount_fen, id)',
    'DROP INDEX enrolments_person',
    'CREATE INDEX enrolments_person ON enrolments (person_id, campaign_id, id)',
    'DROP INDEX payment_lines_payment',
    'CREATE INDEX payment_lines_payment ON payment_lines (payment_id, payable_fen)',
    'CREATE INDEX journal_type ON journal (type)',
)
