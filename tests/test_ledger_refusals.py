"""Every refusal of the ledger services: the clerk reads why, and nothing at all is written.

"Nothing written" means the journal head and the row count of every ledger table are the same
before and after the refused call (see ``helpers_ledger.snapshot``).
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta

import pytest

from app.domain.errors import InvalidIdNumber, PermissionDenied, Refused, ValidationError
from app.services.upkeep.verify import verify_workspace
from app.services.views.reconcile import reconcile
from app.services.village import books, campaigns, cash, collect, refunds, roster
from app.services.village.books import next_receipt
from tests.conftest import PASSPHRASE
from tests.helpers_ledger import (
    POLICY_TWO_TIER,
    SERIES,
    T0,
    add_household,
    cash_on_hand,
    expected_fee,
    make_village,
    new_id_number,
    snapshot,
    township,
)


def refused(ws, exc_type, message: str, call, *args, **kwargs):
    """Run ``call``; it must raise ``exc_type`` whose text contains ``message``, writing nothing."""
    before = snapshot(ws)
    with pytest.raises(exc_type) as info:
        call(*args, **kwargs)
    assert message in info.value.message, info.value.message
    assert snapshot(ws) == before, "a refused action changed the database"
    return info.value.message


def collect_at(ws, no: str, *, tier: str = "1", now: datetime = T0, **kwargs):
    return collect.collect_household(ws, household_no=no, tier_code=tier, now=now, **kwargs)


@pytest.fixture
def village(ws):
    return make_village(ws, households=6, rng=random.Random(7), members=(2, 2))


def _member_status(ws, no: str, id_number: str) -> dict:
    fees = collect.household_fees(ws, no, "1", on=T0.date())
    return next(m for m in fees["members"] if m["id_number"] == id_number)


# ---------------------------------------------------------------- who may be collected


def test_member_already_enrolled_is_refused(ws, village):
    hh = village.households[0]
    first = collect_at(ws, hh.no)
    assert first.receipt_no == "00000001"
    msg = refused(ws, Refused, "已经参保缴费，不能重复收款", collect_at, ws, hh.no,
                  members=[hh.members[1]], now=T0 + timedelta(hours=1))
    assert "成员0001" in msg and "2027年度" in msg
    # Without a selection the household panel has nobody left to collect.
    refused(ws, Refused, "该户没有需要缴费的成员", collect_at, ws, hh.no)
    assert _member_status(ws, hh.no, hh.members[0])["status_label"] == "已参保"
    assert next_receipt(ws).formatted == "00000002"


def test_member_paid_through_another_channel_is_refused_and_skipped(ws, village):
    hh = village.households[0]
    paid, other = hh.members
    ws.conn.execute(
        "INSERT INTO external_payments (id, campaign_year, id_number, channel, paid_at, "
        "amount_fen, received_at) VALUES ('x1', 2026, ?, '微信', '2026-10-02T03:00:00+00:00', "
        "38000, '2026-10-03T00:00:00+00:00')", (paid,))
    refused(ws, Refused, "已通过其他渠道缴费（微信 2026-10-02），不能重复收款",
            collect_at, ws, hh.no, members=[paid])
    assert _member_status(ws, hh.no, paid)["status_label"] == "已通过其他渠道缴费（微信 2026-10-02）"
    # Collecting the whole household takes only the member who has not paid anywhere.
    result = collect_at(ws, hh.no)
    assert [line.id_number for line in result.lines] == [other]
    assert result.amount_fen == 38000


@pytest.mark.parametrize(("status", "label"), [("deceased", "死亡"), ("moved_out", "迁出")])
def test_member_not_active_is_refused(ws, village, status, label):
    hh = village.households[0]
    roster.set_person_status(ws, hh.members[1], status, note="村委会告知")
    refused(ws, Refused, f"的状态是“{label}”，不能参保缴费", collect_at, ws, hh.no,
            members=[hh.members[1]])
    # The rest of the household is still collected, without that member.
    result = collect_at(ws, hh.no)
    assert [line.id_number for line in result.lines] == [hh.members[0]]


def test_collecting_nobody_is_refused(ws, village):
    """An empty selection must not become a payment without lines (收款没有明细)."""
    hh = village.households[0]
    refused(ws, ValidationError, "至少选择一名", collect_at, ws, hh.no, members=[])
    assert verify_workspace(ws).ok


# ---------------------------------------------------------------- receipt books


def test_exhausted_book_refuses_the_third_household(ws):
    village = make_village(ws, households=3, members=(1, 1), book=(1, 2))
    assert collect_at(ws, village.households[0].no).receipt_no == "00000001"
    assert collect_at(ws, village.households[1].no).receipt_no == "00000002"
    refused(ws, Refused, "没有可用的票据：票据已用完或尚未登记", collect_at, ws,
            village.households[2].no)
    summary = reconcile(ws)["books"][0]
    assert (summary["issued"], summary["unused"], summary["amount_fen"]) == (2, 0, 76000)


def test_no_book_at_all_is_refused(ws):
    village = make_village(ws, households=1, book=None)
    refused(ws, Refused, "请向乡镇财政所领用新票据后登记", collect_at, ws,
            village.households[0].no)


def test_no_active_campaign_is_refused(ws):
    village = make_village(ws, households=1, policy=None)
    refused(ws, Refused, "还没有启用的征缴年度", collect_at, ws, village.households[0].no)


def test_expected_receipt_must_match_the_paper_form(ws, village):
    hh = village.households[0]
    refused(ws, Refused, f"下一张票据是 {SERIES} 00000001，不是 00000002：请核对纸质票据后重试",
            collect_at, ws, hh.no, expected_receipt="00000002")
    assert collect_at(ws, hh.no, expected_receipt=f"{SERIES} 00000001").receipt_no == "00000001"
    assert collect_at(ws, village.households[1].no, expected_receipt="2").receipt_no == "00000002"


# ---------------------------------------------------------------- the collection window


def test_outside_the_window_is_refused_without_override(ws, village):
    hh = village.households[0]
    january = datetime(2027, 1, 5, 2, tzinfo=UTC)
    refused(ws, Refused, "不在征缴期（2026-09-01至2026-12-31）内", collect_at, ws, hh.no,
            now=january)
    # 2026-12-31 16:00 UTC is already 1 January in Beijing: the business date decides.
    refused(ws, Refused, "今天（2027-01-01）不在征缴期", collect_at, ws, hh.no,
            now=datetime(2026, 12, 31, 16, 0, tzinfo=UTC))
    assert collect_at(ws, hh.no, now=datetime(2026, 12, 31, 15, 59, tzinfo=UTC)).amount_fen
    # 1 September 00:00 in Beijing is the first minute of the window.
    assert collect_at(ws, village.households[1].no,
                      now=datetime(2026, 8, 31, 16, 0, tzinfo=UTC)).amount_fen


def test_override_reason_is_accepted_and_recorded(ws, village):
    hh = village.households[0]
    result = collect_at(ws, hh.no, now=datetime(2027, 1, 5, 2, tzinfo=UTC),
                        override_reason="  县医保局通知延期至1月10日 ")
    row = ws.conn.execute("SELECT override_reason, business_date FROM payments WHERE id = ?",
                          (result.payment_id,)).fetchone()
    assert row == ("县医保局通知延期至1月10日", "2027-01-05")
    event = ws.conn.execute("SELECT payload FROM journal WHERE type = 'payment.collected'"
                            ).fetchone()[0]
    assert "县医保局通知延期至1月10日" in event
    # A blank reason is no reason.
    refused(ws, Refused, "不在征缴期", collect_at, ws, village.households[1].no,
            now=datetime(2027, 1, 5, 2, tzinfo=UTC), override_reason="   ")


def _load_birth_year_policy(ws, year: int = 2026) -> None:
    policy = json.loads(POLICY_TWO_TIER.read_text("utf-8"))
    policy.update(campaign_year=year - 1, benefit_year=year,
                  collection={"start": f"{year - 1}-09-01", "end": f"{year - 1}-12-31"})
    policy["rules"]["refund_before"] = f"{year}-01-01"
    campaigns.load_policy(ws, policy, activate=False)


def test_newborn_within_3_months_is_accepted_outside_the_window(ws, village):
    _load_birth_year_policy(ws)
    hh = add_household(ws, "3404220019999", members=1)
    born = date(2026, 8, 1)
    baby = new_id_number(born)
    roster.add_person(ws, household_no=hh.no, name="新生儿", id_number=baby, relation="20")
    before_window = datetime(2026, 8, 20, 2, tzinfo=UTC)
    # The baby alone, as a newborn: accepted before the window opens, for its birth year.
    result = collect_at(ws, hh.no, members=[baby], now=before_window, newborn=True)
    assert result.amount_fen == 38000 and result.receipt_no == "00000001"
    assert (result.benefit_year, result.coverage_start) == (2026, "2026-08-01")
    # The parent is no newborn: refused on the same day.
    refused(ws, Refused, "不在征缴期", collect_at, ws, hh.no, members=[hh.members[0]],
            now=before_window)


def test_newborn_after_3_calendar_months_needs_the_window(ws, village):
    _load_birth_year_policy(ws)
    hh = add_household(ws, "3404220019998", members=0)
    roster.add_person(ws, household_no=hh.no, name="婴儿", id_type="91", id_number="P340000123",
                      birth_date=date(2026, 5, 31), relation="20")
    # Three calendar months after 31 May is 31 August, inclusive: 92 days, not 90.
    result = collect_at(ws, hh.no, members=["P340000123"], newborn=True,
                        now=datetime(2026, 8, 31, 2, tzinfo=UTC))
    assert result.lines[0].id_number == "P340000123"
    late = add_household(ws, "3404220019997", members=0)
    roster.add_person(ws, household_no=late.no, name="婴儿乙", id_type="91",
                      id_number="P340000124", birth_date=date(2026, 4, 30), relation="20")
    # Born 30 April: the window ends on 30 July; 31 July is one day late.
    refused(ws, Refused, "已过期限", collect_at, ws, late.no, members=["P340000124"],
            newborn=True, now=datetime(2026, 7, 31, 2, tzinfo=UTC))
    result = collect_at(ws, late.no, members=["P340000124"], newborn=True,
                        now=datetime(2026, 7, 30, 2, tzinfo=UTC))
    assert result.lines[0].id_number == "P340000124"


# ---------------------------------------------------------------- the roster


def test_bad_check_digit_is_refused_on_add_person(ws, village):
    hh = village.households[0]
    refused(ws, InvalidIdNumber, "身份证号校验码错误，应为X", roster.add_person, ws,
            household_no=hh.no, name="张三", id_number="110105194912310021")


def test_lower_case_x_is_accepted_and_stored_upper_case(ws, village):
    hh = village.households[0]
    added = roster.add_person(ws, household_no=hh.no, name="张三",
                              id_number="11010519491231002x")
    assert added["id_number"] == "11010519491231002X"
    stored = ws.conn.execute("SELECT id_number, sex, birth_date FROM persons WHERE id = ?",
                             (added["person_id"],)).fetchone()
    assert stored == ("11010519491231002X", 2, "1949-12-31")


def test_duplicate_active_id_number_is_refused(ws, village):
    first, second = village.households[0], village.households[1]
    msg = refused(ws, Refused, "同一证件不能重复登记", roster.add_person, ws,
                  household_no=second.no, name="重复", id_number=first.members[0].lower())
    assert f"已登记在户 {first.no}" in msg
    assert first.members[0] not in msg  # the number is masked in the message
    # Once the first holder has moved out the number may be registered again.
    roster.set_person_status(ws, first.members[0], "moved_out")
    roster.add_person(ws, household_no=second.no, name="迁入", id_number=first.members[0])


def test_collector_may_not_grant_categories_but_township_may(ws, village):
    hh = village.households[0]
    refused(ws, PermissionDenied, "只有财政所可以认定资助类别", roster.grant_category, ws,
            hh.members[0], "低保")
    refused(ws, PermissionDenied, "只有财政所可以认定资助类别", roster.add_person, ws,
            household_no=hh.no, name="李四", id_number=new_id_number(), categories=("低保",))
    with township(ws, PASSPHRASE) as tws:
        granted = roster.grant_category(tws, hh.members[0], "低保", source="民政局2026年名单")
    assert granted["category"] == "低保"
    row = ws.conn.execute("SELECT category, certified_by FROM person_categories").fetchone()
    assert row == ("低保", "王所长")
    assert _member_status(ws, hh.no, hh.members[0])["payable_fen"] == 23000


# ---------------------------------------------------------------- voids


def test_void_needs_a_reason(ws, village):
    collect_at(ws, village.households[0].no)
    refused(ws, ValidationError, "作废必须填写原因", books.void_receipt, ws, "00000001",
            reason="  ")


def test_void_of_a_voided_receipt_is_refused(ws, village):
    collect_at(ws, village.households[0].no)
    books.void_receipt(ws, "00000001", reason="打印错位", now=T0)
    refused(ws, Refused, f"票据 {SERIES} 00000001 已经作废", books.void_receipt, ws,
            "00000001", reason="再次作废", now=T0)
    books.void_receipt(ws, "00000002", reason="卡纸", now=T0)  # a blank form
    refused(ws, Refused, f"票据 {SERIES} 00000002 已经作废", books.void_receipt, ws,
            "00000002", reason="再次作废")


def test_void_of_an_unused_number_out_of_order_is_refused(ws, village):
    collect_at(ws, village.households[0].no)
    refused(ws, Refused, f"空白票据只能按顺序作废：下一张应为 {SERIES} 00000002，"
            f"不是 {SERIES} 00000005", books.void_receipt, ws, "00000005", reason="撕坏")
    blank = books.void_receipt(ws, "00000002", reason="撕坏", now=T0)
    assert blank["blank"] is True
    assert collect_at(ws, village.households[1].no).receipt_no == "00000003"


def test_blank_void_in_the_next_book_is_refused_while_the_current_one_has_numbers(ws):
    village = make_village(ws, households=1, book=(1, 5))
    books.register_book(ws, series=SERIES, first=101, last=200)
    collect_at(ws, village.households[0].no)
    assert next_receipt(ws).label == f"{SERIES} 00000002"
    refused(ws, Refused, f"空白票据只能按顺序作废：下一张应为 {SERIES} 00000002",
            books.void_receipt, ws, "00000101", reason="卡纸")


def test_lost_numbers_are_skipped_and_cannot_be_voided_or_lost_twice(ws, village):
    collect_at(ws, village.households[0].no)
    # The series as typed, with stray spaces, must still name the registered book.
    lost = books.mark_lost(ws, series=f" {SERIES} ", first=2, last=3, reason="被雨淋湿")
    assert lost["lost"] == 2
    assert ws.conn.execute("SELECT DISTINCT series FROM receipt_numbers").fetchall() == \
        [(SERIES,)]
    refused(ws, Refused, f"票据 {SERIES} 00000002 已登记遗失，不能作废", books.void_receipt, ws,
            "00000002", reason="作废")
    refused(ws, Refused, f"票号 {SERIES} 00000001 已使用，只有未用的票据可登记遗失",
            books.mark_lost, ws, series=SERIES, first=1, last=4, reason="遗失")
    refused(ws, ValidationError, "登记遗失必须填写情况说明", books.mark_lost, ws, series=SERIES,
            first=4, last=4, reason="")
    assert collect_at(ws, village.households[1].no).receipt_no == "00000004"
    summary = reconcile(ws)["books"][0]
    assert (summary["issued"], summary["lost"], summary["unused"]) == (2, 2, 96)
    assert verify_workspace(ws).ok


def test_voided_receipt_lets_the_household_pay_again_with_the_next_number(ws, village):
    hh = village.households[0]
    first = collect_at(ws, hh.no)
    assert cash_on_hand(ws) == 76000
    books.void_receipt(ws, first.receipt_no, reason="填错户", now=T0)
    assert cash_on_hand(ws) == 0
    assert _member_status(ws, hh.no, hh.members[0])["collectable"]
    again = collect_at(ws, hh.no, now=T0 + timedelta(minutes=5))
    assert again.receipt_no == "00000002"
    assert again.payment_id != first.payment_id
    assert cash_on_hand(ws) == 76000
    summary = reconcile(ws)["books"][0]
    assert (summary["issued"], summary["voided"], summary["amount_fen"]) == (1, 1, 76000)
    assert verify_workspace(ws).ok


# ---------------------------------------------------------------- refunds


def _refund(ws, receipt: str, id_number: str, *, now: datetime = T0 + timedelta(days=1)):
    return refunds.refund_line(ws, receipt_no=receipt, id_number=id_number, reason="employee",
                               now=now)


def test_refund_after_the_benefit_year_started_is_refused(ws, village):
    hh = village.households[0]
    collect_at(ws, hh.no)
    refused(ws, Refused, "待遇期已开始（2027-01-01 起），不能再退费", _refund, ws, "00000001",
            hh.members[0], now=datetime(2027, 1, 2, 2, tzinfo=UTC))
    # 16:30 UTC on 31 December is already 2027 in Beijing.
    refused(ws, Refused, "待遇期已开始", _refund, ws, "00000001", hh.members[0],
            now=datetime(2026, 12, 31, 16, 30, tzinfo=UTC))


def test_refund_of_a_voided_receipt_is_refused(ws, village):
    hh = village.households[0]
    collect_at(ws, hh.no)
    books.void_receipt(ws, "00000001", reason="填错户", now=T0)
    refused(ws, Refused, f"票据 {SERIES} 00000001 已作废，不能退费", _refund, ws, "00000001",
            hh.members[0])


def test_refund_twice_is_refused_and_the_receipt_can_no_longer_be_voided(ws, village):
    hh = village.households[0]
    collect_at(ws, hh.no)
    done = _refund(ws, "00000001", hh.members[0].lower())
    assert done.refund_fen == 38000
    assert cash_on_hand(ws) == 38000
    refused(ws, Refused, "的缴费已经退过", _refund, ws, "00000001", hh.members[0])
    refused(ws, Refused, "已有退费记录，不能再作废", books.void_receipt, ws, "00000001",
            reason="填错户")
    # Refunded as 参加职工医保, the member is employee-insured: not unpaid, not collected
    # again; the other one is still enrolled.
    assert not _member_status(ws, hh.no, hh.members[0])["collectable"]
    assert _member_status(ws, hh.no, hh.members[0])["status_label"] == "已参加职工医保"
    refused(ws, Refused, "已参加职工医保", collect_at, ws, hh.no, members=[hh.members[0]])
    assert not _member_status(ws, hh.no, hh.members[1])["collectable"]
    assert verify_workspace(ws).ok


# ---------------------------------------------------------------- cash


def test_deposit_over_cash_on_hand_is_refused(ws, village):
    collect_at(ws, village.households[0].no)
    collect_at(ws, village.households[1].no, method="wechat", method_ref="WX20261015001")
    msg = refused(ws, Refused, "缴存金额 ¥760.01 超过现金在手 ¥760.00", cash.record_deposit, ws,
                  amount_fen=76001, slip_no="B001", now=T0)
    assert "请核对" in msg
    done = cash.record_deposit(ws, amount_fen=76000, slip_no="B001", now=T0)
    assert done["on_hand_fen"] == 0


def test_duplicate_slip_number_is_refused(ws, village):
    collect_at(ws, village.households[0].no)
    cash.record_deposit(ws, amount_fen=10000, slip_no="B001", now=T0)
    refused(ws, Refused, "缴款单号 B001 已经登记过", cash.record_deposit, ws, amount_fen=10000,
            slip_no=" B001 ", now=T0)
    assert cash_on_hand(ws) == 66000


def test_daily_close_with_a_difference_needs_a_note(ws, village):
    collect_at(ws, village.households[0].no)
    refused(ws, ValidationError, "实点现金与账面相差 -¥100.00，请填写说明", cash.daily_close, ws,
            counted_fen=66000, now=T0)
    closed = cash.daily_close(ws, counted_fen=66000, note="找零少收 100 元，已向户主追回", now=T0)
    assert (closed["expected_fen"], closed["difference_fen"]) == (76000, -10000)
    row = ws.conn.execute("SELECT business_date, difference_fen, note FROM daily_closes"
                          ).fetchone()
    assert row == ("2026-10-15", -10000, "找零少收 100 元，已向户主追回")
    exact = cash.daily_close(ws, counted_fen=76000, now=T0)
    assert exact["difference_fen"] == 0


# ---------------------------------------------------------------- fees on the receipt


def test_fully_subsidised_household_uses_no_receipt_number(ws, village):
    hh = add_household(ws, "3404220018888", members=1)
    with township(ws, PASSPHRASE) as tws:
        roster.grant_category(tws, hh.members[0], "特困")
    before = next_receipt(ws)
    result = collect_at(ws, hh.no)
    assert result.receipt_no is None and result.amount_fen == 0
    assert result.amount_capitals == "零元整"
    assert result.to_dict()["lines"] == [{"id_number": hh.members[0], "name": "成员8880", "price_fen": 38000,
                                "subsidy_fen": 38000, "category": "特困", "payable_fen": 0}]
    assert next_receipt(ws) == before
    assert _member_status(ws, hh.no, hh.members[0])["status_label"] == "已参保"
    assert reconcile(ws)["books"][0]["issued"] == 0
    assert verify_workspace(ws).ok


def test_highest_single_subsidy_is_recorded_on_the_line(ws, village):
    hh = village.households[0]
    with township(ws, PASSPHRASE) as tws:
        roster.grant_category(tws, hh.members[0], "残疾")
        roster.grant_category(tws, hh.members[0], "低保")
        roster.grant_category(tws, hh.members[1], "监测对象")
    result = collect_at(ws, hh.no, tier="2")
    lines = {line.id_number: asdict(line) for line in result.lines}
    assert (lines[hh.members[0]]["category"], lines[hh.members[0]]["subsidy_fen"],
            lines[hh.members[0]]["payable_fen"]) == ("低保", 15000, 49000)
    # 监测对象 is 50 % of tier 1's local price, whatever tier the household chose.
    assert (lines[hh.members[1]]["category"], lines[hh.members[1]]["subsidy_fen"]) == \
        ("监测对象", 19000)
    assert result.amount_fen == expected_fee("2", categories=("低保", "残疾")) + \
        expected_fee("2", categories=("监测对象",)) == 94000
    stored = ws.conn.execute("SELECT category, subsidy_fen FROM payment_lines WHERE "
                             "id_number = ?", (hh.members[0],)).fetchone()
    assert stored == ("低保", 15000)
    assert result.amount_capitals == "玖佰肆拾元整"


def test_nonlocal_resident_pays_the_nonlocal_price(ws, village):
    hh = add_household(ws, "3404220017777", members=2, residence="nonlocal")
    result = collect_at(ws, hh.no)
    assert [line.price_fen for line in result.lines] == [50000, 50000]
    assert result.amount_fen == 100000
    assert result.amount_capitals == "壹仟元整"
    # Tier 2 has one price for everybody.
    other = add_household(ws, "3404220017778", members=1, residence="nonlocal")
    assert collect_at(ws, other.no, tier="2").amount_fen == 64000


def test_masked_number_in_messages_never_shows_the_full_id(ws, village):
    hh = village.households[0]
    collect_at(ws, hh.no)
    msg = refused(ws, Exception, "中没有证件号码", _refund, ws, "00000001", new_id_number())
    assert re.search(r"\d{6}\*{8}\d{3}[\dX]", msg)
