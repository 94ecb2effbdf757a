"""Schema step 3: county sync state and the refund tasks the county sends down.

Acknowledgements, the pull cursor and the enrolment keys are plain state (``sync_state``),
not journal events: an acknowledgement journaled would itself be pending, and sync would never
settle. Refund tasks are evidence of what the county said, so they are append-only; a task is
done when a refund row exists for its payment line.
"""

from __future__ import annotations

from db.ledger_schema import append_only_triggers


def sync_statements() -> list[str]:
    return [
        "CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE sync_refund_tasks (
            notice_id TEXT PRIMARY KEY,
            reason TEXT NOT NULL
                CHECK (reason IN ('duplicate_enrolment', 'employee_insured', 'paid_elsewhere')),
            message TEXT NOT NULL,
            event_uuid TEXT NOT NULL,
            campaign_year INTEGER NOT NULL,
            payment_id TEXT NOT NULL,
            line_id TEXT NOT NULL,
            id_number TEXT NOT NULL,
            name TEXT NOT NULL,
            receipt TEXT,
            other_village TEXT,
            received_at TEXT NOT NULL)""",
        "CREATE INDEX sync_refund_tasks_line ON sync_refund_tasks (line_id)",
        *append_only_triggers("sync_refund_tasks"),
    ]
