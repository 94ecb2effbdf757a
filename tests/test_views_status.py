"""The read models behind the status bar, the progress page and the roster's household
(app.services.views.status, app.services.views.households), against a small village built
with the services — no window.

Two households: 王建国's (three members, 李秀英 on 低保) collected in cash on 皖医保 00012001,
not printed yet; 吴斌's in 二组 not collected.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from app.domain.errors import Refused, ValidationError
from app.domain.idcard import make_id_number
from app.domain.roster import ID_BIRTH_CERTIFICATE, ID_RESIDENT
from app.services.base.common import business_date, utc_now
from app.services.demo.village import demo_policy
from app.services.views.households import certificate_check, household_detail
from app.services.views.status import campaign_summary, progress, status_snapshot, township_status
from app.services.village.books import mark_printed, register_book
from app.services.village.campaigns import load_policy
from app.services.village.collect import collect_household
from app.services.village.roster import add_household, add_person, record_certified_category
from db.connection import tx

WANG = make_id_number("340422", date(1968, 3, 12), 211)
LI = make_id_number("340422", date(1970, 5, 2), 428)
WANG_LEI = make_id_number("340422", date(1995, 9, 30), 133)
WU = make_id_number("340422", date(1980, 7, 7), 517)


def _roster(ws: Any, *, categories: bool = True) -> None:
    for household_no, head, group, members in (
            ("3404220010001", "王建国", "一组", [("王建国", WANG, "02"), ("李秀英", LI, "10"),
                                                ("王磊", WANG_LEI, "20")]),
            ("3404220010003", "吴斌", "二组", [("吴斌", WU, "02")])):
        add_household(ws, household_no=household_no, head_name=head, group=group,
                      phone="13905640001")
        for name, id_number, relation in members:
            pid = add_person(ws, household_no=household_no, name=name, id_number=id_number,
                             relation=relation)["person_id"]
            if name == "李秀英" and categories:  # checked against the campaign's policy
                with tx(ws.conn):
                    record_certified_category(ws, pid, "低保", source="民政", certified_by="民政")


@pytest.fixture
def village(ws: Any) -> Any:
    load_policy(ws, demo_policy(utc_now()))
    _roster(ws)
    register_book(ws, series="皖医保", first=12001, last=12100)
    collect_household(ws, household_no="3404220010001", tier_code="1")
    return ws


def test_campaign_summary_names_the_campaign_and_its_tiers(village):
    campaign = campaign_summary(village)
    today = business_date(utc_now())
    assert (campaign["start"], campaign["end"]) == (today - timedelta(days=60),
                                                    today + timedelta(days=60))
    assert campaign["year_label"] in campaign["label"]
    assert [(t["code"], t["name"], t["local_fen"]) for t in campaign["tiers"]] == [
        ("1", "一档", 38000), ("2", "二档", 64000)]


def test_before_any_policy_there_is_no_campaign_and_no_progress(ws):
    assert campaign_summary(ws) is None
    snap = status_snapshot(ws)
    assert (snap["campaign"], snap["next_receipt"], snap["pending_prints"]) == (None, None, [])
    with pytest.raises(Refused, match="征缴年度"):
        progress(ws)


def test_status_snapshot_shows_next_form_cash_and_what_is_not_printed(village):
    snap = status_snapshot(village)
    assert (snap["user"], snap["role"]) == ("李会计", "collector")
    assert snap["next_receipt"] == {"label": "皖医保 00012002", "series": "皖医保",
                                    "number": "00012002", "remaining": 99}
    paid = 38000 + (38000 - 15000) + 38000  # 李秀英's 低保 subsidy
    assert snap["cash"]["on_hand_fen"] == paid
    assert [r["label"] for r in snap["pending_prints"]] == ["皖医保 00012001"]
    assert "sync" not in snap  # the status bar asks the county link itself
    mark_printed(village, "00012001")
    assert status_snapshot(village)["pending_prints"] == []


def test_progress_counts_groups_and_prices_the_households_still_to_visit(village):
    today = business_date(utc_now())
    data = progress(village, on=today)
    assert [(g["group"], g["enrolled"], g["persons"]) for g in data["groups"]] == [
        ("一组", 3, 3), ("二组", 0, 1)]
    assert (data["persons"], data["enrolled"], data["households"]) == (4, 3, 2)
    assert data["collected_fen"] == 99000
    assert (data["days_left"], data["today"], data["tier_name"]) == (60, today, "一档")
    [unpaid] = data["unpaid_households"]
    assert (unpaid["household_no"], unpaid["payable_fen"]) == ("3404220010003", 38000)
    assert progress(village, on=today + timedelta(days=61))["days_left"] == -1


def test_household_detail_masks_ids_and_shows_categories_and_enrolment(village):
    detail = household_detail(village, "3404220010001")
    assert (detail["household_no"], detail["head_name"], detail["group"]) == (
        "3404220010001", "王建国", "一组")
    members = {m["name"]: m for m in detail["members"]}
    assert set(members) == {"王建国", "李秀英", "王磊"}
    li = members["李秀英"]
    assert li["id_masked"] != LI and li["id_masked"][:6] == LI[:6]
    assert (li["category_names"], members["王磊"]["category_names"]) == ("低保", "")
    assert all(m["enrolment"]["state"] == "enrolled" for m in members.values())
    [wu] = household_detail(village, "3404220010003")["members"]
    assert wu["enrolment"]["state"] == "not_enrolled"


def test_household_detail_before_any_campaign_has_no_enrolments(ws):
    _roster(ws, categories=False)
    detail = household_detail(ws, "3404220010003")
    assert [m["enrolment"] for m in detail["members"]] == [None]


def test_certificate_check_names_who_already_holds_the_number(village):
    held = certificate_check(village, ID_RESIDENT, LI)
    assert (held["id_number"], held["sex"]) == (LI, 2)
    assert held["holders"] == [{"household_no": "3404220010001", "name": "李秀英"}]
    new = make_id_number("340422", date(2001, 1, 1), 111)
    assert certificate_check(village, ID_RESIDENT, new)["holders"] == []
    birth = certificate_check(village, ID_BIRTH_CERTIFICATE, "P340000123", sex=1,
                              birth_date=date(2026, 1, 2))
    assert (birth["id_type"], birth["holders"]) == (ID_BIRTH_CERTIFICATE, [])
    with pytest.raises(ValidationError):
        certificate_check(village, ID_RESIDENT, WANG[:-1] + ("0" if WANG[-1] != "0" else "1"))


def test_township_status_counts_what_its_pages_list(ws):
    report = {"devices": [{"village": "3404220010"}, {"village": "3404220010"},
                          {"village": "3404220020"}],
              "problems": [{"kind": "deposit_without_credit"}, {"kind": "gap"},
                           {"kind": "deposit_without_credit"}]}
    books = [{"settled_at": None}, {"settled_at": "2026-10-01T08:00:00+00:00"},
             {"settled_at": None}]
    snap = township_status(ws, report=report, books=books)
    assert (snap["villages"], snap["devices"]) == (2, 3)
    assert (snap["books_issued"], snap["books_unsettled"]) == (3, 2)
    assert snap["deposits_without_credit"] == 2
    assert snap["problems"] == report["problems"]
    assert snap["campaign"] is None
