"""The collect view shows who the county's lists cover, unchecked, with the list they came
from (pytest-qt, offscreen)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from app.services.village.campaigns import active_campaign
from app.services.village.county_lists import import_county_list
from tests.helpers_ui import main_window
from tests.test_ui_collect import WANG_LEI, build_village


def test_a_listed_member_is_shown_unchecked_with_the_list(qtbot: Any, ws: Any, tmp_path):
    build_village(ws)
    year = active_campaign(ws).policy.benefit_year
    listed = tmp_path / "职工医保名单.csv"
    listed.write_text(f"证件号码,姓名,年度,参保单位\n{WANG_LEI},王磊,{year},示例县水泥厂\n",
                      encoding="utf-8")
    assert import_county_list(ws, listed).new == 1
    with main_window(qtbot, ws) as win:
        collect = win.collect
        qtbot.waitUntil(collect.search.hasFocus)
        qtbot.keyClicks(collect.search, "wjg")
        qtbot.keyClick(collect.search, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: collect.household is not None, timeout=10_000)
        rows = {m["id_number"]: m for m in collect.household["members"]}
        assert rows[WANG_LEI]["status_label"] == "职工医保"
        assert not rows[WANG_LEI]["collectable"]
        # Two of three members charged: 王磊 is not ticked.
        assert collect.total.text() == "合计 ¥760.00"
        assert collect.county_note.isVisibleTo(collect)
        assert "王磊：职工医保（职工医保参保名单“职工医保名单.csv”" in collect.county_note.text()
        assert collect.county_note.text().startswith("县医保名单所列，不在村里收款：")


def test_the_roster_page_imports_a_large_list_with_progress(qtbot: Any, ws: Any, tmp_path):
    from datetime import date, timedelta

    from app.domain.idcard import make_id_number
    from tests.helpers_ui import click

    build_village(ws)
    year = active_campaign(ws).policy.benefit_year
    lines = ["线上缴费明细", "证件号码,姓名,年度,渠道,金额,时间"]
    for n in range(5000):
        number = make_id_number("340422", date(1950, 1, 1) + timedelta(days=n // 900), n % 900)
        lines.append(f"{number},某{n},{year},微信,380,{year - 1}-10-03")
    lines.append(f"110105194912310021,坏号,{year},微信,380,{year - 1}-10-03")
    path = tmp_path / "线上缴费.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with main_window(qtbot, ws) as win:
        page = win.roster
        win.tabs.setCurrentWidget(page)
        click(qtbot, page.county_button)
        dialog = page.dialog
        seen: list[int] = []
        dialog.rows_read.connect(seen.append)
        dialog.path.setText(str(path))
        click(qtbot, dialog.import_button)
        assert dialog.busy and dialog.bar.isVisible()  # the work is on the worker thread
        qtbot.waitUntil(lambda: not dialog.busy, timeout=60_000)
        assert dialog.status.text() == "导入完成。", dialog.status.text()
        assert dialog.summary.text() == "共 5001 行 · 新增 5000 · 未变 0 · 拒收 1 行"
        assert dialog.rejected_model.row_at(0)["column"] == "证件号码"
        assert seen and max(seen) >= 5000
        click(qtbot, dialog.close_button)
