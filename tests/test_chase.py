"""Two campaigns: 2026 collected (some households, some refunds), `campaign start` for 2027,
the chase list (催缴) names exactly the 2026 enrolled people not covered in 2027; tiers and
still-valid categories carry, expired ones do not; the tax bureau's export."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.domain.errors import NotFound, Refused, ValidationError
from app.services.papers.chase_notices import chase_notice_pdf, chase_notices_pdf
from app.services.papers.tax_export import export_tax, parse_layout
from app.services.views.chase import chase_list, export_chase
from app.services.views.listings import group_order
from app.services.village import books, campaigns, collect, refunds, roster
from app.services.village.county_lists import import_county_list
from tests.conftest import PASSPHRASE, ROOT, run_cli
from tests.helpers_ledger import POLICY_TWO_TIER, T0, expected_fee, make_village, snapshot, township

EXAMPLE_LAYOUT = ROOT / "docs" / "examples" / "tax-layout-example.json"
# 10:00 Beijing time on 2027-09-15, inside the 2027 campaign's window.
T1 = datetime(2027, 9, 15, 2, 0, tzinfo=UTC)


def next_policy(years: int = 1, base: Path = POLICY_TWO_TIER) -> dict:
    policy = json.loads(base.read_text(encoding="utf-8"))
    cy = policy["campaign_year"] + years
    policy.update(campaign_year=cy, benefit_year=cy + 1,
                  collection={"start": f"{cy}-09-01", "end": f"{cy}-12-31"})
    policy["rules"]["refund_before"] = f"{cy + 1}-01-01"
    return policy


def collect_2026(ws) -> dict:
    """Six households of three; categories certified by the township; 2026 collected."""
    village = make_village(ws, households=6, members=(3, 3))
    h = village.households
    with township(ws, PASSPHRASE) as tws:
        roster.grant_category(tws, h[0].members[1], "低保", source="民政")  # no end: carries
        roster.grant_category(tws, h[0].members[2], "残疾", source="残联",
                              valid_to=date(2027, 6, 30))  # ends before the 2027 window
        roster.grant_category(tws, h[1].members[0], "监测对象", source="乡村振兴",
                              valid_to=date(2027, 10, 31))  # ends before benefit year 2028
    paid = {}
    for hh, tier, members in ((h[0], "1", None), (h[1], "2", None), (h[2], "1", [h[2].members[0]]),
                              (h[3], "1", None), (h[4], "1", None)):
        done = collect.collect_household(ws, household_no=hh.no, tier_code=tier, members=members,
                                         now=T0)
        paid[hh.no] = done
    # Refunds: one covered elsewhere, one for another reason (ended; not enrolled last year).
    refunds.refund_line(ws, receipt_no=paid[h[3].no].receipt_no, id_number=h[3].members[2],
                        reason="elsewhere", now=T0 + timedelta(hours=1))
    refunds.refund_line(ws, receipt_no=paid[h[4].no].receipt_no, id_number=h[4].members[1],
                        reason="other", note="本人要求", now=T0 + timedelta(hours=1))
    return {"village": village, "paid": paid}


def print_all(ws) -> None:
    for (number,) in ws.conn.execute("SELECT number FROM payments WHERE number IS NOT NULL"):
        books.mark_printed(ws, str(number))


def test_two_campaigns_chase_tiers_and_categories(ws):
    made = collect_2026(ws)
    h = made["village"].households
    before = snapshot(ws)
    with pytest.raises(Refused, match="尚未结束"):
        campaigns.start_campaign(ws, next_policy(), now=T0)
    with pytest.raises(Refused, match="待打印"):
        campaigns.start_campaign(ws, next_policy(), now=T1)
    print_all(ws)
    with pytest.raises(Refused, match="不是当前2027年度的下一年度"):
        campaigns.start_campaign(ws, next_policy(2), now=T1)
    assert snapshot(ws)[1]["campaigns"] == before[1]["campaigns"]

    started = campaigns.start_campaign(ws, next_policy(), now=T1)
    assert started["created"] and started["campaign_year"] == 2027
    assert started["benefit_year"] == 2028
    assert started["tiers_carried"] == 5
    assert started["categories"]["carried"] == 1
    assert started["categories"]["expiring"] == 1
    assert started["categories"]["expired"] == 1
    assert campaigns.active_campaign(ws).campaign_year == 2027
    # Starting it again changes nothing.
    head = snapshot(ws)
    assert not campaigns.start_campaign(ws, next_policy(), now=T1)["created"]
    assert snapshot(ws) == head

    ids = {hh.no: roster.household_by_no(ws, hh.no)["household_id"] for hh in h}
    assert campaigns.carried_tiers(ws) == {ids[h[0].no]: "1", ids[h[1].no]: "2",
                                           ids[h[2].no]: "1", ids[h[3].no]: "1",
                                           ids[h[4].no]: "1"}
    # The collect panel suggests last year's tier for a household just opened.
    assert collect.household_fees(ws, h[1].no, None, on=T1.date())["tier"] == "2"
    assert collect.household_fees(ws, h[0].no, None, on=T1.date())["tier"] == "1"
    # Valid categories carry into the 2027 fees; the expired one does not.
    fees = {m["id_number"]: m for m in collect.household_fees(ws, h[0].no, "1",
                                                              on=T1.date())["members"]}
    assert fees[h[0].members[1]]["subsidy_fen"] == 15000
    assert fees[h[0].members[2]]["subsidy_fen"] == 0

    # 2027: household 1 renews, a member of household 0 died.
    collect.collect_household(ws, household_no=h[1].no, tier_code="2", now=T1)
    roster.set_person_status(ws, h[0].members[0], "deceased")

    chased = chase_list(ws, on=T1.date())
    expected = ({*h[0].members[1:], h[2].members[0], *h[3].members[:2], h[4].members[0],
                 h[4].members[2]})
    assert {r["id_number"] for r in chased["rows"]} == expected
    assert chased["previous_year_label"] == "2027年度"
    by_id = {r["id_number"]: r for r in chased["rows"]}
    low = by_id[h[0].members[1]]
    assert (low["last_tier"], low["last_tier_name"]) == ("1", "一档")
    assert low["last_paid_fen"] == expected_fee("1", categories=("低保",))
    assert low["due_fen"] == expected_fee("1", categories=("低保",))
    assert by_id[h[0].members[2]]["due_fen"] == expected_fee("1")  # 残疾 expired
    order = [(group_order(r["group"]), r["household_no"]) for r in chased["rows"]]
    assert order == sorted(order)

    # A county list saying a chased person is employee-insured takes them off the list.
    employee = ws.path.parent / "employee.csv"
    employee.write_text("身份证号码,姓名,参保单位,有效期\n"
                        f"{h[4].members[2]},某某,示例县水泥厂,2027-01-01至2028-12-31\n",
                        encoding="utf-8")
    import_county_list(ws, employee, kind="employee")
    expected -= {h[4].members[2]}
    assert {r["id_number"] for r in chase_list(ws, on=T1.date())["rows"]} == expected

    # Export: xlsx rows and the JSON rows agree with the list.
    out = export_chase(ws, ws.path.parent / "催缴.xlsx", on=T1.date())
    assert out["rows"] == len(expected) and out["households"] == 4
    sheet = load_workbook(out["out"]).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("村民小组", "户号", "户主", "联系电话", "姓名", "证件号码")
    assert {r[5] for r in rows[1:]} == expected

    # 催缴通知单: one household, and the whole list in one PDF.
    one = PdfReader(_bytes_io(chase_notice_pdf(ws, h[3].no, on=T1.date())))
    text = one.pages[0].extract_text()
    assert "一档" in text and "本年度尚未续保" in text
    with pytest.raises(NotFound):
        chase_notice_pdf(ws, h[1].no, on=T1.date())
    everything = chase_notices_pdf(ws, on=T1.date())
    assert everything["households"] == 4 and everything["persons"] == len(expected)
    assert len(PdfReader(_bytes_io(everything["pdf"])).pages) >= 4


def _bytes_io(data: bytes):
    import io

    return io.BytesIO(data)


def test_campaign_start_needs_an_active_campaign(ws):
    with pytest.raises(Refused, match="policy load"):
        campaigns.start_campaign(ws, next_policy(), now=T1)


def test_tax_export_layout(ws):
    made = collect_2026(ws)
    h = made["village"].households
    out = export_tax(ws, EXAMPLE_LAYOUT, ws.path.parent / "tax.csv")
    with open(out["out"], encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    assert header[:4] == ["序号来源", "证件类型", "证件号码", "姓名"]
    body = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    assert len(body) == 5 * 3 - 2  # household 2 paid one member of three; none voided
    assert out["refunded_marked"] == 2
    refunded = next(r for r in body if r["证件号码"] == h[3].members[2])
    assert refunded["状态"] == "已退费" and refunded["退费日期"] == "20261015"
    first = next(r for r in body if r["证件号码"] == h[1].members[1])
    assert first["证件类型"] == "201" and first["缴费方式"] == "01"
    assert first["缴费日期"] == "20261015" and first["个人缴费金额"] == "640.00"
    assert first["费款所属期"] == "2027" and first["险种"] == "390"
    # A voided payment never appears; refunded lines may be left out.
    layout = json.loads(EXAMPLE_LAYOUT.read_text(encoding="utf-8"))
    layout["refunded"] = "exclude"
    path = ws.path.parent / "layout.json"
    path.write_text(json.dumps(layout, ensure_ascii=False), encoding="utf-8")
    books.void_receipt(ws, made["paid"][h[1].no].receipt_no, reason="填错户",
                       now=T0 + timedelta(hours=2))
    again = export_tax(ws, path, ws.path.parent / "tax.xlsx")
    assert again["rows"] == len(body) - 3 - 2 and again["skipped"]["refunded"] == 2


@pytest.mark.parametrize(("change", "named"), [
    ({"schema": "x"}, "schema"),
    ({"columns": []}, "columns"),
    ({"columns": [{"header": "A", "field": "nope"}]}, "columns[0].field: 未知字段“nope”"),
    ({"columns": [{"header": "A", "field": "method", "codes": "missing"}]},
     "columns[0].codes: 没有名为“missing”的代码表"),
    ({"columns": [{"header": "A"}]}, "columns[0]: 须给出 field"),
    ({"columns": [{"header": "A", "value": "1"}, {"header": "A", "value": "2"}]},
     "columns[1].header: 列名“A”重复"),
    ({"date_format": "YYYYMMDD"}, "date_format"),
    ({"amount_unit": "jiao"}, "amount_unit"),
    ({"refunded": "hide"}, "refunded"),
    ({"colour": "red"}, "colour: 未知的设置项"),
])
def test_bad_layouts_are_named(change, named):
    layout = json.loads(EXAMPLE_LAYOUT.read_text(encoding="utf-8"))
    layout.update(change)
    with pytest.raises(ValidationError, match="报税格式文件") as caught:
        parse_layout(layout, "x.json")
    assert named in caught.value.message


def test_a_code_missing_from_a_table_is_named(ws):
    collect_2026(ws)
    layout = json.loads(EXAMPLE_LAYOUT.read_text(encoding="utf-8"))
    layout["codes"]["method"] = {"wechat": "02"}
    path = ws.path.parent / "layout.json"
    path.write_text(json.dumps(layout, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(Refused, match="列“缴费方式”：代码表中没有“cash”"):
        export_tax(ws, path, ws.path.parent / "tax.csv")


# ---- the CLI contracts (real clock: the campaigns lie in the past) -------------------------

def _past_policy(year: int) -> dict:
    policy = next_policy(0)
    policy.update(campaign_year=year, benefit_year=year + 1,
                  collection={"start": f"{year}-09-01", "end": f"{year}-12-31"})
    policy["rules"]["refund_before"] = f"{year + 1}-01-01"
    return policy


def test_cli_contracts(ws, tmp_path):
    campaigns.load_policy(ws, _past_policy(2024))
    village = make_village(ws, households=3, members=(2, 2), policy=None)
    h = village.households
    moment = datetime(2024, 10, 15, 2, 0, tzinfo=UTC)
    for hh in h[:2]:
        done = collect.collect_household(ws, household_no=hh.no, tier_code="1", now=moment)
        books.mark_printed(ws, done.receipt_no)
    ws.close()
    env = {"YIBAO_PASSPHRASE": PASSPHRASE}
    db = str(ws.path)
    new = tmp_path / "policy-2025.json"
    new.write_text(json.dumps(_past_policy(2025), ensure_ascii=False), encoding="utf-8")
    wrong = tmp_path / "policy-2027.json"
    wrong.write_text(json.dumps(_past_policy(2027), ensure_ascii=False), encoding="utf-8")

    res = run_cli("campaign", "start", str(wrong), "--db", db, env=env)
    assert res.returncode == 1 and "不是当前2025年度的下一年度" in res.stderr
    res = run_cli("campaign", "start", str(new), "--db", db, "--json", env=env)
    assert res.returncode == 0, res.stderr
    started = json.loads(res.stdout)
    assert started["created"] and started["benefit_year"] == 2026
    assert started["tiers_carried"] == 2

    res = run_cli("export", "chase", "--out", str(tmp_path / "c.xlsx"), "--db", db, "--json",
                  env=env)
    assert res.returncode == 0, res.stderr
    chase = json.loads(res.stdout)
    assert chase["rows"] == 4 and chase["households"] == 2
    assert {p["id_number"] for p in chase["people"]} == {*h[0].members, *h[1].members}
    assert {p["last_tier"] for p in chase["people"]} == {"1"}
    assert (tmp_path / "c.xlsx").exists()

    res = run_cli("report", "chase-notices", "--out", str(tmp_path / "n.pdf"), "--db", db,
                  "--json", env=env)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["households"] == 2

    res = run_cli("export", "tax", "--layout", str(EXAMPLE_LAYOUT), "--year", "2025",
                  "--out", str(tmp_path / "t.csv"), "--db", db, "--json", env=env)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["rows"] == 4
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "yibao.tax-layout/1", "columns": [{"header": "x", '
                   '"field": "colour"}]}', encoding="utf-8")
    res = run_cli("export", "tax", "--layout", str(bad), "--out", str(tmp_path / "t.csv"),
                  "--db", db, env=env)
    assert res.returncode == 1 and "columns[0].field: 未知字段“colour”" in res.stderr
