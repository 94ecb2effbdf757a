"""Schema step 7 (frozen: a shipped step never changes; a change is a new step).

Refunds gain who paid them (the collector's cash, the township, or — for version-1 refunds of
non-cash payments — the original channel) and a note, and accept the reasons 参军 and 其他;
a newborn's payment keeps its first day of cover; an enrolment end keeps its note; the
township keeps which refunds it paid and which non-cash receipts it matched to a bank credit.
"""

from __future__ import annotations

STEP7_STATEMENTS: tuple[str, ...] = (
    "DROP TRIGGER refunds_no_update",
    "DROP TRIGGER refunds_no_delete",
    "DROP INDEX refunds_payment",
    """CREATE TABLE refunds_v7 (
        id TEXT PRIMARY KEY,
        payment_line_id TEXT NOT NULL UNIQUE REFERENCES payment_lines (id),
        payment_id TEXT NOT NULL REFERENCES payments (id),
        person_id TEXT NOT NULL REFERENCES persons (id),
        amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),
        method TEXT NOT NULL,
        reason TEXT NOT NULL CHECK (reason IN ('duplicate', 'employee', 'death', 'elsewhere',
                                               'military', 'other')),
        at TEXT NOT NULL,
        business_date TEXT NOT NULL,
        actor TEXT NOT NULL,
        paid_by TEXT NOT NULL CHECK (paid_by IN ('cash', 'township', 'channel')),
        note TEXT NOT NULL DEFAULT '')""",
    """INSERT INTO refunds_v7 (id, payment_line_id, payment_id, person_id, amount_fen, method,
        reason, at, business_date, actor, paid_by, note)
        SELECT id, payment_line_id, payment_id, person_id, amount_fen, method, reason, at,
        business_date, actor, CASE WHEN method = 'cash' THEN 'cash' ELSE 'channel' END, ''
        FROM refunds""",
    "DROP TABLE refunds",
    "ALTER TABLE refunds_v7 RENAME TO refunds",
    "CREATE INDEX refunds_payment ON refunds (payment_id)",
    "CREATE TRIGGER refunds_no_update BEFORE UPDATE ON refunds "
    "BEGIN SELECT RAISE(ABORT, 'refunds is append-only'); END",
    "CREATE TRIGGER refunds_no_delete BEFORE DELETE ON refunds "
    "BEGIN SELECT RAISE(ABORT, 'refunds is append-only'); END",
    "ALTER TABLE payments ADD COLUMN coverage_start TEXT",
    "ALTER TABLE enrolment_ends ADD COLUMN note TEXT NOT NULL DEFAULT ''",
    """CREATE TABLE tw_refund_payments (
        device_id TEXT NOT NULL,
        refund_id TEXT NOT NULL,
        reference TEXT NOT NULL,
        paid_on TEXT NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        PRIMARY KEY (device_id, refund_id))""",
    """CREATE TABLE tw_noncash_matches (
        credit_id TEXT NOT NULL REFERENCES tw_bank_credits (id),
        device_id TEXT NOT NULL,
        payment_id TEXT NOT NULL,
        amount_fen INTEGER NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        PRIMARY KEY (device_id, payment_id))""",
    "CREATE INDEX tw_noncash_matches_credit ON tw_noncash_matches (credit_id)",
    *(f"CREATE TRIGGER {t}_no_{op.lower()} BEFORE {op} ON {t} "
      f"BEGIN SELECT RAISE(ABORT, '{t} is append-only'); END"
      for t in ("tw_refund_payments", "tw_noncash_matches") for op in ("UPDATE", "DELETE")),
)
