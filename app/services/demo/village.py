"""`yibao demo`: a database a newcomer can open and try at once.

A synthetic village of about 300 households (plausible names, valid ID numbers, a few percent
in subsidy categories, some non-local residents, a newborn with a birth certificate), a policy
whose collection window is open today, a receipt book, and a few days of collections.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from app.domain.synthetic import SyntheticHousehold, VillageGenerator
from app.services.base.common import BUSINESS_TZ, business_date, utc_now
from app.services.base.roles import requires_role
from app.services.base.settings import set_setting
from app.services.base.workspace import Workspace, init_database, open_workspace
from app.services.village import roster
from app.services.village.books import mark_printed, register_book
from app.services.village.campaigns import load_policy
from app.services.village.cash import record_deposit
from app.services.village.collect import collect_household
from db.connection import tx

DEMO_VILLAGE = "3404220010"

# A subsidy for every category ``app.domain.synthetic`` hands out, as a county's policy states
# them; the demo's policy and the benchmark's (bench/dataset.py) both use it.
SUBSIDIES: tuple[dict[str, Any], ...] = (
    {"category": "特困", "name": "特困供养人员", "kind": "full"},
    {"category": "孤儿", "name": "孤儿", "kind": "full"},
    {"category": "低保", "name": "最低生活保障对象", "kind": "fixed", "amount_fen": 15000},
    {"category": "监测对象", "name": "防止返贫监测对象", "kind": "tier_percent",
     "of_tier": "1", "percent": 50},
    {"category": "残疾", "name": "重度残疾人", "kind": "fixed", "amount_fen": 10000},
)


def demo_policy(today: datetime) -> dict[str, Any]:
    """A two-tier policy whose collection window is open on ``today``."""
    day = business_date(today)
    start = day - timedelta(days=60)
    end = day + timedelta(days=60)
    return {
        "schema": "yibao.policy/1", "region": "示例县", "issuer": "示例县医疗保障局",
        "insurance_type": "390",
        "campaign_year": start.year, "benefit_year": start.year + 1,
        "collection": {"start": start.isoformat(), "end": end.isoformat()},
        "tiers": [
            {"code": "1", "name": "一档", "local_fen": 38000, "nonlocal_fen": 50000},
            {"code": "2", "name": "二档", "local_fen": 64000, "nonlocal_fen": 64000},
        ],
        "subsidies": [dict(s) for s in SUBSIDIES],
        "rules": {"household_same_tier": True, "highest_single_subsidy": True,
                  "newborn_months": 3, "refund_before": (end + timedelta(days=1)).isoformat()},
    }


def running_year_policy(policy: dict[str, Any]) -> dict[str, Any]:
    """The policy of the benefit year now running (the campaign before ``policy``'s)."""
    year = int(policy["campaign_year"])
    return {**policy, "campaign_year": year - 1, "benefit_year": year,
            "collection": {"start": f"{year - 1}-09-01", "end": f"{year - 1}-12-31"},
            "rules": {**policy["rules"], "refund_before": f"{year}-01-01"}}



@requires_role("collector", "生成演示花名册")
def add_demo_roster(ws: Workspace, village: list[SyntheticHousehold]) -> int:
    """The generated households and members, in one transaction; returns the persons added.
    Demo data stands in for the township's certified lists of categories."""
    persons = 0
    with tx(ws.conn):
        for hh in village:
            roster.add_household(ws, household_no=hh.household_no, head_name=hh.head.name,
                                 group=hh.group, phone=hh.phone)
            for p in hh.members:
                added = roster.add_person(
                    ws, household_no=hh.household_no, name=p.name, id_number=p.id_number,
                    id_type=p.id_type, relation=p.relation, residence=p.residence,
                    sex=p.sex, birth_date=p.birth_date, ethnicity=p.ethnicity, note=p.note)
                persons += 1
                for category in p.categories:
                    roster.record_certified_category(ws, added["person_id"], category,
                                                     source="演示数据", certified_by="演示数据")
    return persons


def create_demo(path: Path, *, user: str, passphrase: str, households: int = 300,
                collected: int = 40) -> dict[str, Any]:
    """Create the demo database (idempotent: an existing one is left as it is)."""
    path = Path(path)
    if path.exists():
        return {"db": str(path), "created": False}
    now = utc_now()
    result = init_database(path, user=user, role="collector", passphrase=passphrase,
                           village=DEMO_VILLAGE)
    gen = VillageGenerator(seed=2026, today=business_date(now))
    village = gen.village(DEMO_VILLAGE, households, newborns=1)
    with open_workspace(path, user=user, passphrase=passphrase) as ws:
        current = demo_policy(now)
        # The year now running too, inactive: a newborn is enrolled for its birth year.
        load_policy(ws, running_year_policy(current), activate=False)
        load_policy(ws, current)
        set_setting(ws, "village_name", "示例村")
        persons = add_demo_roster(ws, village)
        register_book(ws, series="皖医保", first=12001, last=12300)
        # A few mornings of work: the first households already collected and printed.
        start = datetime.combine(business_date(now) - timedelta(days=3), time(9, 0),
                                 tzinfo=BUSINESS_TZ)
        for i, hh in enumerate(village[:collected]):
            moment = (start + timedelta(minutes=7 * i)).astimezone(UTC)
            if moment > now:
                break
            done = collect_household(ws, household_no=hh.household_no,
                                     tier_code="1", now=moment)
            if done.receipt_no:
                mark_printed(ws, done.receipt_no)
        record_deposit(ws, amount_fen=500000, slip_no="DEMO-0001", now=now)
    return {"db": str(result.path), "created": True, "households": households,
            "persons": persons, "recovery_code": result.recovery_code}
