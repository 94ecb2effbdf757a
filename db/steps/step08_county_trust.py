"""Schema step 8: county trust: the county's countersignatures of this device's journal head, and the events it refused.

Frozen: this is what step 8 did to every database that ran it. It never changes;
a change to the schema is a new step (docs/RELIABILITY.md, "Upgrade steps").
"""

DESCRIPTION = "county trust: the county's countersignatures of this device's journal head, and the events it refused"

STATEMENTS: tuple[str, ...] = (
    "CREATE TABLE county_countersignatures (\n        seq INTEGER NOT NULL CHECK (seq >= 0),\n        hash TEXT NOT NULL,\n        at TEXT NOT NULL,\n        signature TEXT NOT NULL,\n        received_at TEXT NOT NULL,\n        via TEXT NOT NULL CHECK (via IN ('county', 'bundle')),\n        PRIMARY KEY (seq, signature))",
    "CREATE TRIGGER county_countersignatures_no_update BEFORE UPDATE ON county_countersignatures BEGIN SELECT RAISE(ABORT, 'county_countersignatures is append-only'); END",
    "CREATE TRIGGER county_countersignatures_no_delete BEFORE DELETE ON county_countersignatures BEGIN SELECT RAISE(ABORT, 'county_countersignatures is append-only'); END",
    "CREATE TABLE county_refusals (\n        seq INTEGER PRIMARY KEY,\n        uuid TEXT NOT NULL,\n        type TEXT NOT NULL,\n        reason TEXT NOT NULL,\n        message TEXT NOT NULL,\n        received_at TEXT NOT NULL)",
    "CREATE TRIGGER county_refusals_no_update BEFORE UPDATE ON county_refusals BEGIN SELECT RAISE(ABORT, 'county_refusals is append-only'); END",
    "CREATE TRIGGER county_refusals_no_delete BEFORE DELETE ON county_refusals BEGIN SELECT RAISE(ABORT, 'county_refusals is append-only'); END",
)
