"""征缴进度表, 资助参保人员名册 and 奖惩 on a generated township, against a hand count.

Two villages: V1 has five people (A, B 特困, C refunded, D, E paid online); V2 has F and A
again (the same certificate: a duplicate, counted once, in V1 where A paid first). X paid
online and is on no roster. The policy's rewards: 3元 per valid offline payment, 1元 per
entry, 10元 per person short of the target.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from app.domain.errors import PermissionDenied
from app.services.base.workspace import init_database, open_workspace
from app.services.exchange import township_bundles as tb
from app.services.papers import coverage as village_cov
from app.services.township import progress as prog
from app.services.village import books, campaigns, collect, refunds, roster
from db.connection import tx
from tests.conftest import PASSPHRASE, run_cli
from tests.helpers_ledger import POLICY_TWO_TIER, SERIES, T0, new_id_number

REWARDS = {"offline_valid_fen_per_person": 300, "entry_fen_per_person": 100,
           "shortfall_fen_per_person": 1000, "deadline": "2026-12-31"}


def opened(path: Path) -> Any:
    return open_workspace(path, user=None, passphrase=PASSPHRASE)


def _online(ws: Any, number: str) -> None:
    """An online payment as the county's sync stores it."""
    ws.conn.execute("INSERT INTO external_payments (id, campaign_year, id_number, channel, "
                    "paid_at, amount_fen, received_at) VALUES (?,?,?,?,?,?,?)",
                    (f"x-{number}", 2026, number, "微信", "2026-10-20T02:00:00Z", 38000,
                     "2026-10-21T02:00:00Z"))


@pytest.fixture
def township(tmp_path: Path) -> dict[str, Any]:
    ids = {k: new_id_number() for k in "ABCDEFX"}
    policy = json.loads(POLICY_TWO_TIER.read_text(encoding="utf-8"))
    tpath = tmp_path / "t.db"
    init_database(tpath, user="王所长", role="township", passphrase=PASSPHRASE, village="T01")
    key = tmp_path / "t.key"
    with opened(tpath) as tws:
        campaigns.load_policy(tws, {**policy, "rewards": REWARDS})
        tb.export_township_key(tws, key)
    homes = {"V1": [("0001", "一组", "ABC"), ("0002", "二组", "DE")],
             "V2": [("0003", "一组", "FA")]}
    for i, (village, households) in enumerate(homes.items()):
        path = tmp_path / f"{village}.db"
        init_database(path, user=f"会计{i}", role="collector", passphrase=PASSPHRASE,
                      village=village)
        with opened(path) as ws:
            campaigns.load_policy(ws, policy)
            books.register_book(ws, series=SERIES, first=1 + 100 * i, last=100 * (i + 1))
            for no, group, members in households:
                roster.add_household(ws, household_no=village + no, head_name="户主",
                                     group=group)
                for m in members:
                    added = roster.add_person(ws, household_no=village + no, name=f"成员{m}",
                                              id_number=ids[m], relation="99")
                    if m == "B":
                        with tx(ws.conn):  # as the county's signed feed grants it
                            roster.record_certified_category(
                                ws, added["person_id"], "特困", source="民政",
                                certified_by="民政")
            if village == "V1":
                done = collect.collect_household(ws, household_no="V10001", tier_code="1",
                                                 now=T0)
                refunds.refund_line(ws, receipt_no=done.receipt_no, id_number=ids["C"],
                                    reason="duplicate", now=T0 + timedelta(hours=1))
                collect.collect_household(ws, household_no="V10002", tier_code="1",
                                          members=[_pid(ws, ids["D"])], now=T0)
                _online(ws, ids["E"])
            else:
                collect.collect_household(ws, household_no="V20003", tier_code="1",
                                          now=T0 + timedelta(days=1))
            tb.export_for_township(ws, tmp_path / f"{village}.bundle", township_key=key)
    with opened(tpath) as tws:
        for village in homes:
            tb.import_village_bundle(tws, tmp_path / f"{village}.bundle")
        _online(tws, ids["E"])
        _online(tws, ids["X"])
        prog.set_target(tws, village="V1", target=6, campaign_year=2026)
        prog.set_target(tws, village="V2", target=1, campaign_year=2026)
        prog.set_village_name(tws, village="V1", name="东山村")
        prog.set_village_name(tws, village="V2", name="西河村")
    return {"township": tpath, "v1": tmp_path / "V1.db", "ids": ids, "tmp": tmp_path}


def _pid(ws: Any, number: str) -> str:
    return ws.conn.execute("SELECT id FROM persons WHERE id_number = ?", (number,)).fetchone()[0]


def test_township_figures_equal_the_hand_count(township: dict[str, Any]) -> None:
    with opened(township["township"]) as tws:
        cov = prog.township_coverage(tws, campaign_year=2026).as_dict()
    by = {v["village"]: v for v in cov["villages"]}
    assert set(by) == {"东山村", "西河村", "（花名册外）"}  # names, never the codes
    v1, v2, out = by["东山村"], by["西河村"], by["（花名册外）"]
    # V1: A, B, C, D, E; A and D paid offline, B subsidised (特困, zero amount), E online,
    # C refunded and so not covered.
    assert (v1["expected"], v1["offline"], v1["subsidised"], v1["online"], v1["covered"],
            v1["uncovered"]) == (5, 2, 1, 1, 4, 1)
    assert v1["completion"] == 0.8
    # V2: F; A is the same person as V1's A, counted once (in V1).
    assert (v2["expected"], v2["offline"], v2["covered"]) == (1, 1, 1)
    assert cov["duplicates"] == 1
    assert (out["expected"], out["online"]) == (1, 1)
    assert cov["totals"]["expected"] == 7 and cov["totals"]["covered"] == 6
    # Rewards to the fen: V1 valid offline A, D (B is zero-amount) → 2 × 3元; entered A, B, D
    # → 3 × 1元; target 6, covered 4 by the deadline → 2 × 10元 short.
    assert (v1["offline_valid"], v1["entered"], v1["shortfall"]) == (2, 3, 2)
    assert (v1["reward_fen"], v1["entry_fen"], v1["penalty_fen"], v1["net_fen"]) == \
        (600, 300, 2000, -1100)
    assert (v2["reward_fen"], v2["entry_fen"], v2["penalty_fen"], v2["net_fen"]) == \
        (300, 100, 0, 400)
    assert cov["totals"]["net_fen"] == -700
    assert cov["rates"]["shortfall_fen_per_person"] == 1000 and cov["deadline"] == "2026-12-31"


def test_subsidised_roster_and_progress_reward_rule(township: dict[str, Any]) -> None:
    with opened(township["township"]) as tws:
        cov = prog.township_coverage(tws, campaign_year=2026)
        people = cov.subsidised_people
        assert [(p.village, p.name, p.category, p.channel, p.subsidy_fen, p.payable_fen)
                for p in people] == [("东山村", "成员B", "特困", "—", 38000, 0)]
        # The older incentive: each valid paid person once (no zero-amount, no duplicate).
        prog.set_incentive(tws, reward_fen_per_person=200, deadline=None)
        villages = {v["village"]: v for v in prog.progress(tws, campaign_year=2026)["villages"]}
        assert villages["V1"]["enrolled"] == 3 and villages["V2"]["enrolled"] == 1
        assert villages["V1"]["name"] == "东山村"
        assert villages["V1"]["reward_fen"] == 0  # target 6 not reached
        assert villages["V2"]["reward_fen"] == 200  # F only: A was V1's
        for report in ("coverage", "subsidised"):
            pdf = prog.export_township_report(tws, township["tmp"] / f"{report}.pdf",
                                              report=report, campaign_year=2026)
            assert Path(pdf["out"]).read_bytes().startswith(b"%PDF")
        prog.export_township_report(tws, township["tmp"] / "c.xlsx", campaign_year=2026)
    book = openpyxl.load_workbook(township["tmp"] / "c.xlsx")
    assert book.sheetnames == ["各村进度", "村民小组", "奖惩"]
    rows = list(book["各村进度"].values)
    assert rows[0][:8] == ("村", "应参保", "已参保", "线下", "线上", "资助", "未参保", "完成率")
    assert ("东山村", 5, 4, 2, 1, 1, 1, "80.0%") in rows


def test_village_report_counts_its_own_people(township: dict[str, Any]) -> None:
    with opened(township["v1"]) as ws:
        cov = village_cov.village_coverage(ws).as_dict()
        v = cov["villages"][0]
        assert (v["expected"], v["offline"], v["subsidised"], v["online"], v["uncovered"]) == \
            (5, 2, 1, 1, 1)
        assert [g["group"] for g in cov["groups"]] == ["一组", "二组"]
        out = village_cov.export_village_report(ws, township["tmp"] / "v.xlsx",
                                                report="subsidised")
        assert out["subsidised_people"] == 1
        with pytest.raises(PermissionDenied):
            prog.township_coverage(ws)
    with opened(township["township"]) as tws, pytest.raises(PermissionDenied):
        village_cov.village_coverage(tws)


def test_policy_rewards_parse_and_round_trip() -> None:
    from app.domain.errors import PolicyError
    from app.domain.policy import parse_policy

    policy = json.loads(POLICY_TWO_TIER.read_text(encoding="utf-8"))
    parsed = parse_policy({**policy, "rewards": REWARDS})
    assert parsed.rewards is not None and parsed.rewards.entry_fen_per_person == 100
    assert parse_policy(parsed.to_dict()) == parsed
    assert "rewards" not in parse_policy(policy).to_dict()  # old policies keep their hash
    with pytest.raises(PolicyError) as err:
        parse_policy({**policy, "rewards": {"entry_fen_per_person": 1.5, "oops": 1}})
    assert any("rewards.entry_fen_per_person" in p for p in err.value.problems)
    assert any("rewards.oops" in p for p in err.value.problems)


def test_cli_report_coverage_and_subsidised(township: dict[str, Any]) -> None:
    tmp = township["tmp"]
    env = {"YIBAO_PASSPHRASE": PASSPHRASE}
    done = run_cli("--db", str(township["township"]), "--json", "report", "coverage",
                   "--out", str(tmp / "cli"), "--format", "xlsx", "--year", "2026", env=env)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["out"].endswith("cli.xlsx") and result["totals"]["covered"] == 6
    done = run_cli("--db", str(township["v1"]), "--json", "report", "subsidised",
                   "--out", str(tmp / "s.pdf"), env=env)
    assert done.returncode == 0, done.stderr
    assert (tmp / "s.pdf").read_bytes().startswith(b"%PDF")
