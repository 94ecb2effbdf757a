"""Schema step 6: what the township's reconciliation reads, kept beside the village journals.

``reconcile_villages`` replays every payment a township's villages made: at 60,000 receipts
their payloads are about 100 MB of JSON, and decrypting those pages and parsing the JSON took
longer than the whole one-second target (PERFORMANCE.md). The fields the replay needs are kept
where it can read them without touching a payload: scalar fields in partial covering indexes
on expressions (SQLite answers the query from the index alone when it selects exactly these
expressions), and the payment lines, an array no index can hold, in a table a trigger fills
as each event is stored. Both are derived from ``tw_events`` alone, so they stay right however
an event arrives (county feed or bundle) and are filled for events already held.
"""

from __future__ import annotations

from app.domain.ledger_views import (
    LINE_COLUMNS,
    LINE_PATHS,
    PAYMENT_COLUMNS,
    PAYMENT_FIELD_PATHS,
    PAYMENT_LINES_PATH,
    PAYMENT_PATHS,
    PRINT_COLUMNS,
    PRINT_PATHS,
)
from db.ledger_schema import append_only_triggers

PAYMENTS_INDEX = "tw_events_payments"
PRINTS_INDEX = "tw_events_prints"

# The payload fields kept, by their field paths in the catalogue's typed payloads; where they
# sit in the stored JSON comes from the catalogue (app.domain.ledger_views), so this step
# spells no payload of its own. The order matters: a reader unpacks the columns so.
RECEIPT_FIELDS = ("receipt.series", "receipt.number")
PAYMENT_FIELDS = PAYMENT_COLUMNS
PRINT_FIELDS = PRINT_COLUMNS
LINE_FIELDS = LINE_COLUMNS
_PATHS = {**PRINT_PATHS, **PAYMENT_PATHS}


def extracts(fields: tuple[str, ...], table: str = "") -> str:
    """The select list an index was built on: a query must spell it the same to be covered."""
    payload = f"{table}.payload" if table else "payload"
    return ", ".join(f"json_extract({payload}, '{_PATHS[f]}')" for f in fields)


# In each payment's order, as the ledger attaches them; the index by year and person lets the
# township find people enrolled twice with one grouped scan of that index. A line without a
# certificate type or number gets the defaults the ledger gives it.
_LINES_TABLE = """CREATE TABLE tw_payment_lines (
    device_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    campaign_year INTEGER NOT NULL,
    id_type TEXT NOT NULL,
    id_number TEXT NOT NULL,
    line_id TEXT,
    payable_fen INTEGER,
    subsidy_fen INTEGER,
    PRIMARY KEY (device_id, seq, idx)) WITHOUT ROWID"""
_LINES_INSERT = ("INSERT INTO tw_payment_lines (campaign_year, id_type, id_number, device_id, "
                 "seq, idx, line_id, payable_fen, subsidy_fen) ")


def _lines_of(event: str) -> str:
    def line(name: str) -> str:
        return f"json_extract(line.value, '{LINE_PATHS[name]}')"
    year = PAYMENT_FIELD_PATHS["campaign_year"]
    return (f"SELECT CAST(json_extract({event}.payload, '{year}') AS INTEGER), "
            f"coalesce({line('id_type')}, '01'), coalesce({line('id_number')}, ''), "
            f"{event}.device_id, {event}.seq, line.key, {line('line_id')}, "
            f"{line('payable_fen')}, {line('subsidy_fen')} ")


def township_perf_statements() -> list[str]:
    return [
        f"CREATE INDEX {PAYMENTS_INDEX} ON tw_events (device_id, seq, village, actor, "
        f"receipt_sig, {extracts(PAYMENT_FIELDS)}) WHERE type = 'payment.collected'",
        # By receipt number: whether a payment's receipt was printed is one probe.
        f"CREATE INDEX {PRINTS_INDEX} ON tw_events ({extracts(PRINT_FIELDS)}, device_id, seq) "
        "WHERE type = 'receipt.printed'",
        _LINES_TABLE,
        "CREATE INDEX tw_payment_lines_person ON tw_payment_lines "
        "(campaign_year, id_type, id_number)",
        *append_only_triggers("tw_payment_lines"),
        "CREATE TRIGGER tw_payment_lines_fill AFTER INSERT ON tw_events "
        f"WHEN new.type = 'payment.collected' BEGIN {_LINES_INSERT}{_lines_of('new')}"
        f"FROM json_each(new.payload, '{PAYMENT_LINES_PATH}') AS line; END",
        f"{_LINES_INSERT}{_lines_of('e')}FROM tw_events AS e, "
        f"json_each(e.payload, '{PAYMENT_LINES_PATH}') AS line WHERE e.type = 'payment.collected'",
    ]
