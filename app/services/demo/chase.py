"""A demo village in its second campaign, for the 催缴 page's screenshot and a newcomer's try:
last year most households were collected (two tiers), this year's campaign was started from
its policy (`campaign start`) and a few households have renewed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from app.domain.synthetic import VillageGenerator
from app.services.base.common import BUSINESS_TZ, business_date, utc_now
from app.services.base.settings import set_setting
from app.services.base.workspace import init_database, open_workspace
from app.services.demo.village import (
    DEMO_VILLAGE,
    add_demo_roster,
    demo_policy,
    running_year_policy,
)
from app.services.village.books import mark_printed, register_book
from app.services.village.campaigns import load_policy, start_campaign
from app.services.village.collect import collect_household


def create_chase_demo(path: Path, *, user: str, passphrase: str, households: int = 60,
                      renewed: int = 12) -> dict[str, Any]:
    path = Path(path)
    now = utc_now()
    init_database(path, user=user, role="collector", passphrase=passphrase,
                  village=DEMO_VILLAGE)
    current = demo_policy(now)
    last = running_year_policy(current)
    village = VillageGenerator(seed=2025, today=business_date(now)).village(
        DEMO_VILLAGE, households, newborns=0)
    with open_workspace(path, user=user, passphrase=passphrase) as ws:
        load_policy(ws, last)
        set_setting(ws, "village_name", "示例村")
        add_demo_roster(ws, village)
        register_book(ws, series="皖医保", first=11001, last=11300)
        # Last year's door-to-door work, from 8 October inside last year's window.
        start = datetime.combine(date(int(last["campaign_year"]), 10, 8), time(9, 0),
                                 tzinfo=BUSINESS_TZ)
        for i, hh in enumerate(village):
            if i % 5 == 4:  # one household in five was not collected last year
                continue
            done = collect_household(ws, household_no=hh.household_no,
                                     tier_code="2" if i % 3 == 0 else "1",
                                     now=(start + timedelta(minutes=9 * i)).astimezone(UTC))
            if done.receipt_no:
                mark_printed(ws, done.receipt_no)
        started = start_campaign(ws, current, now=now)
        morning = datetime.combine(business_date(now) - timedelta(days=1), time(9, 0),
                                   tzinfo=BUSINESS_TZ)
        for i, hh in enumerate(village[:renewed]):
            if i % 5 == 4:
                continue
            done = collect_household(ws, household_no=hh.household_no,
                                     tier_code="2" if i % 3 == 0 else "1",
                                     now=(morning + timedelta(minutes=6 * i)).astimezone(UTC))
            if done.receipt_no:
                mark_printed(ws, done.receipt_no)
    return {"db": str(path), "campaign": started}
