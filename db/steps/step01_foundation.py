"""Schema step 1: foundation: meta, users, device key, settings, journal.

Frozen: this is what step 1 did to every database that ran it. It never changes;
a change to the schema is a new step (docs/RELIABILITY.md, "Upgrade steps").
"""

DESCRIPTION = 'foundation: meta, users, device key, settings, journal'

STATEMENTS: tuple[str, ...] = (
    'CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
    "CREATE TABLE users (\n            name TEXT PRIMARY KEY,\n            role TEXT NOT NULL CHECK (role IN ('collector', 'township')),\n            created_at TEXT NOT NULL)",
    'CREATE TABLE device (\n            id TEXT PRIMARY KEY,\n            signing_key BLOB NOT NULL,\n            public_key BLOB NOT NULL,\n            created_at TEXT NOT NULL)',
    'CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
    'CREATE TABLE journal (\n            seq INTEGER PRIMARY KEY,\n            uuid TEXT NOT NULL UNIQUE,\n            device_id TEXT NOT NULL,\n            type TEXT NOT NULL,\n            payload TEXT NOT NULL,\n            actor TEXT NOT NULL,\n            at TEXT NOT NULL,\n            prev_hash TEXT NOT NULL,\n            hash TEXT NOT NULL UNIQUE)',
    "CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END",
    "CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END",
)
