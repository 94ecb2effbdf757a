"""Read-only listings (app.services.views.listings) against a small village built with the services.

Three households in two groups; 王建国's household (three members, one on 低保) is collected
on 皖医保 00012001 and printed, 吴斌 on 00012002 (never printed), 张伟 on 00012003, voided;
the next blank form 00012004 is spoiled; 李秀英 is refunded; one deposit and one daily close.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from app.domain.errors import NotFound
from app.domain.idcard import make_id_number
from app.services.base.common import business_date, utc_now
from app.services.demo.village import demo_policy
from app.services.views import listings
from app.services.village.books import mark_lost, mark_printed, register_book, void_receipt
from app.services.village.campaigns import load_policy
from app.services.village.cash import daily_close, record_deposit
from app.services.village.collect import collect_household
from app.services.village.refunds import refund_line
from app.services.village.roster import add_household, add_person, record_certified_category
from db.connection import tx

WANG = make_id_number("340422", date(1968, 3, 12), 211)
LI = make_id_number("340422", date(1970, 5, 2), 428)
WANG_LEI = make_id_number("340422", date(1995, 9, 30), 133)
WU = make_id_number("340422", date(1980, 7, 7), 517)
ZHANG = make_id_number("340422", date(1990, 2, 14), 619)
ZHAO = make_id_number("340422", date(1985, 4, 4), 731)

VILLAGE = (
    ("3404220010001", "王建国", "一组", [("王建国", WANG, "02"), ("李秀英", LI, "10"),
                                        ("王磊", WANG_LEI, "20")]),
    ("3404220010003", "吴斌", "二组", [("吴斌", WU, "02")]),
    ("3404220010004", "张伟", "十组", [("张伟", ZHANG, "02"), ("赵敏", ZHAO, "10")]),
)


@pytest.fixture
def village(ws: Any) -> Any:
    load_policy(ws, demo_policy(utc_now()))
    for household_no, head, group, members in VILLAGE:
        add_household(ws, household_no=household_no, head_name=head, group=group)
        for name, id_number, relation in members:
            pid = add_person(ws, household_no=household_no, name=name, id_number=id_number,
                             relation=relation)["person_id"]
            if name == "李秀英":
                with tx(ws.conn):
                    record_certified_category(ws, pid, "低保", source="民政", certified_by="民政")
    register_book(ws, series="皖医保", first=12001, last=12100)
    collect_household(ws, household_no="3404220010001", tier_code="1")
    mark_printed(ws, "00012001")
    collect_household(ws, household_no="3404220010003", tier_code="1")
    collect_household(ws, household_no="3404220010004", tier_code="1", members=[ZHANG])
    mark_printed(ws, "00012003")
    void_receipt(ws, "00012003", reason="填错户")
    void_receipt(ws, "00012004", reason="卡纸")
    mark_lost(ws, series="皖医保", first=12100, last=12100, reason="被雨淋湿")
    refund_line(ws, receipt_no="00012001", id_number=LI, reason="duplicate")
    record_deposit(ws, amount_fen=50000, slip_no="BANK-1")
    daily_close(ws, counted_fen=10000, note="点错了")
    return ws


def test_receipts_newest_first_with_states_and_details(village):
    rows = listings.list_receipts(village)
    assert [r["number"] for r in rows][:2] == ["00012100", "00012004"]
    by_no = {r["number"]: r for r in rows}
    assert set(by_no) == {"00012001", "00012002", "00012003", "00012004", "00012100"}
    first = by_no["00012001"]
    assert (first["label"], first["state"], first["payer"], first["household_no"],
            first["method"], first["pending_print"]) == (
        "皖医保 00012001", "issued", "王建国", "3404220010001", "cash", False)
    assert first["amount_fen"] == 38000 + 23000 + 38000
    assert first["time"].utcoffset() == timedelta(hours=8)
    assert by_no["00012002"]["pending_print"] is True
    assert (by_no["00012003"]["state"], by_no["00012003"]["void_reason"]) == ("voided", "填错户")
    assert (by_no["00012004"]["state"], by_no["00012004"]["void_reason"]) == ("voided", "卡纸")
    assert (by_no["00012100"]["state"], by_no["00012100"]["void_reason"]) == ("lost", "被雨淋湿")
    assert by_no["00012003"]["pending_print"] is False


def test_receipt_filters(village):
    def numbers(**kw: Any) -> list[str]:
        return sorted(r["number"] for r in listings.list_receipts(village, **kw))

    assert numbers(state="issued") == ["00012001", "00012002"]
    assert numbers(state="pending") == ["00012002"]
    assert numbers(state="voided") == ["00012003", "00012004"]
    assert numbers(state="lost") == ["00012100"]
    assert numbers(text="吴") == ["00012002"]
    assert numbers(text="0010004") == ["00012003"]
    assert numbers(text="12004") == ["00012004"]
    assert numbers(series="别的") == []
    today = business_date(utc_now())
    assert len(numbers(day=today)) == 5
    assert numbers(day=today - timedelta(days=1)) == []
    assert len(listings.list_receipts(village, limit=2)) == 2
    with pytest.raises(ValueError):
        listings.list_receipts(village, state="printed")


def test_households_and_groups(village):
    rows = listings.list_households(village)
    assert [r["household_no"] for r in rows] == ["3404220010001", "3404220010003",
                                                 "3404220010004"]
    assert rows[0]["members"] == 3 and rows[0]["head_name"] == "王建国"
    assert [r["household_no"] for r in listings.list_households(village, group="二组")] == [
        "3404220010003"]


def test_progress_by_group_counts_and_money(village):
    groups = listings.progress_by_group(village)
    assert [g["group"] for g in groups] == ["一组", "二组", "十组"]
    one, two, ten = groups
    # 李秀英 was refunded as 重复参保: her enrolment ended and her money returned; she counts
    # as enrolled elsewhere, not as unpaid, so nobody chases her.
    assert (one["households"], one["persons"], one["enrolled"], one["elsewhere"],
            one["unpaid"], one["subsidised"], one["amount_fen"]) == (1, 3, 2, 1, 0, 1, 76000)
    assert (two["enrolled"], two["unpaid"], two["amount_fen"]) == (1, 0, 38000)
    # 张伟's receipt was voided: nobody in 十组 is enrolled and nothing counts.
    assert (ten["persons"], ten["enrolled"], ten["unpaid"], ten["amount_fen"]) == (2, 0, 2, 0)
    unpaid = listings.unpaid_households(village)
    assert [(u["household_no"], u["unpaid"]) for u in unpaid] == [
        ("3404220010004", 2)]


def test_refund_candidates_show_full_numbers_and_refunds(village):
    lines = listings.refund_candidates(village, "00012001")
    assert [(c["name"], c["id_number"], c["refunded"]) for c in lines] == [
        ("王建国", WANG, False), ("李秀英", LI, True), ("王磊", WANG_LEI, False)]
    assert lines[1]["refund_reason"] == "duplicate" and lines[1]["payable_fen"] == 23000
    with pytest.raises(NotFound):
        listings.refund_candidates(village, "00012050")


def test_cash_histories(village):
    deposits = listings.deposit_history(village)
    assert [(d["slip_no"], d["amount_fen"], d["actor"]) for d in deposits] == [
        ("BANK-1", 50000, "李会计")]
    closes = listings.daily_close_history(village)
    assert len(closes) == 1
    close = closes[0]
    assert close["counted_fen"] - close["expected_fen"] == close["difference_fen"]
    assert close["note"] == "点错了"


def test_group_order_reads_chinese_numbers():
    names = ["十二组", "二组", "3组", "十组", "其他"]
    assert sorted(names, key=listings.group_order) == ["二组", "3组", "十组", "十二组", "其他"]
