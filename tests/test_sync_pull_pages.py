"""A roster pull at database speed: a page of households is one journal event, not one per
household and person, and still every change is journaled, checked and verifiable.

The appliers run on pages built by hand (``apply_page``) for the rules, and against the real
county server (``sync_now``) for the whole trip with its progress.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.services.exchange import county
from app.services.exchange.county import SyncProgress, sync_now
from app.services.exchange.county_checks import check_page
from app.services.exchange.feed import SyncTally, apply_page
from app.services.upkeep.verify import verify_workspace
from app.services.village.campaigns import load_policy
from sync.protocol import PullPage
from tests.test_sync_support import (
    FAST_RETRY,
    POLICY,
    CountyServer,
    enrol,
    new_village,
    opened,
    publish_county_data,
)

VILLAGE = "3404220010"  # tests/conftest.py's database
WANG = {"name": "王建国", "id_number": "340422196503120211", "relation": "02", "sex": 1,
        "birth_date": "1965-03-12"}
LI = {"name": "李秀英", "id_number": "11010519491231002X", "relation": "10"}


def _page(cursor: int, households: list[dict[str, Any]], *, more: bool = False) -> PullPage:
    items = [{"seq": cursor + i, "kind": "household", "data": hh}
             for i, hh in enumerate(households, 1)]
    return PullPage.model_validate({"cursor_from": cursor, "next_cursor": cursor + len(items),
                                    "more": more, "items": items,
                                    "server_time": "2026-10-15T02:00:00+00:00"})


def _apply(ws: Any, page: PullPage) -> SyncTally:
    tally = SyncTally()
    apply_page(ws, page, check_page(page, page.cursor_from), tally)
    return tally


def _events(ws: Any, type_: str) -> list[dict[str, Any]]:
    return [json.loads(p) for (p,) in ws.conn.execute(
        "SELECT payload FROM journal WHERE type = ? ORDER BY seq", (type_,))]


def _types_after(ws: Any, seq: int) -> list[str]:
    return [t for (t,) in ws.conn.execute("SELECT type FROM journal WHERE seq > ? ORDER BY seq",
                                          (seq,))]


def _head(ws: Any) -> int:
    return int(ws.conn.execute("SELECT max(seq) FROM journal").fetchone()[0])


def test_a_page_of_households_is_one_roster_event_with_every_row(ws):
    load_policy(ws, POLICY)
    before = _head(ws)
    tally = _apply(ws, _page(0, [
        {"household_no": "3404220010001", "head_name": "王建国", "group": "一组",
         "persons": [{**WANG, "categories": [{"category": "低保", "source": "民政"}]}, LI]},
        {"household_no": "3404220010002", "head_name": "张三", "persons": []}]))
    assert (tally.pulled, tally.applied, tally.skipped) == (2, 2, 0)
    # One event for the page's roster and one for the page itself, nothing per person.
    assert _types_after(ws, before) == ["roster.imported", "sync.pulled"]
    [event] = _events(ws, "roster.imported")
    assert {h["household_no"] for h in event["households"]} == {"3404220010001",
                                                                "3404220010002"}
    assert {p["id_number"] for p in event["persons"]} == {WANG["id_number"], LI["id_number"]}
    assert [c["category"] for c in event["categories"]] == ["低保"]
    assert event["via"] == "sync" and (event["cursor_from"], event["cursor_to"]) == (0, 2)
    rows = ws.conn.execute("SELECT p.name, p.initials, h.household_no, p.sex, p.birth_date "
                           "FROM persons p JOIN households h ON h.id = p.household_id "
                           "ORDER BY p.name").fetchall()
    assert rows == [("李秀英", "lxy", "3404220010001", 2, "1949-12-31"),
                    ("王建国", "wjg", "3404220010001", 1, "1965-03-12")]
    assert ws.conn.execute("SELECT certified_by FROM person_categories").fetchall() == [
        ("县医保",)]
    assert verify_workspace(ws).ok


def test_a_changed_roster_updates_moves_and_ends_people_in_one_event(ws):
    load_policy(ws, POLICY)
    _apply(ws, _page(0, [{"household_no": "3404220010001", "head_name": "王建国",
                          "persons": [WANG, LI]},
                         {"household_no": "3404220010002", "head_name": "张三", "persons": []}]))
    before = _head(ws)
    tally = _apply(ws, _page(2, [
        {"household_no": "3404220010001", "head_name": "王建国",
         "persons": [{**WANG, "phone": "13905640001", "status": "deceased"}]},
        {"household_no": "3404220010002", "head_name": "张三", "group": "二组",
         "persons": [LI]}]))
    assert (tally.applied, tally.skipped) == (2, 0)
    assert _types_after(ws, before) == ["household.updated", "roster.imported", "sync.pulled"]
    [_, event] = _events(ws, "roster.imported")
    changes = {u["person_id"]: u["changes"] for u in event["updates"]}
    assert sorted(map(sorted, changes.values())) == [["household_no"], ["phone", "status"]]
    assert ws.conn.execute("SELECT status, phone FROM persons WHERE name = '王建国'"
                           ).fetchone() == ("deceased", "13905640001")
    assert ws.conn.execute("SELECT h.household_no, h.grp FROM persons p JOIN households h "
                           "ON h.id = p.household_id WHERE p.name = '李秀英'"
                           ).fetchone() == ("3404220010002", "二组")
    # The same page again changes nothing and journals nothing but the page.
    again = _head(ws)
    _apply(ws, _page(4, [{"household_no": "3404220010002", "head_name": "张三",
                          "group": "二组", "persons": [LI]}]))
    assert _types_after(ws, again) == ["sync.pulled"]
    assert verify_workspace(ws).ok


def test_what_the_rules_refuse_is_skipped_and_named_the_rest_applied(ws):
    load_policy(ws, POLICY)
    tally = _apply(ws, _page(0, [
        {"household_no": "3404220010001", "head_name": "王建国", "persons": [
            {**WANG, "categories": [{"category": "县长亲戚"}]},
            {"name": "李四", "id_number": "110105194912310021"}]},  # check character wrong
        {"household_no": "34042200/1", "head_name": "赵六", "persons": [LI]},
        {"household_no": "3404220010003", "head_name": "钱七", "persons": [
            {"name": "钱七", "id_number": WANG["id_number"]}]}]))  # Wang's, already active
    assert tally.pulled == 3 and tally.skipped == 3
    problems = " ".join(tally.problems)
    assert "县长亲戚" in problems and "户号" in problems and "110105********0021" in problems
    # Wang's certificate under another name in a third household is the same person moved
    # and renamed, as the county's roster says (one person, never two active holders).
    assert ws.conn.execute("SELECT h.household_no, p.name FROM persons p JOIN households h "
                           "ON h.id = p.household_id").fetchall() == [("3404220010003", "钱七")]
    [pulled] = _events(ws, "sync.pulled")
    assert len(pulled["skipped"]) == 3
    assert _events(ws, "roster.imported")[0]["rejected"] == 3


def test_a_tampered_page_event_is_caught_by_verify(ws):
    load_policy(ws, POLICY)
    _apply(ws, _page(0, [{"household_no": "3404220010001", "head_name": "王建国",
                          "persons": [WANG]}]))
    seq = ws.conn.execute("SELECT seq FROM journal WHERE type = 'roster.imported'"
                          ).fetchone()[0]
    ws.conn.execute("DROP TRIGGER journal_no_update")
    ws.conn.execute("UPDATE journal SET payload = replace(payload, '王建国', '王建军') "
                    "WHERE seq = ?", (seq,))
    report = verify_workspace(ws)
    assert not report.ok and report.first_bad_seq == seq


@pytest.fixture
def county_server(tmp_path):
    server = CountyServer(f"sqlite:///{tmp_path / 'county.db'}", tmp_path / "county").start()
    yield server
    server.stop()


def test_a_roster_pull_journals_a_few_events_and_reports_progress(county_server, tmp_path,
                                                                  monkeypatch):
    # Small pages and groups, so the roster takes several of each.
    monkeypatch.setattr(county, "PULL_PAGE", 40)
    monkeypatch.setattr(county, "PULL_GROUP_ITEMS", 100)
    roster = publish_county_data(county_server, tmp_path, village=VILLAGE, households=150,
                                 seed=5)
    persons = sum(len(hh["persons"]) for hh in roster["households"])
    steps: list[SyncProgress] = []
    with opened(new_village(tmp_path, "v", VILLAGE)) as ws:
        enrol(ws, county_server, VILLAGE)
        result = sync_now(ws, retry=FAST_RETRY, progress=steps.append)
        assert result["pending"] == 0 and result["skipped"] == 0, result
        assert ws.conn.execute("SELECT count(*) FROM persons").fetchone()[0] == persons
        pages = _events(ws, "sync.pulled")
        assert len(pages) == 4  # policy, book and 150 households at 40 a page
        assert [(p["cursor_from"], p["cursor_to"]) for p in pages[1:]] == [
            (pages[0]["cursor_to"], pages[1]["cursor_to"]),
            (pages[1]["cursor_to"], pages[2]["cursor_to"]),
            (pages[2]["cursor_to"], pages[3]["cursor_to"])]
        assert len(_events(ws, "roster.imported")) == 4
        assert not _events(ws, "person.added") and not _events(ws, "household.added")
        # Everything the pull journaled went back up: a handful of events, not thousands.
        assert result["pushed"] < 20
        assert verify_workspace(ws).ok
        # The county reloads the same roster with one household changed: only that one
        # comes down again.
        roster["households"][7]["phone"] = "13900000000"
        path = tmp_path / "roster-again.json"
        path.write_text(json.dumps(roster, ensure_ascii=False), encoding="utf-8")
        assert county_server.admin("load-roster", str(path))["unchanged"] == 149
        again = sync_now(ws, retry=FAST_RETRY)
        assert (again["pulled"], again["applied"]) == (1, 1)
        assert ws.conn.execute("SELECT phone FROM households WHERE household_no = ?",
                               (roster["households"][7]["household_no"],)
                               ).fetchone() == ("13900000000",)
    pulls = [s for s in steps if s.stage == "pull"]
    assert [s.pages for s in pulls] == [3, 4]  # two groups of about 100 items
    assert pulls[-1].done == result["pulled"] and all(s.total is None for s in pulls)
    assert steps[-1].stage == "push" and steps[-1].done == steps[-1].total
