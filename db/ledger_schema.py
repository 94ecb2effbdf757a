"""Schema step 2: the collection ledger (policy, roster, books, payments, cash).

Money and receipt tables are append-only (triggers refuse UPDATE/DELETE): a void, a
cancellation, a refund or an end of enrolment is a new row that points at the old one, and
the current state is derived. Roster tables are ordinary projections, journaled on change.
"""

from __future__ import annotations

APPEND_ONLY_TABLES = (
    "campaigns", "receipt_books", "payments", "payment_lines", "payment_cancellations",
    "receipt_numbers", "receipt_voids", "receipt_prints", "enrolments", "enrolment_ends",
    "refunds", "deposits", "daily_closes", "external_payments",
)

LEDGER_STATEMENTS = [
    """CREATE TABLE campaigns (
        id TEXT PRIMARY KEY,
        campaign_year INTEGER NOT NULL,
        benefit_year INTEGER NOT NULL,
        policy_json TEXT NOT NULL,
        policy_hash TEXT NOT NULL UNIQUE,
        loaded_at TEXT NOT NULL)""",
    """CREATE TABLE households (
        id TEXT PRIMARY KEY,
        household_no TEXT NOT NULL UNIQUE,
        village TEXT NOT NULL DEFAULT '',
        grp TEXT NOT NULL DEFAULT '',
        address TEXT NOT NULL DEFAULT '',
        phone TEXT NOT NULL DEFAULT '',
        head_name TEXT NOT NULL,
        head_initials TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL)""",
    "CREATE INDEX households_head_name ON households (head_name)",
    "CREATE INDEX households_head_initials ON households (head_initials)",
    "CREATE INDEX households_grp ON households (grp)",
    """CREATE TABLE persons (
        id TEXT PRIMARY KEY,
        household_id TEXT NOT NULL REFERENCES households (id),
        name TEXT NOT NULL,
        initials TEXT NOT NULL DEFAULT '',
        id_type TEXT NOT NULL DEFAULT '01',
        id_number TEXT NOT NULL,
        id_rev TEXT NOT NULL,
        sex INTEGER,
        birth_date TEXT,
        ethnicity TEXT NOT NULL DEFAULT '',
        relation TEXT NOT NULL DEFAULT '99',
        residence TEXT NOT NULL DEFAULT 'local' CHECK (residence IN ('local', 'nonlocal')),
        status TEXT NOT NULL DEFAULT 'active'
            CHECK (status IN ('active', 'deceased', 'moved_out', 'employee_insured', 'other')),
        phone TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL)""",
    "CREATE INDEX persons_household ON persons (household_id)",
    "CREATE INDEX persons_name ON persons (name)",
    "CREATE INDEX persons_initials ON persons (initials)",
    "CREATE INDEX persons_id_number ON persons (id_number)",
    "CREATE INDEX persons_id_rev ON persons (id_rev)",
    # The same certificate number may not be active twice (重复参保 starts here).
    """CREATE UNIQUE INDEX persons_active_certificate ON persons (id_type, id_number)
        WHERE status = 'active'""",
    """CREATE TABLE person_categories (
        id TEXT PRIMARY KEY,
        person_id TEXT NOT NULL REFERENCES persons (id),
        category TEXT NOT NULL,
        source TEXT NOT NULL DEFAULT '',
        valid_from TEXT,
        valid_to TEXT,
        certified_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT)""",
    "CREATE INDEX person_categories_person ON person_categories (person_id)",
    """CREATE TABLE receipt_books (
        id TEXT PRIMARY KEY,
        series TEXT NOT NULL,
        first_no INTEGER NOT NULL CHECK (first_no >= 0),
        last_no INTEGER NOT NULL,
        width INTEGER NOT NULL CHECK (width BETWEEN 1 AND 20),
        collector TEXT NOT NULL,
        registered_at TEXT NOT NULL,
        UNIQUE (series, first_no),
        CHECK (last_no >= first_no))""",
    """CREATE TABLE payments (
        id TEXT PRIMARY KEY,
        campaign_id TEXT NOT NULL REFERENCES campaigns (id),
        household_id TEXT NOT NULL REFERENCES households (id),
        tier_code TEXT NOT NULL,
        method TEXT NOT NULL CHECK (method IN ('cash', 'wechat', 'bank', 'other')),
        method_ref TEXT,
        amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),
        book_id TEXT REFERENCES receipt_books (id),
        series TEXT,
        number INTEGER,
        collector TEXT NOT NULL,
        collected_at TEXT NOT NULL,
        business_date TEXT NOT NULL,
        override_reason TEXT,
        UNIQUE (series, number),
        CHECK ((series IS NULL) = (number IS NULL)),
        CHECK (amount_fen = 0 OR series IS NOT NULL))""",
    "CREATE INDEX payments_household ON payments (household_id)",
    "CREATE INDEX payments_business_date ON payments (business_date)",
    """CREATE TABLE payment_lines (
        id TEXT PRIMARY KEY,
        payment_id TEXT NOT NULL REFERENCES payments (id),
        person_id TEXT NOT NULL REFERENCES persons (id),
        name TEXT NOT NULL,
        id_type TEXT NOT NULL,
        id_number TEXT NOT NULL,
        nonlocal INTEGER NOT NULL,
        tier_code TEXT NOT NULL,
        price_fen INTEGER NOT NULL CHECK (price_fen >= 0),
        subsidy_fen INTEGER NOT NULL CHECK (subsidy_fen >= 0),
        category TEXT,
        payable_fen INTEGER NOT NULL CHECK (payable_fen >= 0),
        CHECK (price_fen - subsidy_fen = payable_fen))""",
    "CREATE INDEX payment_lines_payment ON payment_lines (payment_id)",
    "CREATE INDEX payment_lines_person ON payment_lines (person_id)",
    """CREATE TABLE payment_cancellations (
        payment_id TEXT PRIMARY KEY REFERENCES payments (id),
        reason TEXT NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL)""",
    # One row for every number that has left the 'unused' state; voids are added on top.
    """CREATE TABLE receipt_numbers (
        book_id TEXT NOT NULL REFERENCES receipt_books (id),
        series TEXT NOT NULL,
        number INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('issued', 'skipped', 'lost')),
        payment_id TEXT REFERENCES payments (id),
        reason TEXT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        PRIMARY KEY (series, number),
        CHECK ((state = 'issued') = (payment_id IS NOT NULL)),
        CHECK (state = 'issued' OR length(reason) > 0))""",
    "CREATE INDEX receipt_numbers_book ON receipt_numbers (book_id, number)",
    """CREATE TABLE receipt_voids (
        series TEXT NOT NULL,
        number INTEGER NOT NULL,
        reason TEXT NOT NULL CHECK (length(reason) > 0),
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        PRIMARY KEY (series, number),
        FOREIGN KEY (series, number) REFERENCES receipt_numbers (series, number))""",
    """CREATE TABLE receipt_prints (
        id TEXT PRIMARY KEY,
        series TEXT NOT NULL,
        number INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('print', 'reprint')),
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        FOREIGN KEY (series, number) REFERENCES receipt_numbers (series, number))""",
    "CREATE INDEX receipt_prints_number ON receipt_prints (series, number)",
    """CREATE TABLE enrolments (
        id TEXT PRIMARY KEY,
        campaign_id TEXT NOT NULL REFERENCES campaigns (id),
        person_id TEXT NOT NULL REFERENCES persons (id),
        payment_line_id TEXT REFERENCES payment_lines (id),
        at TEXT NOT NULL)""",
    "CREATE INDEX enrolments_person ON enrolments (person_id, campaign_id)",
    """CREATE TABLE enrolment_ends (
        enrolment_id TEXT PRIMARY KEY REFERENCES enrolments (id),
        reason TEXT NOT NULL,
        at TEXT NOT NULL)""",
    """CREATE TABLE refunds (
        id TEXT PRIMARY KEY,
        payment_line_id TEXT NOT NULL UNIQUE REFERENCES payment_lines (id),
        payment_id TEXT NOT NULL REFERENCES payments (id),
        person_id TEXT NOT NULL REFERENCES persons (id),
        amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),
        method TEXT NOT NULL,
        reason TEXT NOT NULL CHECK (reason IN ('duplicate', 'employee', 'death', 'elsewhere')),
        at TEXT NOT NULL,
        business_date TEXT NOT NULL,
        actor TEXT NOT NULL)""",
    """CREATE TABLE deposits (
        id TEXT PRIMARY KEY,
        slip_no TEXT NOT NULL UNIQUE,
        amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
        deposit_date TEXT NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL)""",
    """CREATE TABLE daily_closes (
        id TEXT PRIMARY KEY,
        business_date TEXT NOT NULL,
        expected_fen INTEGER NOT NULL,
        counted_fen INTEGER NOT NULL,
        difference_fen INTEGER NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        CHECK (difference_fen = counted_fen - expected_fen))""",
    # Payments made through other channels (WeChat, tax app), learned from the county.
    """CREATE TABLE external_payments (
        id TEXT PRIMARY KEY,
        campaign_year INTEGER NOT NULL,
        id_number TEXT NOT NULL,
        channel TEXT NOT NULL,
        paid_at TEXT NOT NULL,
        amount_fen INTEGER NOT NULL,
        received_at TEXT NOT NULL)""",
    "CREATE INDEX external_payments_person ON external_payments (id_number, campaign_year)",
]


def append_only_triggers(table: str) -> list[str]:
    """Triggers that make a money/receipt/journal table refuse UPDATE and DELETE."""
    return [
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
    ]


def ledger_statements() -> list[str]:
    statements = list(LEDGER_STATEMENTS)
    for table in APPEND_ONLY_TABLES:
        statements += append_only_triggers(table)
    return statements
