"""The rules of 票款人三线合一 across time, each as the auditor found it broken (issue 13).

Every test runs the village's own services on a fresh encrypted database and checks what a
clerk or an auditor would see: a refusal with its Chinese reason and nothing written, the
reconcile figures, and that `verify` (the same fold over the journal) agrees.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import date, timedelta

import pytest

from app.domain import events as ev
from app.domain.errors import Refused, ValidationError
from app.domain.ledger import fold
from app.services.exchange.feed import apply_settled
from app.services.upkeep.verify import verify_workspace
from app.services.views.listings import progress_by_group
from app.services.views.reconcile import reconcile
from app.services.village import books, campaigns, cash, collect, refunds, roster
from db import journal
from db.connection import tx
from sync.protocol import BookSettledData
from tests.conftest import PASSPHRASE, run_cli
from tests.helpers_ledger import (
    POLICY_TWO_TIER,
    SERIES,
    T0,
    add_household,
    cash_on_hand,
    make_village,
    new_id_number,
    snapshot,
    township,
)


def refused(ws, message: str, call, *args, exc=Refused, **kwargs) -> str:
    before = snapshot(ws)
    with pytest.raises(exc) as info:
        call(*args, **kwargs)
    assert message in info.value.message, info.value.message
    assert snapshot(ws) == before, "a refused action changed the database"
    return info.value.message


def collect_at(ws, no, *, tier="1", now=T0, **kwargs):
    return collect.collect_household(ws, household_no=no, tier_code=tier, now=now, **kwargs)


@pytest.fixture
def village(ws):
    return make_village(ws, households=6, rng=random.Random(3), members=(2, 2))


def _settle(ws, village, *, at=T0 + timedelta(days=2)):
    book = village.book
    with tx(ws.conn):
        apply_settled(ws, BookSettledData(
            allocation_id=str(uuid.uuid4()), series=book["series"], first=book["first"],
            last=book["last"], collector=ws.user, settled_at=at.isoformat()))


def assert_consistent(ws) -> None:
    report = verify_workspace(ws)
    assert report.ok, report.problems
    figures = reconcile(ws, today=T0.date())
    assert figures["cash"]["on_hand_fen"] >= 0
    assert figures["receipts_fen"] == (figures["cash"]["collected_fen"]
                                       + figures["noncash"]["collected_fen"])


# ---- a settled book is frozen -----------------------------------------------------------


def test_a_settled_book_refuses_collect_void_and_lost(ws, village):
    done = collect_at(ws, village.households[0].no)
    _settle(ws, village)
    before = reconcile(ws, today=T0.date())["books"]
    refused(ws, "没有可用的票据", collect_at, ws, village.households[1].no)
    refused(ws, "已核销", books.void_receipt, ws, done.receipt_no, reason="填错户", now=T0)
    refused(ws, "已核销", books.mark_lost, ws, series=SERIES, first=50, last=50, reason="丢失")
    assert reconcile(ws, today=T0.date())["books"] == before
    assert_consistent(ws)


def test_a_forged_use_of_a_settled_book_fails_verify(ws, village):
    collect_at(ws, village.households[0].no)
    _settle(ws, village)
    # Written past the services, as an attacker with the database key would.
    with tx(ws.conn):
        ws.record("receipt.lost", {"series": SERIES, "first": 90, "last": 90, "reason": "x"})
    problems = verify_workspace(ws).problems
    assert any("核销后仍有使用" in p for p in problems), problems


# ---- cash on hand never goes negative -----------------------------------------------------


def test_collect_deposit_void_cannot_make_cash_negative(ws, village):
    hh = add_household(ws, "3404220019001", members=1)
    done = collect_at(ws, hh.no)  # 380 元 in cash
    cash.record_deposit(ws, amount_fen=done.amount_fen, slip_no="BK-1", now=T0)
    message = refused(ws, "现金已缴存，不能作废", books.void_receipt, ws, done.receipt_no,
                      reason="填错户", now=T0)
    assert "退费" in message
    assert cash_on_hand(ws) == 0
    assert_consistent(ws)


def test_a_cash_refund_needs_the_cash_and_the_township_can_pay_it(ws, village):
    hh = village.households[0]
    done = collect_at(ws, hh.no)
    cash.record_deposit(ws, amount_fen=done.amount_fen, slip_no="BK-2", now=T0)
    message = refused(ws, "超过现金在手", refunds.refund_line, ws, receipt_no=done.receipt_no,
                      id_number=hh.members[0], reason="elsewhere", now=T0 + timedelta(days=1))
    assert "¥0.00" in message and "乡镇财政所退付" in message
    result = refunds.refund_line(ws, receipt_no=done.receipt_no, id_number=hh.members[0],
                                 reason="elsewhere", paid_by="township",
                                 now=T0 + timedelta(days=1))
    assert result.paid_by == "township"
    figures = reconcile(ws, today=T0.date())
    assert figures["cash"]["on_hand_fen"] == 0 and figures["cash"]["refunded_fen"] == 0
    assert figures["refunds"]["township_fen"] == result.refund_fen
    assert_consistent(ws)


def test_a_deposit_above_cash_on_hand_is_refused_with_the_figures(ws, village):
    collect_at(ws, village.households[0].no)
    message = refused(ws, "超过现金在手", cash.record_deposit, ws, amount_fen=76001,
                      slip_no="BK-3", now=T0)
    assert "¥760.01" in message and "¥760.00" in message


# ---- void rules ---------------------------------------------------------------------------


def test_a_void_is_only_for_the_business_day_of_issue(ws, village):
    done = collect_at(ws, village.households[0].no)
    refused(ws, "只能在开票当天作废", books.void_receipt, ws, done.receipt_no, reason="填错户",
            now=T0 + timedelta(days=1))
    books.void_receipt(ws, done.receipt_no, reason="填错户", now=T0 + timedelta(hours=3))
    assert_consistent(ws)


def test_void_days_from_the_policy_widen_the_window(ws):
    policy = json.loads(POLICY_TWO_TIER.read_text("utf-8"))
    policy["rules"]["void_days"] = 3
    campaigns.load_policy(ws, policy)
    books.register_book(ws, series=SERIES, first=1, last=10)
    hh = add_household(ws, "3404220019002", members=1)
    done = collect_at(ws, hh.no)
    refused(ws, "开票后 3 天内作废", books.void_receipt, ws, done.receipt_no, reason="x",
            now=T0 + timedelta(days=4))
    books.void_receipt(ws, done.receipt_no, reason="x", now=T0 + timedelta(days=3))


def test_no_void_after_the_refund_deadline(ws, village):
    late = T0.replace(year=2026, month=12, day=31, hour=17)  # 2027-01-01 in Beijing
    done = collect_at(ws, village.households[0].no, now=late, override_reason="补收")
    refused(ws, "待遇期已开始", books.void_receipt, ws, done.receipt_no, reason="x", now=late)


# ---- non-cash money -------------------------------------------------------------------------


def test_noncash_money_is_split_out_and_adds_up(ws, village):
    cash_paid = collect_at(ws, village.households[0].no)
    wx = collect_at(ws, village.households[1].no, method="wechat", method_ref="WX-1")
    bank = collect_at(ws, village.households[2].no, tier="2", method="bank", method_ref="B-9")
    figures = reconcile(ws, today=T0.date())
    assert figures["cash"]["collected_fen"] == cash_paid.amount_fen
    assert figures["noncash"]["by_method"] == {"bank": bank.amount_fen, "wechat": wx.amount_fen}
    assert figures["noncash"]["collected_fen"] == wx.amount_fen + bank.amount_fen
    assert figures["receipts_fen"] == cash_paid.amount_fen + wx.amount_fen + bank.amount_fen
    # A WeChat receipt voided the same day leaves cash alone.
    books.void_receipt(ws, wx.receipt_no, reason="填错户", now=T0)
    assert reconcile(ws, today=T0.date())["noncash"]["by_method"]["wechat"] == 0
    assert cash_on_hand(ws) == cash_paid.amount_fen
    assert_consistent(ws)


# ---- refund reasons drive status --------------------------------------------------------------


@pytest.mark.parametrize("reason, state, label", [
    ("elsewhere", "elsewhere", "已在别处参保"), ("duplicate", "elsewhere", "已在别处参保"),
    ("military", "ended", "本年度已终止"), ("employee", "not_enrolled", "已参加职工医保"),
    ("death", "not_enrolled", "死亡")])
def test_a_refund_reason_sets_the_persons_state_for_the_campaign(ws, village, reason, state,
                                                                 label):
    hh = village.households[0]
    done = collect_at(ws, hh.no)
    refunds.refund_line(ws, receipt_no=done.receipt_no, id_number=hh.members[1], reason=reason,
                        now=T0 + timedelta(days=1))
    members = {m["id_number"]: m for m in collect.household_fees(
        ws, hh.no, "1", on=T0.date())["members"]}
    assert label in members[hh.members[1]]["status_label"]
    assert not members[hh.members[1]]["collectable"]
    refused(ws, "", collect_at, ws, hh.no, members=[hh.members[1]],
            now=T0 + timedelta(days=2))
    ledger_state = ws.ledger().enrolment_state(
        next(m["person_id"] for m in members.values() if m["id_number"] == hh.members[1]), 2026)
    assert ledger_state[0] == state or reason in ("employee", "death")
    assert_consistent(ws)


def test_other_needs_a_note_and_leaves_the_person_collectable(ws, village):
    hh = village.households[0]
    done = collect_at(ws, hh.no)
    refused(ws, "请填写说明", refunds.refund_line, ws, receipt_no=done.receipt_no,
            id_number=hh.members[1], reason="other", now=T0, exc=ValidationError)
    refunds.refund_line(ws, receipt_no=done.receipt_no, id_number=hh.members[1], reason="other",
                        note="多收", now=T0)
    again = collect_at(ws, hh.no, members=[hh.members[1]], now=T0 + timedelta(hours=1))
    assert again.amount_fen == 38000


def test_employee_insurance_is_refused_for_a_child(ws, village):
    hh = add_household(ws, "3404220019003", members=1)
    child = new_id_number(date(2018, 5, 1))
    roster.add_person(ws, household_no=hh.no, name="小明", id_number=child, relation="20")
    done = collect_at(ws, hh.no)
    refused(ws, "未满 16 岁", refunds.refund_line, ws, receipt_no=done.receipt_no,
            id_number=child, reason="employee", now=T0 + timedelta(days=1))


def test_a_refund_shows_in_reconcile_with_its_reason_and_payer(ws, village):
    hh = village.households[0]
    done = collect_at(ws, hh.no)
    refunds.refund_line(ws, receipt_no=done.receipt_no, id_number=hh.members[0],
                        reason="duplicate", now=T0)
    figures = reconcile(ws, today=T0.date())["refunds"]
    assert figures == {"count": 1, "cash_fen": 38000, "township_fen": 0,
                       "by_reason": {"duplicate": 38000}}


# ---- an enrolment without money can be ended --------------------------------------------------


def test_a_fully_subsidised_enrolment_can_be_ended_never_deleted(ws, village):
    hh = add_household(ws, "3404220019004", members=1)
    with township(ws, PASSPHRASE) as tws:
        roster.grant_category(tws, hh.members[0], "特困")
    done = collect_at(ws, hh.no)
    assert done.amount_fen == 0 and done.receipt_no is None
    before = progress_by_group(ws, on=T0.date())
    events = ws.conn.execute("SELECT count(*) FROM journal").fetchone()[0]
    result = refunds.end_enrolment(ws, id_number=hh.members[0], reason="employee", now=T0)
    assert result.reason == "employee"
    assert ws.conn.execute("SELECT count(*) FROM journal").fetchone()[0] == events + 1
    assert ws.conn.execute("SELECT count(*) FROM enrolments").fetchone()[0] >= 1
    after = progress_by_group(ws, on=T0.date())
    assert sum(g["enrolled"] for g in after) == sum(g["enrolled"] for g in before) - 1
    refused(ws, "没有有效的参保记录", refunds.end_enrolment, ws, id_number=hh.members[0],
            reason="death", now=T0, exc=Exception)
    assert_consistent(ws)


def test_a_paid_enrolment_is_ended_by_a_refund_not_an_end(ws, village):
    hh = village.households[0]
    collect_at(ws, hh.no)
    refused(ws, "请办理退费", refunds.end_enrolment, ws, id_number=hh.members[0],
            reason="death", now=T0)


# ---- 同户同档 -------------------------------------------------------------------------------


def test_one_tier_per_household_per_campaign(ws, village):
    hh = village.households[0]
    collect_at(ws, hh.no, members=[hh.members[0]], tier="1")
    message = refused(ws, "同户同档", collect_at, ws, hh.no, members=[hh.members[1]], tier="2")
    assert "一档" in message and "二档" in message
    collect_at(ws, hh.no, members=[hh.members[1]], tier="1")
    assert_consistent(ws)


# ---- the confirmed amount is what is charged ----------------------------------------------------


def test_a_changed_total_between_confirm_and_commit_is_refused(ws, village):
    hh = village.households[0]
    fees = collect.household_fees(ws, hh.no, "1", on=T0.date())
    shown = fees["total_fen"]
    # A sync lands while the dialog is open: one member is now certified 特困.
    with township(ws, PASSPHRASE) as tws:
        roster.grant_category(tws, hh.members[0], "特困")
    refused(ws, "应收金额已变为", collect_at, ws, hh.no, expected_total_fen=shown)
    done = collect_at(ws, hh.no, expected_total_fen=shown - 38000)
    assert done.amount_fen == shown - 38000


# ---- the one fold ---------------------------------------------------------------------------


def test_the_fold_of_the_journal_equals_the_tables(ws, village):
    a = collect_at(ws, village.households[0].no)
    collect_at(ws, village.households[1].no, method="wechat", method_ref="WX-2")
    books.void_receipt(ws, a.receipt_no, reason="错", now=T0)
    collect_at(ws, village.households[2].no)
    cash.record_deposit(ws, amount_fen=10000, slip_no="S-1", now=T0)
    state = fold(journal.iter_ledger_events(ws.conn))
    assert not state.problems
    assert state.cash_on_hand_fen == cash_on_hand(ws)
    assert state.receipts_fen == reconcile(ws, today=T0.date())["receipts_fen"]


def test_a_damaged_payload_is_named_by_verify(ws, village):
    collect_at(ws, village.households[0].no)
    with tx(ws.conn):
        ws.record("deposit.recorded", {"deposit_id": "x", "slip_no": "s", "amount_fen": "9",
                                       "deposit_date": "2026-10-15"})
    problems = verify_workspace(ws).problems
    assert any("amount_fen" in p for p in problems), problems


def test_old_payload_versions_read_through_the_catalogue():
    old_refund = {"refund_id": "r", "payment_id": "p", "payment_line_id": "l",
                  "person_id": "x", "id_number": "1", "series": "S", "number": 1,
                  "amount_fen": 100, "method": "wechat", "reason": "death",
                  "business_date": "2026-10-15"}
    parsed = ev.parse("refund.made", old_refund)
    assert isinstance(parsed, ev.RefundMade) and parsed.paid_by == "channel"
    with pytest.raises(ev.EventFormatError):
        ev.parse("refund.made", {**old_refund, "amount_fen": True})
    with pytest.raises(ev.EventFormatError):
        ev.parse("refund.made", {**old_refund, "v": 9})


# ---- the CLI contract -------------------------------------------------------------------------


def test_cli_roster_show_reconcile_refund_and_enrolment_end(ws, village, tmp_path):
    hh = village.households[0]
    # Today, as the clerk would at the command line.
    done = collect.collect_household(ws, household_no=hh.no, tier_code="1")
    ws.close()
    env = {"YIBAO_PASSPHRASE": PASSPHRASE}
    db = ["--db", str(ws.path), "--json"]
    shown = json.loads(run_cli("roster", "show", hh.no, *db, env=env).stdout)
    first = shown["members"][0]
    assert first["enrolment"] == {"state": "enrolled", "reason": None,
                                  "receipt_no": done.receipt_no}
    assert first["collectable"] is False
    bad = run_cli("refund", "--receipt", done.receipt_no, "--id-number", hh.members[0],
                  "--reason", "other", *db, env=env)
    assert bad.returncode == 1 and "说明" in bad.stderr
    ok = run_cli("refund", "--receipt", done.receipt_no, "--id-number", hh.members[0],
                 "--reason", "elsewhere", "--paid-by", "township", *db, env=env)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["paid_by"] == "township"
    shown = json.loads(run_cli("roster", "show", hh.no, *db, env=env).stdout)
    assert {m["id_number"]: m["enrolment"]["state"] for m in shown["members"]}[
        hh.members[0]] == "elsewhere"
    figures = json.loads(run_cli("reconcile", *db, env=env).stdout)
    assert figures["receipts_fen"] == (figures["cash"]["collected_fen"]
                                       + figures["noncash"]["collected_fen"])
    assert set(figures["noncash"]) == {"collected_fen", "refunded_fen", "by_method"}
    wrong = run_cli("collect", "--household", village.households[1].no, "--tier", "1",
                    "--expect-total-fen", "1", *db, env=env)
    assert wrong.returncode == 1 and "应收金额已变为" in wrong.stderr
    end = run_cli("enrolment", "end", "--id-number", hh.members[1], "--reason", "death", *db,
                  env=env)
    assert end.returncode == 1 and "退费" in end.stderr


# ---- newborns: covered from birth in the birth year ---------------------------------------------


def _policy_for_2026(ws) -> None:
    policy = json.loads(POLICY_TWO_TIER.read_text("utf-8"))
    policy.update(campaign_year=2025, benefit_year=2026,
                  collection={"start": "2025-09-01", "end": "2025-12-31"})
    policy["tiers"][0]["local_fen"] = 35000
    policy["rules"]["refund_before"] = "2026-01-01"
    campaigns.load_policy(ws, policy, activate=False)


def test_a_newborn_is_covered_from_birth_in_the_birth_year_then_collected_for_the_next(
        ws, village):
    hh = add_household(ws, "3404220019005", members=1)
    baby = new_id_number(date(2026, 11, 10))
    roster.add_person(ws, household_no=hh.no, name="新生儿", id_number=baby, relation="20")
    after_birth = T0.replace(month=11, day=20)
    refused(ws, "没有2026年度的政策", collect_at, ws, hh.no, members=[baby], newborn=True,
            now=after_birth)
    _policy_for_2026(ws)
    born = collect_at(ws, hh.no, members=[baby], newborn=True, now=after_birth)
    assert (born.benefit_year, born.coverage_start, born.amount_fen) == (2026, "2026-11-10",
                                                                       35000)
    assert born.receipt_no == "00000001"
    # Then the next year, at that year's price, on a receipt of its own.
    nxt = collect_at(ws, hh.no, members=[baby], now=after_birth)
    assert (nxt.benefit_year, nxt.amount_fen, nxt.receipt_no) == (2027, 38000, "00000002")
    # Outside the collection window the newborn path still works within 3 calendar months...
    twin = new_id_number(date(2026, 11, 10))
    roster.add_person(ws, household_no=hh.no, name="双胞胎", id_number=twin, relation="20")
    january = T0.replace(year=2027, month=1, day=20)
    refused(ws, "不在征缴期", collect_at, ws, hh.no, members=[twin], now=january)
    assert collect_at(ws, hh.no, members=[twin], newborn=True, now=january).benefit_year == 2026
    # ...and not after them (born 2026-11-10: until 2027-02-10).
    late = new_id_number(date(2026, 11, 10))
    roster.add_person(ws, household_no=hh.no, name="三胞胎", id_number=late, relation="20")
    refused(ws, "已过期限", collect_at, ws, hh.no, members=[late], newborn=True,
            now=T0.replace(year=2027, month=2, day=11))
    assert_consistent(ws)


def _pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_newborn_receipt_prints_the_first_day_of_cover(ws, village, tmp_path):
    from app.services.papers.printing import receipt_pdf

    _policy_for_2026(ws)
    hh = add_household(ws, "3404220019006", members=1)
    baby = new_id_number(date(2026, 11, 10))
    roster.add_person(ws, household_no=hh.no, name="新生儿", id_number=baby, relation="20")
    born = collect_at(ws, hh.no, members=[baby], newborn=True, now=T0.replace(month=11, day=20))
    data = receipt_pdf(ws, born.receipt_no)
    (tmp_path / "newborn.pdf").write_bytes(data)
    text = _pdf_text(data)
    assert "2026年度" in text and "自11月10日起" in text


def test_the_daily_report_lists_refunds_with_reason_and_payer(ws, village):
    from app.services.papers.printing import daily_report_pdf

    hh = village.households[0]
    done = collect_at(ws, hh.no)
    refunds.refund_line(ws, receipt_no=done.receipt_no, id_number=hh.members[0],
                        reason="elsewhere", paid_by="township", now=T0)
    text = _pdf_text(daily_report_pdf(ws, T0.date()))
    assert "四、退费" in text and "在外地参保" in text and "乡镇财政所" in text
    assert "380.00" in text


def test_a_category_from_the_township_feed_names_the_township_as_certifier(ws, village):
    from app.services.exchange.feed import apply_category
    from sync.protocol import CategoryGrantData

    hh = village.households[0]
    with tx(ws.conn):
        assert apply_category(ws, CategoryGrantData(
            certification_id=str(uuid.uuid4()), id_number=hh.members[0], category="低保"))
    assert ws.conn.execute("SELECT certified_by FROM person_categories").fetchall() == [
        ("乡镇财政所",)]
    # The collector still cannot certify one.
    refused(ws, "只有财政所可以认定资助类别", roster.grant_category, ws, hh.members[1], "低保",
            exc=Exception)


def test_the_nothing_written_check_sees_an_update_in_any_table(ws, village):
    before = snapshot(ws)
    with tx(ws.conn):
        ws.conn.execute("UPDATE persons SET phone = '13900000000' WHERE rowid = 1")
    assert snapshot(ws) != before
    before = snapshot(ws)
    with tx(ws.conn):
        ws.conn.execute("UPDATE settings SET value = value WHERE 0")
    assert snapshot(ws) == before
