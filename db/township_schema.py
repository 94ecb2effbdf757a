"""Schema step 5: the township finance office (乡镇财政所) and what villages learn from it.

Township tables hold two kinds of rows. Copies of village journals (``tw_events``, with the
devices that wrote them) are evidence: the township may read them, never change them, so they
refuse UPDATE and DELETE like every money table. The office's own records (books received and
issued, bank credits, deposit matches, void checks, settlements, targets, certifications) are
append-only too: a correction is a new row, and the latest row wins where that makes sense
(targets).

Two small tables live in village databases: the allocations and settlements the township sent
down, so a hand-registered book can be checked against its allocation.
"""

from __future__ import annotations

from db.ledger_schema import append_only_triggers

TOWNSHIP_TABLES = (
    "tw_devices", "tw_device_keys", "tw_events", "tw_ingest_problems", "tw_stock", "tw_issues",
    "tw_settlements", "tw_void_checks", "tw_bank_credits", "tw_deposit_matches", "tw_targets",
    "tw_certifications", "book_allocations", "book_settlements",
)

_STATEMENTS = [
    # A village device, first seen through its genesis event (database.created).
    """CREATE TABLE tw_devices (
        device_id TEXT PRIMARY KEY,
        village TEXT NOT NULL,
        public_key TEXT NOT NULL,
        first_user TEXT NOT NULL,
        first_seen_at TEXT NOT NULL,
        via TEXT NOT NULL CHECK (via IN ('county', 'bundle')))""",
    # X25519 keys the villages' bundles were sealed with: the township answers to them.
    """CREATE TABLE tw_device_keys (
        device_id TEXT PRIMARY KEY REFERENCES tw_devices (device_id),
        box_key TEXT NOT NULL,
        at TEXT NOT NULL)""",
    """CREATE TABLE tw_events (
        device_id TEXT NOT NULL REFERENCES tw_devices (device_id),
        seq INTEGER NOT NULL,
        uuid TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        payload TEXT NOT NULL,
        actor TEXT NOT NULL,
        at TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        village TEXT NOT NULL,
        receipt_sig TEXT NOT NULL CHECK (receipt_sig IN ('ok', 'bad', 'none')),
        received_at TEXT NOT NULL,
        via TEXT NOT NULL CHECK (via IN ('county', 'bundle')),
        PRIMARY KEY (device_id, seq))""",
    "CREATE INDEX tw_events_type ON tw_events (type, village)",
    """CREATE TABLE tw_ingest_problems (
        id INTEGER PRIMARY KEY,
        device_id TEXT NOT NULL,
        village TEXT NOT NULL,
        seq INTEGER NOT NULL,
        uuid TEXT NOT NULL,
        reason TEXT NOT NULL,
        message TEXT NOT NULL,
        at TEXT NOT NULL,
        UNIQUE (device_id, uuid, reason))""",
    """CREATE TABLE tw_stock (
        id TEXT PRIMARY KEY,
        series TEXT NOT NULL,
        first_no INTEGER NOT NULL CHECK (first_no >= 0),
        last_no INTEGER NOT NULL,
        width INTEGER NOT NULL CHECK (width BETWEEN 1 AND 20),
        received_at TEXT NOT NULL,
        actor TEXT NOT NULL,
        CHECK (last_no >= first_no))""",
    """CREATE TABLE tw_issues (
        id TEXT PRIMARY KEY,
        stock_id TEXT NOT NULL REFERENCES tw_stock (id),
        series TEXT NOT NULL,
        first_no INTEGER NOT NULL,
        last_no INTEGER NOT NULL,
        width INTEGER NOT NULL,
        village TEXT NOT NULL,
        collector TEXT NOT NULL,
        override_reason TEXT,
        issued_at TEXT NOT NULL,
        actor TEXT NOT NULL,
        CHECK (last_no >= first_no))""",
    "CREATE INDEX tw_issues_collector ON tw_issues (village, collector)",
    """CREATE TABLE tw_settlements (
        issue_id TEXT PRIMARY KEY REFERENCES tw_issues (id),
        issued INTEGER NOT NULL,
        voided INTEGER NOT NULL,
        returned INTEGER NOT NULL,
        lost INTEGER NOT NULL,
        amount_fen INTEGER NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        at TEXT NOT NULL,
        actor TEXT NOT NULL)""",
    # The physical parts (三联) of a voided receipt were seen at the office.
    """CREATE TABLE tw_void_checks (
        series TEXT NOT NULL,
        number INTEGER NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        PRIMARY KEY (series, number))""",
    """CREATE TABLE tw_bank_credits (
        id TEXT PRIMARY KEY,
        bank_ref TEXT NOT NULL UNIQUE,
        amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
        credit_date TEXT NOT NULL,
        payer TEXT NOT NULL DEFAULT '',
        memo TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL)""",
    """CREATE TABLE tw_deposit_matches (
        credit_id TEXT PRIMARY KEY REFERENCES tw_bank_credits (id),
        device_id TEXT NOT NULL,
        deposit_id TEXT NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        UNIQUE (device_id, deposit_id))""",
    """CREATE TABLE tw_targets (
        id INTEGER PRIMARY KEY,
        campaign_year INTEGER NOT NULL,
        village TEXT NOT NULL,
        grp TEXT NOT NULL DEFAULT '',
        target INTEGER NOT NULL CHECK (target >= 0),
        source TEXT NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL)""",
    """CREATE TABLE tw_certifications (
        id TEXT PRIMARY KEY,
        id_type TEXT NOT NULL,
        id_number TEXT NOT NULL,
        name TEXT NOT NULL,
        category TEXT NOT NULL,
        department TEXT NOT NULL,
        valid_from TEXT,
        valid_to TEXT,
        village TEXT NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL)""",
    # Village side: what the township allocated (领用) and settled (核销), as received.
    """CREATE TABLE book_allocations (
        allocation_id TEXT PRIMARY KEY,
        series TEXT NOT NULL,
        first_no INTEGER NOT NULL,
        last_no INTEGER NOT NULL,
        width INTEGER,
        collector TEXT NOT NULL,
        received_at TEXT NOT NULL)""",
    """CREATE TABLE book_settlements (
        allocation_id TEXT PRIMARY KEY,
        series TEXT NOT NULL,
        first_no INTEGER NOT NULL,
        last_no INTEGER NOT NULL,
        settled_at TEXT NOT NULL,
        received_at TEXT NOT NULL)""",
]


def township_statements() -> list[str]:
    statements = list(_STATEMENTS)
    for table in TOWNSHIP_TABLES:
        statements += append_only_triggers(table)
    return statements
