"""Schema step 3: sync: state, county refund tasks.

Frozen: this is what step 3 did to every database that ran it. It never changes;
a change to the schema is a new step (docs/RELIABILITY.md, "Upgrade steps").
"""

DESCRIPTION = 'sync: state, county refund tasks'

STATEMENTS: tuple[str, ...] = (
    'CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
    "CREATE TABLE sync_refund_tasks (\n            notice_id TEXT PRIMARY KEY,\n            reason TEXT NOT NULL\n                CHECK (reason IN ('duplicate_enrolment', 'employee_insured', 'paid_elsewhere')),\n            message TEXT NOT NULL,\n            event_uuid TEXT NOT NULL,\n            campaign_year INTEGER NOT NULL,\n            payment_id TEXT NOT NULL,\n            line_id TEXT NOT NULL,\n            id_number TEXT NOT NULL,\n            name TEXT NOT NULL,\n            receipt TEXT,\n            other_village TEXT,\n            received_at TEXT NOT NULL)",
    'CREATE INDEX sync_refund_tasks_line ON sync_refund_tasks (line_id)',
    "CREATE TRIGGER sync_refund_tasks_no_update BEFORE UPDATE ON sync_refund_tasks BEGIN SELECT RAISE(ABORT, 'sync_refund_tasks is append-only'); END",
    "CREATE TRIGGER sync_refund_tasks_no_delete BEFORE DELETE ON sync_refund_tasks BEGIN SELECT RAISE(ABORT, 'sync_refund_tasks is append-only'); END",
)
