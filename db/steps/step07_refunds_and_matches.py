"""Schema step 7: refunds: who paid and why (参军, 其他); newborn cover; township refund payments and non-cash matches.

Frozen: this is what step 7 did to every database that ran it. It never changes;
a change to the schema is a new step (docs/RELIABILITY.md, "Upgrade steps").
"""

DESCRIPTION = 'refunds: who paid and why (参军, 其他); newborn cover; township refund payments and non-cash matches'

STATEMENTS: tuple[str, ...] = (
    'DROP TRIGGER refunds_no_update',
    'DROP TRIGGER refunds_no_delete',
    'DROP INDEX refunds_payment',
    "CREATE TABLE refunds_v7 (\n        id TEXT PRIMARY KEY,\n        payment_line_id TEXT NOT NULL UNIQUE REFERENCES payment_lines (id),\n        payment_id TEXT NOT NULL REFERENCES payments (id),\n        person_id TEXT NOT NULL REFERENCES persons (id),\n        amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),\n        method TEXT NOT NULL,\n        reason TEXT NOT NULL CHECK (reason IN ('duplicate', 'employee', 'death', 'elsewhere',\n                                               'military', 'other')),\n        at TEXT NOT NULL,\n        business_date TEXT NOT NULL,\n        actor TEXT NOT NULL,\n        paid_by TEXT NOT NULL CHECK (paid_by IN ('cash', 'township', 'channel')),\n        note TEXT NOT NULL DEFAULT '')",
    "INSERT INTO refunds_v7 (id, payment_line_id, payment_id, person_id, amount_fen, method,\n        reason, at, business_date, actor, paid_by, note)\n        SELECT id, payment_line_id, payment_id, person_id, amount_fen, method, reason, at,\n        business_date, actor, CASE WHEN method = 'cash' THEN 'cash' ELSE 'channel' END, ''\n        FROM refunds",
    'DROP TABLE refunds',
    'ALTER TABLE refunds_v7 RENAME TO refunds',
    'CREATE INDEX refunds_payment ON refunds (payment_id)',
    "CREATE TRIGGER refunds_no_update BEFORE UPDATE ON refunds BEGIN SELECT RAISE(ABORT, 'refunds is append-only'); END",
    "CREATE TRIGGER refunds_no_delete BEFORE DELETE ON refunds BEGIN SELECT RAISE(ABORT, 'refunds is append-only'); END",
    'ALTER TABLE payments ADD COLUMN coverage_start TEXT',
    "ALTER TABLE enrolment_ends ADD COLUMN note TEXT NOT NULL DEFAULT ''",
    'CREATE TABLE tw_refund_payments (\n        device_id TEXT NOT NULL,\n        refund_id TEXT NOT NULL,\n        reference TEXT NOT NULL,\n        paid_on TEXT NOT NULL,\n        at TEXT NOT NULL,\n        actor TEXT NOT NULL,\n        PRIMARY KEY (device_id, refund_id))',
    'CREATE TABLE tw_noncash_matches (\n        credit_id TEXT NOT NULL REFERENCES tw_bank_credits (id),\n        device_id TEXT NOT NULL,\n        payment_id TEXT NOT NULL,\n        amount_fen INTEGER NOT NULL,\n        at TEXT NOT NULL,\n        actor TEXT NOT NULL,\n        PRIMARY KEY (device_id, payment_id))',
    'CREATE INDEX tw_noncash_matches_credit ON tw_noncash_matches (credit_id)',
    "CREATE TRIGGER tw_refund_payments_no_update BEFORE UPDATE ON tw_refund_payments BEGIN SELECT RAISE(ABORT, 'tw_refund_payments is append-only'); END",
    "CREATE TRIGGER tw_refund_payments_no_delete BEFORE DELETE ON tw_refund_payments BEGIN SELECT RAISE(ABORT, 'tw_refund_payments is append-only'); END",
    "CREATE TRIGGER tw_noncash_matches_no_update BEFORE UPDATE ON tw_noncash_matches BEGIN SELECT RAISE(ABORT, 'tw_noncash_matches is append-only'); END",
    "CREATE TRIGGER tw_noncash_matches_no_delete BEFORE DELETE ON tw_noncash_matches BEGIN SELECT RAISE(ABORT, 'tw_noncash_matches is append-only'); END",
)
