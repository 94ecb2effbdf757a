"""Schema step 9: county lists: online payments, the employee-insured, duplicate feedback and subsidy lists, by file or sync, each entry with its source.

Frozen: this is what step 9 did to every database that ran it. It never changes;
a change to the schema is a new step (docs/RELIABILITY.md, "Upgrade steps").
"""

DESCRIPTION = "county lists: online payments, the employee-insured, duplicate feedback and subsidy lists, by file or sync, each entry with its source"

STATEMENTS: tuple[str, ...] = (
    "CREATE TABLE county_lists (\n        id TEXT PRIMARY KEY,\n        kind TEXT NOT NULL\n            CHECK (kind IN ('online', 'employee', 'duplicates', 'categories')),\n        via TEXT NOT NULL CHECK (via IN ('file', 'sync')),\n        source TEXT NOT NULL,\n        digest TEXT NOT NULL,\n        received_on TEXT NOT NULL,\n        at TEXT NOT NULL,\n        actor TEXT NOT NULL)",
    "CREATE TABLE county_list_entries (\n        key TEXT PRIMARY KEY,\n        list_id TEXT NOT NULL REFERENCES county_lists (id),\n        kind TEXT NOT NULL\n            CHECK (kind IN ('online', 'employee', 'duplicates', 'categories')),\n        id_number TEXT NOT NULL,\n        name TEXT NOT NULL DEFAULT '',\n        benefit_year INTEGER,\n        channel TEXT,\n        amount_fen INTEGER CHECK (amount_fen IS NULL OR amount_fen >= 0),\n        paid_at TEXT,\n        place TEXT,\n        note TEXT,\n        category TEXT,\n        fund TEXT,\n        valid_from TEXT,\n        valid_to TEXT,\n        village TEXT,\n        row_no INTEGER,\n        at TEXT NOT NULL)",
    'CREATE INDEX county_list_entries_person ON county_list_entries (id_number, kind)',
    'CREATE INDEX county_list_entries_list ON county_list_entries (list_id)',
    'CREATE INDEX county_list_entries_kind ON county_list_entries (kind, benefit_year)',
    "CREATE TRIGGER county_lists_no_update BEFORE UPDATE ON county_lists BEGIN SELECT RAISE(ABORT, 'county_lists is append-only'); END",
    "CREATE TRIGGER county_lists_no_delete BEFORE DELETE ON county_lists BEGIN SELECT RAISE(ABORT, 'county_lists is append-only'); END",
    "CREATE TRIGGER county_list_entries_no_update BEFORE UPDATE ON county_list_entries BEGIN SELECT RAISE(ABORT, 'county_list_entries is append-only'); END",
    "CREATE TRIGGER county_list_entries_no_delete BEFORE DELETE ON county_list_entries BEGIN SELECT RAISE(ABORT, 'county_list_entries is append-only'); END",
)
