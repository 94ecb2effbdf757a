"""County lists by file or sync (issue 16, items 1–2): online payments, the employee-insured,
duplicate feedback and subsidy lists land in one place, and nobody they cover is collected."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.errors import PermissionDenied, Refused, ValidationError
from app.services.exchange import feed
from app.services.township.county_lists import import_county_list_at_township
from app.services.village import books, campaigns, roster
from app.services.village.collect import collect_household, household_fees
from app.services.village.county_lists import county_lists, detect_kind, import_county_list
from app.sheets.columns import COUNTY_LIST
from sync.protocol import ExternalPaymentData, HouseholdData, PersonData
from tests.conftest import PASSPHRASE, run_cli
from tests.helpers_ledger import POLICY_TWO_TIER, T0, new_id_number, snapshot, township

DATA = Path(__file__).resolve().parent / "data"
ONLINE, EMPLOYEE = DATA / "county-online.csv", DATA / "county-employee.csv"
DUPLICATES, CATEGORIES = DATA / "county-duplicates.csv", DATA / "county-categories.csv"
# The people the sample lists name (tests/data/county-*.csv), in three households.
HOUSEHOLDS = {
    "3404220010001": [("王建国", "340422196503120211", "户主"), ("李秀英", "340422196807050427", "配偶")],
    "3404220010002": [("赵德福", "340422194001010312", "户主")],
    "3404220010003": [("陈志强", "34042219750615055X", "户主"), ("刘芳", "340422197709090665", "配偶")],
}


def _village(ws) -> None:
    campaigns.load_policy(ws, POLICY_TWO_TIER)
    books.register_book(ws, series="皖医保", first=1, last=50)
    for no, people in HOUSEHOLDS.items():
        roster.add_household(ws, household_no=no, head_name=people[0][0], group="一组")
        for name, number, relation in people:
            roster.add_person(ws, household_no=no, name=name, id_number=number, relation=relation)


def _member(ws, household_no: str, number: str) -> dict:
    fees = household_fees(ws, household_no, "1", on=T0.date())
    return next(m for m in fees["members"] if m["id_number"] == number)


@pytest.fixture
def village(ws):
    _village(ws)
    return ws


def test_an_offline_village_loads_an_online_file_and_cannot_collect_those_people(village):
    ws = village
    done = import_county_list(ws, ONLINE)
    assert done.to_dict() == {"kind": "online", "rows": 2, "new": 2, "unchanged": 0,
                              "rejected": []}
    paid = _member(ws, "3404220010001", "340422196503120211")
    assert not paid["collectable"]
    assert paid["status_label"] == "已通过其他渠道缴费（税务app 2026-10-03）"
    assert _member(ws, "3404220010001", "340422196807050427")["collectable"]
    before = snapshot(ws)
    with pytest.raises(Refused) as info:
        collect_household(ws, household_no="3404220010001", tier_code="1",
                          members=["340422196503120211"], now=T0)
    assert "王建国已通过其他渠道缴费" in info.value.message
    assert "来源：线上缴费名单“county-online.csv”" in info.value.message
    assert snapshot(ws) == before
    # By default only the member the list does not cover is charged.
    result = collect_household(ws, household_no="3404220010001", tier_code="1", now=T0)
    assert [line.id_number for line in result.lines] == ["340422196807050427"]
    with pytest.raises(Refused, match="没有需要缴费的成员"):
        collect_household(ws, household_no="3404220010002", tier_code="1", now=T0)


@pytest.mark.parametrize(("path", "household", "number", "label", "source"), [
    (EMPLOYEE, "3404220010003", "34042219750615055X", "职工医保", "职工医保参保名单“county-employee.csv”"),
    (DUPLICATES, "3404220010003", "340422197709090665", "已在别处参保（合肥市蜀山区）",
     "重复参保反馈“county-duplicates.csv”"),
])
def test_the_employee_list_and_duplicate_feedback_do_the_same(village, path, household, number,
                                                             label, source):
    ws = village
    assert import_county_list(ws, path).new == 1
    member = _member(ws, household, number)
    assert (member["collectable"], member["status_label"]) == (False, label)
    before = snapshot(ws)
    with pytest.raises(Refused) as info:
        collect_household(ws, household_no=household, tier_code="1", members=[number], now=T0)
    assert label in info.value.message and source in info.value.message
    assert snapshot(ws) == before
    other = next(n for _, n, _ in HOUSEHOLDS[household] if n != number)
    assert _member(ws, household, other)["collectable"]


def test_reimport_is_a_no_op(village):
    ws = village
    for path in (ONLINE, EMPLOYEE, DUPLICATES):
        import_county_list(ws, path)
    before = snapshot(ws)
    for path, rows in ((ONLINE, 2), (EMPLOYEE, 1), (DUPLICATES, 1)):
        again = import_county_list(ws, path)
        assert (again.new, again.unchanged, again.rejected) == (0, rows, [])
    assert snapshot(ws) == before
    held = county_lists(ws)
    assert sorted((x["kind"], x["source"], x["entries"]) for x in held) == [
        ("duplicates", "county-duplicates.csv", 1), ("employee", "county-employee.csv", 1),
        ("online", "county-online.csv", 2)]
    assert {x["received_on"] for x in held} and all(x["via"] == "file" for x in held)
    # One journal event per import, with counts, not one per person.
    events = ws.conn.execute("SELECT count(*) FROM journal WHERE type = 'county_list.imported'")
    assert events.fetchone()[0] == 3


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    sheet = wb.active
    for row in rows:
        sheet.append(row)
    wb.save(path)
    return path


def test_a_bad_row_is_named_with_its_column(village, tmp_path):
    ws = village
    path = _xlsx(tmp_path / "线上缴费.xlsx", [
        ["皖事通缴费明细"],
        ["序号", "身份证号", "参保人姓名", "缴费年度", "缴费渠道", "缴费金额", "缴费时间"],
        [1, "340422196503120211", "王建国", 2027, "皖事通", 380, "2026-10-03"],
        [2, "340422196503120212", "王某", 2027, "皖事通", 380, "2026-10-03"],
        [3, "340422194001010312", "赵德福", "明年", "皖事通", 380, "2026-10-03"],
        [4, "34042219750615055X", "陈志强", 2027, "皖事通", "-5", "2026-10-03"],
        [5, "340422197709090665", "刘芳", 2027, "皖事通", 380, "十月三日"],
        [6, "340422196807050427", "", 2027, "皖事通", 380, "2026-10-03"],
    ])
    done = import_county_list(ws, path)
    assert (done.kind, done.rows, done.new, done.unchanged) == ("online", 6, 1, 0)
    assert [(r.row, r.column) for r in done.rejected] == [
        (4, "证件号码"), (5, "年度"), (6, "金额"), (7, "时间"), (8, "姓名")]
    assert all(r.reason for r in done.rejected)


@pytest.mark.parametrize(("path", "kind"), [(ONLINE, "online"), (EMPLOYEE, "employee"),
                                            (DUPLICATES, "duplicates"),
                                            (CATEGORIES, "categories")])
def test_the_kind_is_told_from_the_header(path, kind):
    from app.sheets.reader import read_table

    assert detect_kind(read_table(path, layout=COUNTY_LIST).columns) == kind


def test_an_unknown_kind_or_unreadable_file_is_one_chinese_message(village, tmp_path):
    ws = village
    plain = tmp_path / "名单.csv"
    plain.write_text("证件号码,姓名\n340422196503120211,王建国\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="无法从表头判断名单类型"):
        import_county_list(ws, plain)
    assert import_county_list(ws, plain, kind="employee").rejected[0].column == "年度"
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"%PDF-1.4 not a sheet")
    with pytest.raises(ValidationError, match="不是可识别的电子表格"):
        import_county_list(ws, junk)
    missing = tmp_path / "缺列.csv"
    missing.write_text("证件号码,姓名,金额\n340422196503120211,王建国,380\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="缺少必需的列：年度、渠道"):
        import_county_list(ws, missing)


def test_subsidy_lists_are_the_townships_and_the_township_imports_every_kind(village):
    ws = village
    before = snapshot(ws)
    with pytest.raises(PermissionDenied, match="财政所"):
        import_county_list(ws, CATEGORIES)
    with pytest.raises(PermissionDenied):
        import_county_list(ws, CATEGORIES, kind="categories")
    assert snapshot(ws) == before
    with township(ws, PASSPHRASE) as tws:
        done = import_county_list_at_township(tws, CATEGORIES)
        assert (done.kind, done.new, done.rejected) == ("categories", 1, [])
        assert import_county_list_at_township(tws, ONLINE).new == 2
        assert import_county_list_at_township(tws, CATEGORIES).unchanged == 1
        fund = tws.conn.execute("SELECT category, fund, valid_to, village FROM "
                                "county_list_entries WHERE kind = 'categories'").fetchall()
        assert [tuple(r) for r in fund] == [("低保", "医疗救助", "2027-12-31", "3404220010")]
        # Certified once (认定), as the township's own certifications, to reach the village.
        certified = tws.conn.execute("SELECT id_number, category, department, village FROM "
                                     "tw_certifications").fetchall()
        assert [tuple(r) for r in certified] == [
            ("340422196807050427", "低保", "民政", "3404220010")]
        # A person no village holds, with no 村 column, is a rejected row, not stored.
        stray = Path(tws.path).parent / "stray.csv"
        stray.write_text("证件号码,姓名,类别,资金渠道\n340422194001010312,赵德福,特困,财政\n",
                         encoding="utf-8")
        refused = import_county_list_at_township(tws, stray)
        assert (refused.new, [(r.row, r.column) for r in refused.rejected]) == (0, [(2, "村")])
        assert import_county_list_at_township(tws, stray).new == 0


def test_sync_fed_items_show_the_same_way_and_agree_with_the_file(village):
    ws = village
    paid = ExternalPaymentData(payment_id=str(uuid.uuid4()), campaign_year=2026,
                               id_number="340422196503120211", channel="税务app",
                               paid_at="2026-10-03T02:15:00+00:00", amount_fen=38000)
    employee = HouseholdData(household_no="3404220010003", head_name="陈志强", group="一组",
                             persons=[PersonData(name="陈志强", id_number="34042219750615055X",
                                                 relation="02", status="employee_insured"),
                                      PersonData(name="刘芳", id_number="340422197709090665",
                                                 relation="10")])
    with ws.conn:
        applied, skipped = feed.apply_items(ws, [(1, "external_payment", paid),
                                                 (2, "household", employee)])
    assert skipped == [] and applied == 2
    assert not _member(ws, "3404220010001", "340422196503120211")["collectable"]
    assert not _member(ws, "3404220010003", "34042219750615055X")["collectable"]
    kinds = {(x["kind"], x["via"], x["source"]) for x in county_lists(ws)}
    assert kinds == {("online", "sync", "sync"), ("employee", "sync", "sync")}
    # The same payment in the county's file adds nothing: sync and file agree.
    again = import_county_list(ws, ONLINE)
    assert (again.new, again.unchanged) == (1, 1)


def test_the_cli_contract(village, tmp_path):
    ws = village
    db = str(ws.path)
    ws.close()
    env = {"YIBAO_PASSPHRASE": PASSPHRASE}
    res = run_cli("county", "import", str(ONLINE), "--db", db, "--json", env=env)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == {"kind": "online", "rows": 2, "new": 2, "unchanged": 0,
                                      "rejected": []}
    res = run_cli("county", "import", str(ONLINE), "--kind", "online", "--db", db, "--json",
                  env=env)
    assert json.loads(res.stdout)["unchanged"] == 2
    res = run_cli("collect", "--household", "3404220010002", "--tier", "1", "--members",
                  "340422194001010312", "--override", "测试", "--db", db, env=env)
    assert res.returncode == 1 and "赵德福已通过其他渠道缴费" in res.stderr
    plain = tmp_path / "名单.csv"
    plain.write_text("证件号码,姓名\n340422196503120211,王建国\n", encoding="utf-8")
    res = run_cli("county", "import", str(plain), "--db", db, env=env)
    assert res.returncode == 1 and "无法从表头判断名单类型" in res.stderr
    res = run_cli("county", "import", str(CATEGORIES), "--db", db, env=env)
    assert res.returncode == 1 and "财政所" in res.stderr


_CELL = st.text(alphabet=st.sampled_from("0123456789X年-/.元¥ 至税务app微信"), max_size=20)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.sampled_from([n for p in HOUSEHOLDS.values() for _, n, _ in p]
                                               + [new_id_number()]) | _CELL,
                               _CELL, _CELL, _CELL, _CELL), min_size=1, max_size=8))
def test_any_rows_are_counted_once_and_rejections_are_named(village, tmp_path_factory, rows):
    ws = village
    path = tmp_path_factory.mktemp("lists") / "online.csv"
    lines = ["证件号码,姓名,年度,渠道,金额,时间"]
    lines += [f"{number},某人,{year},{channel},{amount},{when}"
              for number, year, channel, amount, when in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    first = import_county_list(ws, path, kind="online")
    labels = set(COUNTY_LIST.labels.values())
    assert all(r.column in labels and r.reason for r in first.rejected)
    assert first.new + first.unchanged + len(first.rejected) == first.rows
    before = snapshot(ws)
    again = import_county_list(ws, path, kind="online")
    assert again.new == 0 and again.unchanged == first.rows - len(first.rejected)
    assert snapshot(ws) == before


def test_a_person_the_county_clears_again_by_sync_is_collectable(village):
    ws = village

    def household(status: str) -> HouseholdData:
        return HouseholdData(household_no="3404220010003", head_name="陈志强", group="一组",
                             persons=[PersonData(name="陈志强", id_number="34042219750615055X",
                                                 relation="02", status=status)])

    with ws.conn:
        feed.apply_items(ws, [(1, "household", household("employee_insured"))])
    assert _member(ws, "3404220010003", "34042219750615055X")["status_label"] == "已参加职工医保"
    with ws.conn:
        feed.apply_items(ws, [(2, "household", household("active"))])
    assert _member(ws, "3404220010003", "34042219750615055X")["collectable"]
    # A file's employee list, by contrast, holds for its year whatever the roster says.
    assert import_county_list(ws, EMPLOYEE).new == 1
    assert not _member(ws, "3404220010003", "34042219750615055X")["collectable"]
