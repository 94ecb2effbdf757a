"""Small builders for ledger tests: a village with a policy, a receipt book and households.

Times are fixed inside the 2026 collection window (2026-09-01 … 2026-12-31, Beijing time) so
no test depends on today's date.
"""

from __future__ import annotations

import hashlib
import itertools
import random
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from app.domain.idcard import make_id_number
from app.services.base.workspace import Workspace, add_user, open_workspace
from app.services.village import books, campaigns, roster
from db import journal

DATA = Path(__file__).resolve().parent / "data"
POLICY_TWO_TIER = DATA / "policy-two-tier.json"
POLICY_SINGLE = DATA / "policy-single.json"
SERIES = "皖医保"
AREA = "340422"

# 10:00 Beijing time on 2026-10-15, well inside the collection window.
T0 = datetime(2026, 10, 15, 2, 0, tzinfo=UTC)

# Two-tier policy, in fen: (local, non-local) per tier, and each category's subsidy rule.
PRICES = {"1": (38000, 50000), "2": (64000, 64000)}
SUBSIDY_FIXED = {"低保": 15000, "监测对象": 19000, "残疾": 10000}  # 监测对象: 50 % of 38000
SUBSIDY_FULL = ("特困", "孤儿")

_id_counter = itertools.count(1)


def new_id_number(birth: date | None = None) -> str:
    """A valid resident ID number never handed out before in this process."""
    n = next(_id_counter)
    born = birth or date(1950, 1, 1) + timedelta(days=n // 1000)
    return make_id_number(AREA, born, n % 1000)


@dataclass
class Household:
    no: str
    members: list[str] = field(default_factory=list)  # ID numbers, head first


@dataclass
class Village:
    households: list[Household]
    book: dict | None

    def household(self, no: str) -> Household:
        return next(h for h in self.households if h.no == no)


def add_household(ws: Workspace, no: str, *, members: int = 1,
                  residence: str = "local") -> Household:
    """A household whose head is the first member; all members share ``residence``."""
    roster.add_household(ws, household_no=no, head_name=f"户主{no[-3:]}")
    hh = Household(no)
    for i in range(members):
        number = new_id_number()
        roster.add_person(ws, household_no=no, name=f"成员{no[-3:]}{i}", id_number=number,
                          relation="02" if i == 0 else "99", residence=residence)
        hh.members.append(number)
    return hh


def make_village(ws: Workspace, *, households: int = 5, rng: random.Random | None = None,
                 members: tuple[int, int] = (1, 3), nonlocal_share: float = 0.0,
                 policy: Path | None = POLICY_TWO_TIER,
                 book: tuple[int, int] | None = (1, 100), series: str = SERIES) -> Village:
    """Load the policy, register a book (first, last) and add households with valid IDs."""
    rng = rng or random.Random(0)
    if policy is not None:
        campaigns.load_policy(ws, policy)
    registered = None
    if book is not None:
        registered = books.register_book(ws, series=series, first=book[0], last=book[1])
    out = []
    for i in range(households):
        residence = "nonlocal" if rng.random() < nonlocal_share else "local"
        out.append(add_household(ws, f"340422001{i:04d}", members=rng.randint(*members),
                                 residence=residence))
    return Village(out, registered)


@contextmanager
def township(ws: Workspace, passphrase: str, name: str = "王所长"):
    """A township (财政所) user on the same database, added on first use, opened for a block."""
    if ws.conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone() is None:
        add_user(ws, name=name, role="township", passphrase=passphrase)
    tws = open_workspace(ws.path, user=name, passphrase=passphrase)
    try:
        yield tws
    finally:
        tws.close()


def snapshot(ws: Workspace) -> tuple:
    """The journal head and a digest of every row of every table: equal means nothing was
    written, neither inserted nor updated nor deleted (a refusal must leave all of it)."""
    tables = [name for (name,) in ws.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]
    digests = {}
    for table in tables:
        rows = sorted(repr(tuple(r)) for r in ws.conn.execute(f'SELECT * FROM "{table}"'))
        digests[table] = hashlib.sha256("\n".join(rows).encode("utf-8")).hexdigest()
    return journal.head(ws.conn), digests


def expected_fee(tier: str, *, nonlocal_resident: bool = False,
                 categories: tuple[str, ...] = ()) -> int:
    """What one person pays, worked out from the policy text (not from app.domain.fees)."""
    price = PRICES[tier][1 if nonlocal_resident else 0]
    subsidy = max([price if c in SUBSIDY_FULL else SUBSIDY_FIXED[c] for c in categories],
                  default=0)
    return price - min(subsidy, price)


def cash_on_hand(ws: Workspace) -> int:
    from app.services.village.cash import cash_position

    return cash_position(ws, today=T0.date()).on_hand_fen
