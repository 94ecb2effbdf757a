"""A demo township with three villages, for screenshots and UI tests (no network needed).

Each village collects a few households (one receipt voided in the first), deposits most of
its cash and hands its journal to the township by USB bundle; the township has issued the
books, entered bank credits for two deposits and set targets, so every page has something
to show, including the problems the office chases.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from app.domain.synthetic import VillageGenerator
from app.services.base.common import BUSINESS_TZ, business_date, utc_now
from app.services.base.workspace import init_database, open_workspace
from app.services.demo.village import demo_policy
from app.services.exchange.township_bundles import (
    export_for_township,
    export_township_key,
    import_village_bundle,
)
from app.services.township.books import confirm_void, issue_book, receive_books
from app.services.township.money import add_bank_credit, auto_match, deposit_matching
from app.services.township.progress import set_incentive, set_target, set_village_name
from app.services.village import roster
from app.services.village.books import mark_printed, register_book, void_receipt
from app.services.village.campaigns import load_policy
from app.services.village.cash import cash_position, record_deposit
from app.services.village.collect import collect_household
from db.connection import tx

SERIES = "皖医保"
VILLAGES = (("3404220010", "李会计"), ("3404220011", "张会计"), ("3404220012", "王会计"))
TOWNSHIP = "3404220"
VILLAGE_NAMES = ("东山村", "西河村", "南岗村")


def create_township_demo(folder: Path, *, passphrase: str, households: int = 24,
                         collected: int = 10) -> dict[str, Any]:
    folder = Path(folder)
    now = utc_now()
    tpath = folder / "township.db"
    init_database(tpath, user="王所长", role="township", passphrase=passphrase, village=TOWNSHIP)
    key = folder / "township.key"
    with open_workspace(tpath, user=None, passphrase=passphrase) as tws:
        # The county's rewards (seed 001): 3元 per valid offline payment, 1元 per entry,
        # 10元 per person short of the target.
        load_policy(tws, {**demo_policy(now), "rewards": {
            "offline_valid_fen_per_person": 300, "entry_fen_per_person": 100,
            "shortfall_fen_per_person": 1000}})
        set_village_name(tws, village=TOWNSHIP, name="示例镇")
        export_township_key(tws, key)
        receive_books(tws, series=SERIES, first=1, last=3000)
        for i, (village, collector) in enumerate(VILLAGES):
            issue_book(tws, series=SERIES, first=1 + 100 * i, last=100 * (i + 1),
                       village=village, collector=collector)
    start = datetime.combine(business_date(now) - timedelta(days=4), time(9, 0),
                             tzinfo=BUSINESS_TZ)
    bundles = []
    for i, (village, collector) in enumerate(VILLAGES):
        vpath = folder / f"{village}.db"
        init_database(vpath, user=collector, role="collector", passphrase=passphrase,
                      village=village)
        gen = VillageGenerator(seed=100 + i, today=business_date(now))
        homes = gen.village(village, households, newborns=0)
        with open_workspace(vpath, user=None, passphrase=passphrase) as ws:
            load_policy(ws, demo_policy(now))
            with tx(ws.conn):
                for hh in homes:
                    roster.add_household(ws, household_no=hh.household_no,
                                         head_name=hh.head.name, group=hh.group)
                    for p in hh.members:
                        added = roster.add_person(ws, household_no=hh.household_no,
                                                  name=p.name, id_number=p.id_number,
                                                  id_type=p.id_type, relation=p.relation,
                                                  residence=p.residence, sex=p.sex,
                                                  birth_date=p.birth_date)
                        for category in p.categories:
                            # Stands in for the categories the township certified earlier.
                            roster.record_certified_category(
                                ws, added["person_id"], category, source="民政",
                                certified_by="民政")
            register_book(ws, series=SERIES, first=1 + 100 * i, last=100 * (i + 1))
            for n, hh in enumerate(homes[:collected - 2 * i]):
                moment = (start + timedelta(minutes=11 * n)).astimezone(UTC)
                done = collect_household(ws, household_no=hh.household_no, tier_code="1",
                                         now=moment)
                if done.receipt_no and (n < collected - 3 or i != 1):
                    mark_printed(ws, done.receipt_no)
                if i == 0 and n == 2:
                    void_receipt(ws, done.receipt_no, reason="打印错位", now=moment)
            on_hand = cash_position(ws).on_hand_fen
            record_deposit(ws, amount_fen=on_hand - 38000 * i, slip_no=f"JC{village[-2:]}01",
                           deposit_date=business_date(now) - timedelta(days=1), now=now)
            out = folder / f"{village}.bundle"
            export_for_township(ws, out, township_key=key)
            bundles.append(out)
    with open_workspace(tpath, user=None, passphrase=passphrase) as tws:
        for out in bundles:
            import_village_bundle(tws, out)
        day = business_date(now) - timedelta(days=1)
        for village, _collector in VILLAGES[:2]:
            dep = next(d for d in _deposits(tws) if d["village"] == village)
            add_bank_credit(tws, amount_fen=dep["amount_fen"], credit_date=day,
                            bank_ref=f"95588{village[-4:]}", memo=f"缴款单 {dep['slip_no']}")
        auto_match(tws)
        confirm_void(tws, series=SERIES, number=3)
        for (village, _collector), name in zip(VILLAGES, VILLAGE_NAMES, strict=True):
            set_target(tws, village=village, target=households)
            set_village_name(tws, village=village, name=name)
        set_incentive(tws, reward_fen_per_person=200, deadline=None)
    return {"township": str(tpath), "villages": [v for v, _ in VILLAGES]}


def _deposits(ws: Any) -> list[dict[str, Any]]:
    return deposit_matching(ws)["deposits"]
