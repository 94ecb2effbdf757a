"""Schema step 5: township: village journals, book issuance, bank credits, settlement.

Frozen: this is what step 5 did to every database that ran it. It never changes;
a change to the schema is a new step (docs/RELIABILITY.md, "Upgrade steps").
"""

DESCRIPTION = 'township: village journals, book issuance, bank credits, settlement'

STATEMENTS: tuple[str, ...] = (
    "CREATE TABLE tw_devices (\n        device_id TEXT PRIMARY KEY,\n        village TEXT NOT NULL,\n        public_key TEXT NOT NULL,\n        first_user TEXT NOT NULL,\n        first_seen_at TEXT NOT NULL,\n        via TEXT NOT NULL CHECK (via IN ('county', 'bundle')))",
    'CREATE TABLE tw_device_keys (\n        device_id TEXT PRIMARY KEY REFERENCES tw_devices (device_id),\n        box_key TEXT NOT NULL,\n        at TEXT NOT NULL)',
    "CREATE TABLE tw_events (\n        device_id TEXT NOT NULL REFERENCES tw_devices (device_id),\n        seq INTEGER NOT NULL,\n        uuid TEXT NOT NULL UNIQUE,\n        type TEXT NOT NULL,\n        payload TEXT NOT NULL,\n        actor TEXT NOT NULL,\n        at TEXT NOT NULL,\n        prev_hash TEXT NOT NULL,\n        hash TEXT NOT NULL,\n        village TEXT NOT NULL,\n        receipt_sig TEXT NOT NULL CHECK (receipt_sig IN ('ok', 'bad', 'none')),\n        received_at TEXT NOT NULL,\n        via TEXT NOT NULL CHECK (via IN ('county', 'bundle')),\n        PRIMARY KEY (device_id, seq))",
    'CREATE INDEX tw_events_type ON tw_events (type, village)',
    'CREATE TABLE tw_ingest_problems (\n        id INTEGER PRIMARY KEY,\n        device_id TEXT NOT NULL,\n        village TEXT NOT NULL,\n        seq INTEGER NOT NULL,\n        uuid TEXT NOT NULL,\n        reason TEXT NOT NULL,\n        message TEXT NOT NULL,\n        at TEXT NOT NULL,\n        UNIQUE (device_id, uuid, reason))',
    'CREATE TABLE tw_stock (\n        id TEXT PRIMARY KEY,\n        series TEXT NOT NULL,\n        first_no INTEGER NOT NULL CHECK (first_no >= 0),\n        last_no INTEGER NOT NULL,\n        width INTEGER NOT NULL CHECK (width BETWEEN 1 AND 20),\n        received_at TEXT NOT NULL,\n        actor TEXT NOT NULL,\n        CHECK (last_no >= first_no))',
    'CREATE TABLE tw_issues (\n        id TEXT PRIMARY KEY,\n        stock_id TEXT NOT NULL REFERENCES tw_stock (id),\n        series TEXT NOT NULL,\n        first_no INTEGER NOT NULL,\n        last_no INTEGER NOT NULL,\n        width INTEGER NOT NULL,\n        village TEXT NOT NULL,\n        collector TEXT NOT NULL,\n        override_reason TEXT,\n        issued_at TEXT NOT NULL,\n        actor TEXT NOT NULL,\n        CHECK (last_no >= first_no))',
    'CREATE INDEX tw_issues_collector ON tw_issues (village, collector)',
    "CREATE TABLE tw_settlements (\n        issue_id TEXT PRIMARY KEY REFERENCES tw_issues (id),\n        issued INTEGER NOT NULL,\n        voided INTEGER NOT NULL,\n        returned INTEGER NOT NULL,\n        lost INTEGER NOT NULL,\n        amount_fen INTEGER NOT NULL,\n        note TEXT NOT NULL DEFAULT '',\n        at TEXT NOT NULL,\n        actor TEXT NOT NULL)",
    "CREATE TABLE tw_void_checks (\n        series TEXT NOT NULL,\n        number INTEGER NOT NULL,\n        note TEXT NOT NULL DEFAULT '',\n        at TEXT NOT NULL,\n        actor TEXT NOT NULL,\n        PRIMARY KEY (series, number))",
    "CREATE TABLE tw_bank_credits (\n        id TEXT PRIMARY KEY,\n        bank_ref TEXT NOT NULL UNIQUE,\n        amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),\n        credit_date TEXT NOT NULL,\n        payer TEXT NOT NULL DEFAULT '',\n        memo TEXT NOT NULL DEFAULT '',\n        source TEXT NOT NULL,\n        at TEXT NOT NULL,\n        actor TEXT NOT NULL)",
    'CREATE TABLE tw_deposit_matches (\n        credit_id TEXT PRIMARY KEY REFERENCES tw_bank_credits (id),\n        device_id TEXT NOT NULL,\n        deposit_id TEXT NOT NULL,\n        at TEXT NOT NULL,\n        actor TEXT NOT NULL,\n        UNIQUE (device_id, deposit_id))',
    "CREATE TABLE tw_targets (\n        id INTEGER PRIMARY KEY,\n        campaign_year INTEGER NOT NULL,\n        village TEXT NOT NULL,\n        grp TEXT NOT NULL DEFAULT '',\n        target INTEGER NOT NULL CHECK (target >= 0),\n        source TEXT NOT NULL,\n        at TEXT NOT NULL,\n        actor TEXT NOT NULL)",
    'CREATE TABLE tw_certifications (\n        id TEXT PRIMARY KEY,\n        id_type TEXT NOT NULL,\n        id_number TEXT NOT NULL,\n        name TEXT NOT NULL,\n        category TEXT NOT NULL,\n        department TEXT NOT NULL,\n        valid_from TEXT,\n        valid_to TEXT,\n        village TEXT NOT NULL,\n        at TEXT NOT NULL,\n        actor TEXT NOT NULL)',
    'CREATE TABLE book_allocations (\n        allocation_id TEXT PRIMARY KEY,\n        series TEXT NOT NULL,\n        first_no INTEGER NOT NULL,\n        last_no INTEGER NOT NULL,\n        width INTEGER,\n        collector TEXT NOT NULL,\n        received_at TEXT NOT NULL)',
    'CREATE TABLE book_settlements (\n        allocation_id TEXT PRIMARY KEY,\n        series TEXT NOT NULL,\n        first_no INTEGER NOT NULL,\n        last_no INTEGER NOT NULL,\n        settled_at TEXT NOT NULL,\n        received_at TEXT NOT NULL)',
    "CREATE TRIGGER tw_devices_no_update BEFORE UPDATE ON tw_devices BEGIN SELECT RAISE(ABORT, 'tw_devices is append-only'); END",
    "CREATE TRIGGER tw_devices_no_delete BEFORE DELETE ON tw_devices BEGIN SELECT RAISE(ABORT, 'tw_devices is append-only'); END",
    "CREATE TRIGGER tw_device_keys_no_update BEFORE UPDATE ON tw_device_keys BEGIN SELECT RAISE(ABORT, 'tw_device_keys is append-only'); END",
    "CREATE TRIGGER tw_device_keys_no_delete BEFORE DELETE ON tw_device_keys BEGIN SELECT RAISE(ABORT, 'tw_device_keys is append-only'); END",
    "CREATE TRIGGER tw_events_no_update BEFORE UPDATE ON tw_events BEGIN SELECT RAISE(ABORT, 'tw_events is append-only'); END",
    "CREATE TRIGGER tw_events_no_delete BEFORE DELETE ON tw_events BEGIN SELECT RAISE(ABORT, 'tw_events is append-only'); END",
    "CREATE TRIGGER tw_ingest_problems_no_update BEFORE UPDATE ON tw_ingest_problems BEGIN SELECT RAISE(ABORT, 'tw_ingest_problems is append-only'); END",
    "CREATE TRIGGER tw_ingest_problems_no_delete BEFORE DELETE ON tw_ingest_problems BEGIN SELECT RAISE(ABORT, 'tw_ingest_problems is append-only'); END",
    "CREATE TRIGGER tw_stock_no_update BEFORE UPDATE ON tw_stock BEGIN SELECT RAISE(ABORT, 'tw_stock is append-only'); END",
    "CREATE TRIGGER tw_stock_no_delete BEFORE DELETE ON tw_stock BEGIN SELECT RAISE(ABORT, 'tw_stock is append-only'); END",
    "CREATE TRIGGER tw_issues_no_update BEFORE UPDATE ON tw_issues BEGIN SELECT RAISE(ABORT, 'tw_issues is append-only'); END",
    "CREATE TRIGGER tw_issues_no_delete BEFORE DELETE ON tw_issues BEGIN SELECT RAISE(ABORT, 'tw_issues is append-only'); END",
    "CREATE TRIGGER tw_settlements_no_update BEFORE UPDATE ON tw_settlements BEGIN SELECT RAISE(ABORT, 'tw_settlements is append-only'); END",
    "CREATE TRIGGER tw_settlements_no_delete BEFORE DELETE ON tw_settlements BEGIN SELECT RAISE(ABORT, 'tw_settlements is append-only'); END",
    "CREATE TRIGGER tw_void_checks_no_update BEFORE UPDATE ON tw_void_checks BEGIN SELECT RAISE(ABORT, 'tw_void_checks is append-only'); END",
    "CREATE TRIGGER tw_void_checks_no_delete BEFORE DELETE ON tw_void_checks BEGIN SELECT RAISE(ABORT, 'tw_void_checks is append-only'); END",
    "CREATE TRIGGER tw_bank_credits_no_update BEFORE UPDATE ON tw_bank_credits BEGIN SELECT RAISE(ABORT, 'tw_bank_credits is append-only'); END",
    "CREATE TRIGGER tw_bank_credits_no_delete BEFORE DELETE ON tw_bank_credits BEGIN SELECT RAISE(ABORT, 'tw_bank_credits is append-only'); END",
    "CREATE TRIGGER tw_deposit_matches_no_update BEFORE UPDATE ON tw_deposit_matches BEGIN SELECT RAISE(ABORT, 'tw_deposit_matches is append-only'); END",
    "CREATE TRIGGER tw_deposit_matches_no_delete BEFORE DELETE ON tw_deposit_matches BEGIN SELECT RAISE(ABORT, 'tw_deposit_matches is append-only'); END",
    "CREATE TRIGGER tw_targets_no_update BEFORE UPDATE ON tw_targets BEGIN SELECT RAISE(ABORT, 'tw_targets is append-only'); END",
    "CREATE TRIGGER tw_targets_no_delete BEFORE DELETE ON tw_targets BEGIN SELECT RAISE(ABORT, 'tw_targets is append-only'); END",
    "CREATE TRIGGER tw_certifications_no_update BEFORE UPDATE ON tw_certifications BEGIN SELECT RAISE(ABORT, 'tw_certifications is append-only'); END",
    "CREATE TRIGGER tw_certifications_no_delete BEFORE DELETE ON tw_certifications BEGIN SELECT RAISE(ABORT, 'tw_certifications is append-only'); END",
    "CREATE TRIGGER book_allocations_no_update BEFORE UPDATE ON book_allocations BEGIN SELECT RAISE(ABORT, 'book_allocations is append-only'); END",
    "CREATE TRIGGER book_allocations_no_delete BEFORE DELETE ON book_allocations BEGIN SELECT RAISE(ABORT, 'book_allocations is append-only'); END",
    "CREATE TRIGGER book_settlements_no_update BEFORE UPDATE ON book_settlements BEGIN SELECT RAISE(ABORT, 'book_settlements is append-only'); END",
    "CREATE TRIGGER book_settlements_no_delete BEFORE DELETE ON book_settlements BEGIN SELECT RAISE(ABORT, 'book_settlements is append-only'); END",
)
