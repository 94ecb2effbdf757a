"""Synthetic township databases, built once through the real services and cached.

A township (乡镇) of 20 villages: the roster comes from ``VillageGenerator`` (common two-character
names such as 张伟, valid ID numbers, households with spouses, children, grandchildren and
parents, subsidy categories, non-local residents, newborns with a birth certificate), inserted
village by village the way the roster importer does it (rows plus one ``roster.imported``
event). Then campaigns run year after year until the wanted number of receipts is issued:
each village has its own collector and receipt books of 100 forms; every day 300 households
pay (mostly cash, some WeChat or bank), every receipt is printed, about 1 % are voided and
collected again on the next form, a few members are refunded, and the day's cash is deposited.
Collections go through ``collect_household`` and friends, so the journal, the hash chain and
every invariant are exactly what the app itself would produce.

The encrypted database is cached under ``bench/data/`` keyed by size, seed, this module's
``DATASET_VERSION`` and the schema version; a build happens in a temporary folder and is
renamed into place only when complete, so an interrupted build is never mistaken for a cache.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import random
import shutil
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from app.domain.errors import Refused
from app.domain.roster import parse_relation
from app.domain.synthetic import SyntheticHousehold, VillageGenerator
from app.services.base.common import BUSINESS_TZ, iso, new_id
from app.services.base.settings import set_setting
from app.services.base.workspace import Workspace, add_user, init_database, open_workspace
from app.services.demo.village import SUBSIDIES
from app.services.village import roster
from app.services.village.books import mark_printed, register_book, void_receipt
from app.services.village.campaigns import load_policy
from app.services.village.cash import cash_position, record_deposit
from app.services.village.collect import collect_household
from app.services.village.refunds import refund_line
from bench.metrics import progress, stopwatch
from db.connection import tx

# Bump when the generated content changes, so stale caches are rebuilt rather than reused.
DATASET_VERSION = 1
DATA_DIR = Path(__file__).resolve().parent / "data"

PASSPHRASE = "bench-township-2026"
OWNER = "镇财政所"
COUNTY = "340422"
TOWNSHIP = "34042200"
VILLAGES = 20
LAST_YEAR = 2026
BOOK_SIZE = 100
PER_DAY = 300
PAID_SHARE = 0.95
VOID_RATE = 0.01
REFUNDS_PER_DAY = (0, 1, 1, 2, 2)
METHODS = (("cash", 85), ("wechat", 10), ("bank", 5))
# Reasons that hold for one campaign only: 参加职工医保 and 死亡 change who the person is (and
# 职工医保 is refused for the children drawn), so next year's roster would have to know.
REFUND_REASONS = ("duplicate", "elsewhere")


@dataclass(frozen=True)
class Spec:
    """``persons`` in the roster; campaigns run until ``receipts`` receipt numbers are issued."""

    persons: int
    receipts: int
    seed: int = 2026

    @property
    def key(self) -> str:
        # No schema version here: a cached database older than the code is upgraded in place
        # by the app's own migrations when ``load`` opens it.
        return f"township-p{self.persons}-r{self.receipts}-s{self.seed}-d{DATASET_VERSION}"


TOWNSHIP_60K = Spec(persons=60_000, receipts=60_000)
# The 100,000-person variant is mid-campaign: a third of the current year collected.
TOWNSHIP_100K = Spec(persons=100_000, receipts=10_000)


@dataclass(frozen=True)
class Dataset:
    spec: Spec
    folder: Path
    manifest: dict[str, Any]

    @property
    def db(self) -> Path:
        return self.folder / "township.db"

    def copy_to(self, folder: Path) -> Path:
        """A private copy (database and key file) for a benchmark that writes."""
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / self.db.name
        for source in (self.db, self.db.with_name(self.db.name + ".key")):
            shutil.copyfile(source, folder / source.name)
        return target

    def open(self, db: Path | None = None, *, user: str = OWNER) -> Workspace:
        passphrase = PASSPHRASE if user == OWNER else _collector_passphrase(user)
        return open_workspace(db or self.db, user=user, passphrase=passphrase)


def _collector_passphrase(name: str) -> str:
    return f"{PASSPHRASE}-{name}"


def ensure(specs: Iterable[Spec]) -> None:
    """Build the datasets not cached yet side by side: each build keeps one core busy."""
    missing = [s for s in dict.fromkeys(specs) if not (DATA_DIR / s.key / "manifest.json").exists()]
    if len(missing) < 2:
        for spec in missing:
            build(spec, DATA_DIR / spec.key)
        return
    with ProcessPoolExecutor(max_workers=min(len(missing), os.cpu_count() or 1)) as pool:
        for job in [pool.submit(build, spec, DATA_DIR / spec.key) for spec in missing]:
            job.result()


def load(spec: Spec) -> Dataset:
    """The cached dataset for ``spec``, built first if it is not there yet."""
    folder = DATA_DIR / spec.key
    if not (folder / "manifest.json").exists():
        build(spec, folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    dataset = Dataset(spec, folder, manifest)
    # Opening runs any pending schema upgrade now, outside every timed section.
    dataset.open().close()
    return dataset


def policy_for(year: int) -> dict[str, Any]:
    """The year's two-tier policy; the price rises by 20 元 a year as it has in practice."""
    local = 38000 + 2000 * (year - 2024)
    return {
        "schema": "yibao.policy/1", "region": "示例县", "issuer": "示例县医疗保障局",
        "insurance_type": "390", "campaign_year": year, "benefit_year": year + 1,
        "collection": {"start": f"{year}-09-01", "end": f"{year}-12-31"},
        "tiers": [
            {"code": "1", "name": "一档", "local_fen": local, "nonlocal_fen": local + 12000},
            {"code": "2", "name": "二档", "local_fen": local + 26000,
             "nonlocal_fen": local + 26000},
        ],
        "subsidies": [dict(s) for s in SUBSIDIES],
        "rules": {"household_same_tier": True, "highest_single_subsidy": True,
                  "newborn_months": 3, "refund_before": f"{year + 1}-01-01"},
    }


@dataclass
class _Village:
    code: str
    clerk: Workspace
    households: list[SyntheticHousehold]
    books: int = 0
    left: int = 0


@dataclass(frozen=True)
class _Issued:
    village: _Village
    series: str
    number: str
    id_numbers: tuple[str, ...]


def build(spec: Spec, folder: Path) -> None:
    tmp = folder.with_name(f".{folder.name}.building-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    db = tmp / "township.db"
    progress(f"building dataset {spec.key} (cached afterwards in {folder.parent})")
    with stopwatch() as elapsed:
        init_database(db, user=OWNER, role="township", passphrase=PASSPHRASE, village=TOWNSHIP)
        with open_workspace(db, user=OWNER, passphrase=PASSPHRASE) as ws:
            set_setting(ws, "village_name", "示例镇")
            rng = random.Random(spec.seed)
            villages = _roster(ws, spec, rng)
            progress(f"  roster: {spec.persons} persons in {elapsed():.1f} s")
            campaign = _campaigns(ws, villages, spec, rng)
            progress(f"  campaigns: {campaign['receipts']} receipts in {elapsed():.1f} s")
            manifest = _describe(ws, spec, campaign)
    manifest["build_seconds"] = round(elapsed(), 1)
    (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1),
                                       encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)


@contextmanager
def _fast_kdf() -> Iterator[None]:
    """The collectors' key-file entries use the cheap Argon2 cost: only the owner's is timed."""
    before = os.environ.get("YIBAO_FAST_KDF")
    os.environ["YIBAO_FAST_KDF"] = "1"
    try:
        yield
    finally:
        if before is None:
            del os.environ["YIBAO_FAST_KDF"]
        else:
            os.environ["YIBAO_FAST_KDF"] = before


def _roster(ws: Workspace, spec: Spec, rng: random.Random) -> list[_Village]:
    gen = VillageGenerator(seed=spec.seed, area_code=COUNTY, today=date(LAST_YEAR, 8, 31))
    per_village = spec.persons // VILLAGES
    villages = []
    created = iso(datetime(LAST_YEAR - 4, 8, 1, tzinfo=UTC))
    with tx(ws.conn):
        for index in range(1, VILLAGES + 1):
            code = f"{TOWNSHIP}{index:02d}"
            households: list[SyntheticHousehold] = []
            persons = 0
            # The last village takes the remainder so the township has exactly spec.persons.
            wanted = per_village if index < VILLAGES else spec.persons - per_village * (VILLAGES - 1)
            while persons < wanted:
                hh = gen.household(f"{code}{len(households) + 1:04d}",
                                   newborn=rng.random() < 0.004)
                hh.members = hh.members[:wanted - persons]
                households.append(hh)
                persons += len(hh.members)
            _insert_village(ws, code, households, created)
            villages.append(_Village(code, ws, households))
    with _fast_kdf():
        for village in villages:
            name = f"收款员{village.code[-2:]}"
            add_user(ws, name=name, role="collector", passphrase=_collector_passphrase(name))
            village.clerk = dataclasses.replace(ws, user=name, role="collector")
    return villages


def _insert_village(ws: Workspace, code: str, households: list[SyntheticHousehold],
                    created: str) -> None:
    """As ``import_roster`` applies a file: the rows, then one event for the village."""
    household_records: list[dict[str, Any]] = []
    person_records: list[dict[str, Any]] = []
    grants: list[dict[str, str]] = []
    for hh in households:
        household_id = new_id()
        values = {"household_no": hh.household_no, "village": code, "group": hh.group,
                  "address": "", "phone": hh.phone, "head_name": hh.head.name}
        roster.insert_household(ws, household_id, values, created)
        household_records.append({"household_id": household_id, **values})
        for member in hh.members:
            record = {"person_id": new_id(), "household_id": household_id,
                      "household_no": hh.household_no, "name": member.name,
                      "id_type": member.id_type, "id_number": member.id_number,
                      "sex": member.sex, "birth_date": member.birth_date.isoformat(),
                      "relation": parse_relation(member.relation),
                      "residence": member.residence, "ethnicity": member.ethnicity,
                      "phone": "", "note": member.note}
            roster.insert_person(ws, record, created)
            person_records.append(record)
            for category in member.categories:
                ws.conn.execute(
                    "INSERT INTO person_categories (id, person_id, category, source, "
                    "valid_from, valid_to, certified_by, created_at) "
                    "VALUES (?,?,?,?,NULL,NULL,?,?)",
                    (new_id(), record["person_id"], category, "民政名单", ws.user, created))
                grants.append({"person_id": record["person_id"], "category": category})
    ws.record("roster.imported", {"file": f"{code}.xlsx", "households": household_records,
                                  "persons": person_records, "updates": [],
                                  "categories": grants, "rejected": 0})


def _campaigns(ws: Workspace, villages: list[_Village], spec: Spec,
               rng: random.Random) -> dict[str, Any]:
    households = [(v, hh) for v in villages for hh in v.households]
    per_year = int(len(households) * PAID_SHARE)
    years = range(LAST_YEAR - math.ceil(spec.receipts / per_year) + 1, LAST_YEAR + 1)
    issued = 0
    days = 0
    for year in years:
        load_policy(ws, policy_for(year))
        for village in villages:
            village.left = 0
        order = rng.sample(households, per_year)
        live: list[_Issued] = []
        day = date(year, 9, 1)
        for start in range(0, per_year, PER_DAY):
            if issued >= spec.receipts:
                break
            opening = datetime.combine(day, time(8, 0), tzinfo=BUSINESS_TZ)
            # One commit per day: the same rows as one commit per household, without
            # waiting for tens of thousands of fsyncs.
            with tx(ws.conn):
                for _ in range(min(rng.choice(REFUNDS_PER_DAY), len(live))):
                    _refund(live.pop(rng.randrange(len(live))), rng, opening)
                for offset, (village, hh) in enumerate(order[start:start + PER_DAY]):
                    moment = opening + timedelta(minutes=2 * offset)
                    for receipt in _collect(village, hh, year, moment, rng):
                        issued += 1
                        live.append(receipt)
                    if issued >= spec.receipts:
                        break
                on_hand = cash_position(ws, today=day).on_hand_fen
                if on_hand > 0:
                    # A collector takes the day's cash to the bank (the owner is the office).
                    record_deposit(villages[0].clerk, amount_fen=on_hand,
                                   slip_no=f"JC{day:%Y%m%d}",
                                   now=datetime.combine(day, time(17, 30), tzinfo=BUSINESS_TZ))
            day += timedelta(days=1)
            days += 1
        progress(f"  campaign {year}: {issued} receipts so far")
    return {"years": list(years), "receipts": issued, "collection_days": days}


def _ensure_form(village: _Village, year: int) -> None:
    if village.left:
        return
    first = int(village.code[-2:]) * 1_000_000 + village.books * BOOK_SIZE + 1
    register_book(village.clerk, series=f"皖医保{year}", first=first, last=first + BOOK_SIZE - 1)
    village.books += 1
    village.left = BOOK_SIZE


def _collect(village: _Village, hh: SyntheticHousehold, year: int, moment: datetime,
             rng: random.Random) -> list[_Issued]:
    """One household pays; about 1 % of receipts are misprinted, voided and issued again."""
    # The roster is today's: members born after the campaign opened were not there to pay.
    members = [m.id_number for m in hh.members if m.birth_date < date(year, 9, 1)]
    if not members:
        return []
    method = rng.choices([m for m, _ in METHODS], [w for _, w in METHODS])[0]
    reference = None if method == "cash" else f"{method[:2].upper()}{rng.randrange(10**12):012d}"
    issued: list[_Issued] = []
    while True:
        _ensure_form(village, year)
        done = collect_household(village.clerk, household_no=hh.household_no, tier_code="1",
                                 members=members, method=method, method_ref=reference,
                                 now=moment.astimezone(UTC))
        if done.receipt_no is None:  # fully subsidised: enrolled without a receipt
            return issued
        village.left -= 1
        mark_printed(village.clerk, done.receipt_no, series=done.series)
        receipt = _Issued(village, done.series, done.receipt_no, tuple(members))
        issued.append(receipt)
        if rng.random() >= VOID_RATE:
            return issued
        void_receipt(village.clerk, done.receipt_no, series=done.series,
                     reason="打印错位，重新开具", now=moment.astimezone(UTC))
        issued.pop()
        issued.append(dataclasses.replace(receipt, id_numbers=()))


def _refund(receipt: _Issued, rng: random.Random, moment: datetime) -> None:
    if not receipt.id_numbers:  # a voided receipt has nothing to refund
        return
    person, reason = rng.choice(receipt.id_numbers), rng.choice(REFUND_REASONS)
    try:
        refund_line(receipt.village.clerk, receipt_no=receipt.number, series=receipt.series,
                    id_number=person, reason=reason, now=moment.astimezone(UTC))
    except Refused:  # the clerk's cash is at the bank: the township pays it instead
        refund_line(receipt.village.clerk, receipt_no=receipt.number, series=receipt.series,
                    id_number=person, reason=reason, paid_by="township",
                    now=moment.astimezone(UTC))


def _describe(ws: Workspace, spec: Spec, campaign: dict[str, Any]) -> dict[str, Any]:
    c = ws.conn

    def count(sql: str) -> int:
        return int(c.execute(sql).fetchone()[0])

    busy_day, busy_count = c.execute(
        "SELECT business_date, count(*) FROM payments p WHERE series IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM payment_cancellations x WHERE x.payment_id = p.id) "
        "GROUP BY business_date ORDER BY 2 DESC, 1 LIMIT 1").fetchone()
    return {
        "spec": dataclasses.asdict(spec), "key": spec.key, "owner": OWNER,
        "villages": VILLAGES, "years": campaign["years"],
        "persons": count("SELECT count(*) FROM persons"),
        "households": count("SELECT count(*) FROM households"),
        "receipts": count("SELECT count(*) FROM receipt_numbers WHERE state = 'issued'"),
        "voided": count("SELECT count(*) FROM receipt_voids"),
        "refunds": count("SELECT count(*) FROM refunds"),
        "deposits": count("SELECT count(*) FROM deposits"),
        "books": count("SELECT count(*) FROM receipt_books"),
        "events": count("SELECT count(*) FROM journal"),
        "busy_day": busy_day, "busy_day_receipts": busy_count,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Build (or reuse) a cached township dataset.")
    parser.add_argument("--persons", type=int, default=TOWNSHIP_60K.persons)
    parser.add_argument("--receipts", type=int, default=TOWNSHIP_60K.receipts)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    dataset = load(Spec(args.persons, args.receipts, args.seed))
    print(json.dumps(dataset.manifest, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
