"""Naming (issue 18, items 5 and 10): villages by name wherever a person reads them, groups in
their natural order, the issuing unit from the policy, and the township's screens — only its
own tabs, the problems of the selected collector, columns sized to their content.

Data: the three-village demo township (东山村, 西河村, 南岗村 with groups 一组 … 八组) and a
fresh village database (tests/conftest.py, village 3404220010).
"""

# The shared fixtures come from test_ui_pages / test_ui_collect / test_year_names and are
# requested by name.
# ruff: noqa: F811

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QHeaderView

from app.domain.policy import parse_policy
from app.services.base.settings import set_setting
from app.services.demo.township import create_township_demo
from app.services.papers.printing import receipt_pdf
from app.services.township import progress as prog
from app.services.township import reconcile as trec
from app.services.views.listings import group_order
from app.services.views.villages import village_label
from app.services.village import books, campaigns, collect, roster
from tests.conftest import PASSPHRASE, run_cli
from tests.helpers_ledger import POLICY_TWO_TIER, SERIES, T0, new_id_number
from tests.helpers_ui import click
from tests.test_sync_support import opened
from tests.test_township_ui import page, window  # noqa: F401 - fixture by name
from tests.test_ui_collect import call, prints, village  # noqa: F401 - fixtures by name
from tests.test_ui_pages import collected, page_window  # noqa: F401 - fixtures by name
from tests.test_year_names import pdf_text
from tests.test_year_names import township as two_villages  # noqa: F401 - fixture by name

CODES = {"3404220010": "东山村", "3404220011": "西河村", "3404220012": "南岗村"}


def policy_doc(**changes: Any) -> dict[str, Any]:
    return {**json.loads(POLICY_TWO_TIER.read_text(encoding="utf-8")), **changes}


# ---- group labels and the issuing unit (no database) ------------------------------------------


def test_group_labels_sort_as_the_villages_number_them():
    groups = ["十一组", "七组", "一组", "三组", "十组", "二组", "2组", "10组", "其他", "二十组"]
    assert sorted(groups, key=group_order) == \
        ["一组", "2组", "二组", "三组", "七组", "10组", "十组", "十一组", "二十组", "其他"]


def test_the_policy_names_the_issuing_unit_or_says_it_does_not():
    named = parse_policy(policy_doc(region="寿县寿春镇", issuer="寿县医疗保障局"))
    assert (named.issuing_unit(), named.warnings()) == ("寿县医疗保障局", ())
    assert parse_policy(named.to_dict()) == named

    county = parse_policy(policy_doc())  # region 示例县, no issuer
    assert county.issuing_unit() == "示例县医疗保障局"
    [warning] = county.warnings()
    assert "没有填写收款单位" in warning and "示例县医疗保障局" in warning
    # A file without the field is written back without it: its hash, and so the campaign
    # stored from it, stays the same.
    assert "issuer" not in county.to_dict()

    # A township has no 医疗保障局: none is made up from its name.
    township = parse_policy(policy_doc(region="寿县寿春镇"))
    assert township.issuing_unit() == ""
    assert "不是县级名称" in township.warnings()[0]


def test_loading_a_policy_without_an_issuer_warns(ws: Any):
    loaded = campaigns.load_policy(ws, policy_doc(region="寿县寿春镇"))
    assert len(loaded["warnings"]) == 1 and "收款单位" in loaded["warnings"][0]
    again = campaigns.load_policy(ws, policy_doc(region="寿县寿春镇", issuer="寿县医疗保障局"))
    assert again["warnings"] == []


def test_the_cli_says_the_policy_names_no_issuing_unit(tmp_path: Path, ws: Any):
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(policy_doc(region="寿县寿春镇"), ensure_ascii=False),
                      encoding="utf-8")
    ws.close()  # the CLI opens the database itself
    res = run_cli("policy", "load", str(policy), "--db", str(ws.path), "--json",
                  env={"YIBAO_PASSPHRASE": PASSPHRASE})
    assert res.returncode == 0, res.stderr
    assert "注意：政策文件没有填写收款单位（issuer）" in res.stderr
    assert json.loads(res.stdout)["warnings"]


# ---- receipts and the township's papers ---------------------------------------------------------


def _collect_one(ws: Any, household_no: str) -> str:
    roster.add_household(ws, household_no=household_no, head_name="王东关", group="一组")
    roster.add_person(ws, household_no=household_no, name="王东关",
                      id_number=new_id_number(), relation="02")
    done = collect.collect_household(ws, household_no=household_no, tier_code="1", now=T0)
    assert done.receipt_no is not None
    return done.receipt_no


def test_a_receipt_prints_the_village_by_name_and_invents_no_issuing_unit(ws: Any):
    campaigns.load_policy(ws, policy_doc(region="寿县寿春镇"))
    books.register_book(ws, series=SERIES, first=1, last=100)
    first = _collect_one(ws, "3404220010001")
    unnamed = pdf_text(receipt_pdf(ws, first))
    assert "医疗保障局" not in unnamed  # no 寿县寿春镇医疗保障局
    assert "3404220010一组" in unnamed  # a code nobody has named yet stays visible

    set_setting(ws, "village_name", "东关村")
    named = pdf_text(receipt_pdf(ws, first))
    assert "东关村一组" in named and "3404220010一组" not in named

    # The corrected policy names the unit: receipts collected under it print it.
    campaigns.load_policy(ws, policy_doc(region="寿县寿春镇", issuer="寿县医疗保障局"))
    second = pdf_text(receipt_pdf(ws, _collect_one(ws, "3404220010002")))
    assert second.count("寿县医疗保障局") == 3  # one for each of the three parts
    assert "寿春镇医疗保障局" not in second


def test_the_progress_sheet_names_villages_and_the_benefit_year(tmp_path: Path):
    demo = create_township_demo(tmp_path, passphrase=PASSPHRASE)
    with opened(Path(demo["township"])) as tws:
        data = prog.progress(tws)
        assert {v["village"]: v["name"] for v in data["villages"]} == CODES
        for v in data["villages"]:
            groups = [g["group"] for g in v["groups"]]
            assert groups == sorted(groups, key=group_order), groups
        out = tmp_path / "progress.pdf"
        prog.export_progress(tws, out)
        sheet = pdf_text(out.read_bytes())
        assert f"{data['benefit_year']}年度城乡居民医保征缴进度表" in sheet
        assert f"{data['campaign_year']}年度" not in sheet
        assert "乡镇：示例镇" in sheet
        assert not [code for code in CODES if code in sheet]
        assert all(name in sheet for name in CODES.values())
        report = trec.reconcile_villages(tws)
        assert {v["village_name"] for v in report["villages"]} == set(CODES.values())
        assert all(p["village_name"] in CODES.values() for p in report["problems"])
        assert village_label(tws, "3404220010", "一组") == "东山村一组"
        assert village_label(tws, "9999999999") == "9999999999"


def test_a_duplicate_enrolment_names_both_villages(two_villages: dict[str, Any]):
    with opened(two_villages["township"]) as tws:
        prog.set_village_name(tws, village="V1", name="东关村")
        prog.set_village_name(tws, village="V2", name="西关村")
        problems = [p for p in trec.reconcile_villages(tws)["problems"]
                    if p["kind"] == "duplicate_enrolment"]
        assert len(problems) == 2
        for p in problems:
            assert "东关村 " in p["message"] and "西关村 " in p["message"], p["message"]
            assert "V1 " not in p["message"]


# ---- the township's screens --------------------------------------------------------------------


def visible_tabs(win: Any) -> list[str]:
    return [win.tabs.tabText(i) for i in range(win.tabs.count()) if win.tabs.isTabVisible(i)]


def test_the_township_sees_only_its_own_tabs(qtbot: Any, window: Any):
    assert visible_tabs(window) == ["票据领用", "缴存核对", "各村对账", "各村进度", "同步",
                                    "报表", "设置", "概况"]
    assert window.tabs.currentWidget() is window.township_pages[0]


def test_a_collector_keeps_every_tab(qtbot: Any, page_window: Any):
    tabs = visible_tabs(page_window)
    assert tabs[:5] == ["收款", "花名册", "票据", "现金", "进度"]
    assert not {"票据领用", "各村对账"} & set(tabs)


def test_every_township_page_shows_village_names(qtbot: Any, window: Any):
    books_page = page(window, "TownshipBooksPage")
    qtbot.waitUntil(lambda: books_page.model.rowCount() == 3, timeout=10_000)
    deposits = page(window, "TownshipDepositsPage")
    qtbot.waitUntil(lambda: deposits.deposits.rowCount() == 3, timeout=10_000)
    reconcile = page(window, "TownshipReconcilePage")
    qtbot.waitUntil(lambda: reconcile.model.rowCount() == 3, timeout=10_000)
    progress = page(window, "TownshipProgressPage")
    qtbot.waitUntil(lambda: progress.model.rowCount() > 3, timeout=10_000)
    for model, column in ((books_page.model, 1), (deposits.deposits, 0), (reconcile.model, 0),
                          (progress.model, 0)):
        shown = {model.index(i, column).data() for i in range(model.rowCount())}
        assert shown == set(CODES.values()), shown
    assert "3404220" not in window.problems_label.toolTip()


def test_the_progress_page_lists_groups_in_their_natural_order(qtbot: Any, window: Any):
    progress = page(window, "TownshipProgressPage")
    qtbot.waitUntil(lambda: progress.model.rowCount() > 3, timeout=10_000)
    rows = [progress.model.row_at(i) for i in range(progress.model.rowCount())]
    east = [progress.model.index(i, 1).data() for i, r in enumerate(rows)
            if r["village"] == "3404220010"]
    assert east[0] == "（全村）"
    assert east[1:] == ["一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组"]


def test_the_problem_list_follows_the_selected_collector(qtbot: Any, window: Any):
    reconcile = page(window, "TownshipReconcilePage")
    qtbot.waitUntil(lambda: reconcile.model.rowCount() == 3, timeout=10_000)
    # The first collector is selected at once: 李会计 of 东山村 has no problem.
    qtbot.waitUntil(lambda: reconcile.table.currentIndex().row() == 0, timeout=10_000)
    assert reconcile.problems.rowCount() == 0
    assert reconcile.detail_tabs.tabText(1) == "问题（0）"
    reconcile.table.selectRow(1)  # 张会计 of 西河村
    qtbot.waitUntil(lambda: reconcile.problems.rowCount() == 2, timeout=10_000)
    shown = [reconcile.problems.row_at(i) for i in range(2)]
    assert {(p["village_name"], p["collector"]) for p in shown} == {("西河村", "张会计")}
    assert reconcile.detail_tabs.tabText(1) == "问题（2）"
    reconcile.all_problems.setChecked(True)
    assert reconcile.problems.rowCount() == len(reconcile.report["problems"]) == 4
    # The list fills its tab: the problem text takes the width the other columns leave.
    header = reconcile.problem_table.horizontalHeader()
    assert header.sectionResizeMode(3) == QHeaderView.ResizeMode.Stretch


def test_columns_fit_their_figures_and_the_text_column_stretches(qtbot: Any, window: Any):
    reconcile = page(window, "TownshipReconcilePage")
    qtbot.waitUntil(lambda: reconcile.receipts.rowCount() > 0, timeout=10_000)
    for table, stretch in ((reconcile.table, 0), (reconcile.receipt_table, 5)):
        header = table.horizontalHeader()
        model = table.model()
        metrics = table.fontMetrics()
        for column in range(model.columnCount()):
            if column == stretch:
                assert header.sectionResizeMode(column) == QHeaderView.ResizeMode.Stretch
                continue
            texts = [model.headerData(column, header.orientation())] + \
                [model.index(i, column).data() for i in range(model.rowCount())]
            widest = max(metrics.horizontalAdvance(t) for t in texts)
            assert header.sectionSize(column) >= widest + 12, (column, texts)
    # 问题 is a count: narrow, not the huge column it was.
    assert reconcile.table.horizontalHeader().sectionSize(8) < reconcile.table.width() / 6


def test_a_village_is_named_from_the_progress_page(qtbot: Any, window: Any):
    progress = page(window, "TownshipProgressPage")
    qtbot.waitUntil(lambda: progress.model.rowCount() > 3, timeout=10_000)
    click(qtbot, progress.name_button)
    dialog = progress.dialog
    dialog.village.setCurrentIndex(dialog.village.findData("3404220012"))
    assert dialog.name.text() == "南岗村"  # a correction starts from the name shown now
    dialog.name.setText("南岗新村")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: any(progress.model.row_at(i)["name"] == "南岗新村"
                                for i in range(progress.model.rowCount())), timeout=10_000)
    assert "南岗新村" in progress.result.text()
    reconcile = page(window, "TownshipReconcilePage")
    qtbot.waitUntil(lambda: any(reconcile.model.row_at(i)["village_name"] == "南岗新村"
                                for i in range(reconcile.model.rowCount())), timeout=10_000)
    assert call(qtbot, window, lambda ws: village_label(ws, "3404220012")) == "南岗新村"


def test_a_clerk_names_the_village_printed_on_receipts(qtbot: Any, page_window: Any):
    win = page_window
    settings = win.settings
    win.tabs.setCurrentWidget(settings)
    qtbot.waitUntil(lambda: bool(settings.loaded), timeout=10_000)
    settings.village_name.setText("东关村")
    settings.issuer.setText("寿县医疗保障局")
    click(qtbot, settings.save_button)
    qtbot.waitUntil(lambda: settings.loaded.get("village_name") == "东关村", timeout=10_000)
    receipt = pdf_text(call(qtbot, win, lambda ws: receipt_pdf(ws, "00012001")))
    assert receipt.count("寿县医疗保障局") == 3
    assert "东关村" in receipt and "3404220010一组" not in receipt


def test_issuing_a_book_names_the_village_of_the_code_typed(qtbot: Any, window: Any):
    books_page = page(window, "TownshipBooksPage")
    qtbot.waitUntil(lambda: books_page.model.rowCount() == 3, timeout=10_000)
    click(qtbot, books_page.issue_button)
    dialog = books_page.dialog
    dialog.village.setText("3404220011")
    assert dialog.village_name.text() == "西河村"
    dialog.village.setText("3404220099")
    assert dialog.village_name.text() == "（这个村代码还没有设置村名）"
    dialog.reject()


def test_the_overview_names_the_office_as_a_township(qtbot: Any, window: Any,
                                                     page_window: Any):
    for win, word in ((window, "乡镇"), (page_window, "村")):
        win.tabs.setCurrentWidget(win.overview)
        qtbot.waitUntil(lambda w=win: "<table" in w.overview.info.text(), timeout=10_000)
        assert f"<b>{word}</b>" in win.overview.info.text()
