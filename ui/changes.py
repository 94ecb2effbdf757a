"""What an action changed, in the words of what the pages show (Anki's ``OpChanges``).

Each action says what it changes where it is run (``AppContext.act(..., changes=…)``, an
``ActionDialog``'s ``changes``); the signal carries it, and each page and the status bar
declare the kinds they show (``shows``) and reload only for those. A hidden page only notes
what went stale and reloads when it is next shown.

Plain Python, no Qt: the rule — which kinds reach which page — is tested on its own.
"""

from __future__ import annotations

from enum import Flag, auto


class Changes(Flag):
    """Kinds of change, combined with ``|``; ``changes & page.shows`` says whether a page
    must reload."""

    NONE = 0
    ROSTER = auto()
    """Households and members: who they are, status, certified subsidy categories."""
    PAYMENTS = auto()
    """Payments and enrolments: collected, refunded, voided, enrolment ended."""
    RECEIPTS = auto()
    """Receipt books and numbers: registered, used, voided, printed."""
    CASH = auto()
    """Cash on hand, deposits and daily closes."""
    CAMPAIGN = auto()
    """The active campaign: its policy, tiers, prices and collection period."""
    SETTINGS = auto()
    """This computer's settings: printer, paper, backup folder, county server address."""
    SYNC = auto()
    """The link with the county: enrolment, acknowledgements, refund tasks, what arrived."""
    TOWNSHIP_BOOKS = auto()
    """The township's receipt books: received from the county, issued, settled; voids."""
    TOWNSHIP_BANK = auto()
    """The township's bank credits and their matches with the villages' deposits."""

    # ---- groups ---------------------------------------------------------------------------

    TOWNSHIP = TOWNSHIP_BOOKS | TOWNSHIP_BANK
    JOURNALED = ROSTER | PAYMENTS | RECEIPTS | CASH | TOWNSHIP_BOOKS | TOWNSHIP_BANK
    """Written to the journal, so waiting to be sent to the county: whatever shows the sync
    queue ("12 to sync") or counts journal events shows these."""
    SYNCED = SYNC | SETTINGS | CAMPAIGN | ROSTER | RECEIPTS | PAYMENTS
    """What a sync or a reply bundle may change: acknowledgements and refund tasks, the
    server address (enrolment), policies, households and members with their categories,
    receipt books, payments made elsewhere."""
    EVERYTHING = (ROSTER | PAYMENTS | RECEIPTS | CASH | CAMPAIGN | SETTINGS | SYNC
                  | TOWNSHIP_BOOKS | TOWNSHIP_BANK)
    """A page never loaded yet, or a refresh asked for by hand."""
