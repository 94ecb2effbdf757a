"""What the township's replay reads from the indexes schema step 6 built beside the journals.

``reconcile_villages`` replays every payment a township's villages made: at 60,000 receipts
their payloads are about 100 MB of JSON. Step 6 (db/steps/step06_township_performance.py,
frozen) keeps the fields a replay needs in partial covering indexes on ``json_extract``
expressions, which SQLite answers from the index alone when a query selects exactly those
expressions; the paths come from the catalogue (app.domain.ledger_views). A query here must
spell them as the step did: tests/test_upgrade.py checks that it still does.
"""

from __future__ import annotations

from app.domain.ledger_views import PAYMENT_COLUMNS, PAYMENT_PATHS, PRINT_COLUMNS, PRINT_PATHS

PAYMENTS_INDEX = "tw_events_payments"
PRINTS_INDEX = "tw_events_prints"

# In the order the indexes hold them; a reader unpacks the columns so.
PAYMENT_FIELDS = PAYMENT_COLUMNS
PRINT_FIELDS = PRINT_COLUMNS
_PATHS = {**PRINT_PATHS, **PAYMENT_PATHS}


def extracts(fields: tuple[str, ...], table: str = "") -> str:
    """The select list an index was built on: a query must spell it the same to be covered."""
    payload = f"{table}.payload" if table else "payload"
    return ", ".join(f"json_extract({payload}, '{_PATHS[f]}')" for f in fields)
