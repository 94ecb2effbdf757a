"""Roster import and exports from the roster page (offscreen), into a village with no roster.

tests/data/roster-sample.csv (3 households, 10 persons, 3 categories a collector may not
import) plus one row with a wrong check digit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.services.base.common import utc_now
from app.services.demo.village import demo_policy
from app.services.village.campaigns import load_policy
from tests.conftest import DATA
from tests.helpers_ui import click, main_window

BAD_ROW = "3404220010009,一组,赵六,赵六,户主,居民身份证,110105194912310021,男,1949-12-31,汉族,本地,,,\n"


@pytest.fixture
def roster_file(tmp_path: Path) -> Path:
    path = tmp_path / "上年花名册.csv"
    path.write_text((DATA / "roster-sample.csv").read_text(encoding="utf-8") + BAD_ROW,
                    encoding="utf-8")
    return path


@pytest.fixture
def empty_window(qtbot: Any, ws: Any):
    load_policy(ws, demo_policy(utc_now()))
    with main_window(qtbot, ws) as win:
        yield win


def test_import_shows_the_report_then_applies(qtbot, empty_window, roster_file):
    page = empty_window.roster
    empty_window.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.count.text() == "共 0 户", timeout=10_000)
    click(qtbot, page.import_button)
    dialog = page.dialog
    assert not dialog.apply_button.isEnabled()
    dialog.path.setText(str(roster_file))
    click(qtbot, dialog.check_button)
    qtbot.waitUntil(lambda: dialog.report is not None and not dialog.busy, timeout=15_000)

    assert dialog.summary.text().startswith("新户 3 · 新增人员 10 · 更新 0")
    assert dialog.rejected_model.rowCount() == 1
    rejected = dialog.rejected_model.row_at(0)
    assert (rejected["row"], rejected["column"]) == (12, "证件号码")
    assert "校验" in rejected["reason"]
    assert dialog.warnings_model.rowCount() == 3  # categories: township only
    assert "人员类别" in dialog.warnings_model.row_at(0)["text"]
    assert dialog.rejected_title.text() == "未通过的行（1）"
    assert page.households_model.rowCount() == 0  # a check writes nothing

    click(qtbot, dialog.apply_button)
    qtbot.waitUntil(lambda: dialog.status.text() == "导入完成。", timeout=15_000)
    assert not dialog.apply_button.isEnabled()  # the same report cannot be applied twice
    qtbot.waitUntil(lambda: page.households_model.rowCount() == 3, timeout=10_000)
    heads = {r["head_name"] for r in page.households_model.rows()}
    assert "王建国" in heads
    click(qtbot, dialog.close_button)


def test_unreadable_file_is_reported_in_the_dialog(qtbot, empty_window, tmp_path):
    page = empty_window.roster
    empty_window.tabs.setCurrentWidget(page)
    click(qtbot, page.import_button)
    dialog = page.dialog
    junk = tmp_path / "roster.xlsx"
    junk.write_bytes(b"this is not a spreadsheet")
    dialog.path.setText(str(junk))
    click(qtbot, dialog.check_button)
    qtbot.waitUntil(lambda: not dialog.busy and "b00020" in dialog.status.styleSheet(),
                    timeout=15_000)
    assert dialog.status.text()
    assert not dialog.apply_button.isEnabled()


def test_export_writes_an_xlsx(qtbot, empty_window, tmp_path):
    from openpyxl import load_workbook

    page = empty_window.roster
    out = tmp_path / "未缴费名单.xlsx"
    menu = page.export_button.menu()
    assert [a.text() for a in menu.actions()] == [
        "花名册…", "收款明细…", "票据状态表…", "缴存记录…", "未缴费名单…"]
    menu.export_to("roster", out)
    qtbot.waitUntil(out.exists, timeout=10_000)
    sheet = load_workbook(out).active
    assert sheet.cell(1, 1).value == "户号"


def test_moves_and_renames_are_listed_and_need_the_clerk_to_tick_the_box(qtbot, empty_window,
                                                                        tmp_path):
    page = empty_window.roster
    empty_window.tabs.setCurrentWidget(page)
    click(qtbot, page.import_button)
    dialog = page.dialog
    sample = DATA / "roster-sample.csv"
    dialog.path.setText(str(sample))
    click(qtbot, dialog.check_button)
    qtbot.waitUntil(lambda: dialog.report is not None and not dialog.busy, timeout=15_000)
    assert dialog.accept_moves.isHidden()  # nothing to confirm in a first import
    click(qtbot, dialog.apply_button)
    qtbot.waitUntil(lambda: dialog.status.text() == "导入完成。", timeout=15_000)

    changed = tmp_path / "今年花名册.csv"  # 王磊 moves to 陈志强's household, 陈浩 is renamed
    changed.write_text(sample.read_text(encoding="utf-8").replace(
        "3404220010001,一组,王建国,王磊,", "3404220010003,二组,陈志强,王磊,").replace(
        ",陈浩,", ",陈昊,"), encoding="utf-8")
    dialog.path.setText(str(changed))
    click(qtbot, dialog.check_button)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.checked_path == changed, timeout=15_000)
    assert dialog.moves_title.text() == "须确认的迁户和改名（2）"
    rows = [[dialog.moves_model.data(dialog.moves_model.index(r, c))
             for c in range(dialog.moves_model.columnCount())]
            for r in range(dialog.moves_model.rowCount())]
    assert rows == [["4", "迁户", "340422********0133", "王磊（户 3404220010001）",
                     "王磊（户 3404220010003）"],
                    ["9", "改名", "340422********0175", "陈浩", "陈昊"]]
    assert "1 人迁到其他户" in dialog.status.text() and "1 人改名" in dialog.status.text()
    assert dialog.accept_moves.isVisible() and "核对" in dialog.accept_moves.text()
    assert not dialog.accept_moves.isChecked()
    assert not dialog.apply_button.isEnabled()  # nothing moves until the clerk confirms
    dialog.accept_moves.setChecked(True)
    assert dialog.apply_button.isEnabled()
    dialog.accept_moves.setChecked(False)
    assert not dialog.apply_button.isEnabled()
    dialog.accept_moves.setChecked(True)
    click(qtbot, dialog.apply_button)
    qtbot.waitUntil(lambda: dialog.status.text() == "导入完成。", timeout=15_000)
    assert dialog.report["moves"][0]["to_household"] == "3404220010003"
    assert not dialog.apply_button.isEnabled() and not dialog.accept_moves.isEnabled()
    click(qtbot, dialog.close_button)
