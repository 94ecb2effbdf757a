"""Roster, receipts, cash, progress and settings pages, driven as a clerk would (offscreen).

王建国's household (three members, ¥1,140.00 cash) was collected on receipt 皖医保 00012001
and printed before the window opens.
"""

# The shared fixtures come from test_ui_collect and are requested by parameter name.
# ruff: noqa: F811

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from app.services.base.settings import get_setting
from app.services.village.books import mark_printed, receipt_state, resolve_receipt
from app.services.village.cash import cash_position
from app.services.village.collect import collect_household
from tests.helpers_ui import click, main_window
from tests.test_ui_collect import (  # noqa: F401 - fixtures are used by name
    LI_XIUYING,
    WANG_LEI,
    call,
    printed_pdf,
    prints,
    type_chinese,
    village,
    window,
)


@pytest.fixture
def collected(village: Any) -> Any:
    done = collect_household(village, household_no="3404220010001", tier_code="1")
    mark_printed(village, done.receipt_no)
    return village


@pytest.fixture
def page_window(qtbot: Any, collected: Any, prints: Path):
    with main_window(qtbot, collected) as win:
        yield win


def show_receipts(qtbot: Any, win: Any) -> Any:
    page = win.receipts
    win.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=10_000)
    page.table.selectRow(0)
    return page


def test_receipts_list_shows_books_and_receipt_details(qtbot, page_window):
    page = show_receipts(qtbot, page_window)
    book = page.books_model.row_at(0)
    assert (book["issued"], book["voided"], book["unused"]) == (1, 0, 99)
    row = page.model.row_at(0)
    assert (row["label"], row["payer"], row["amount_fen"]) == ("皖医保 00012001", "王建国", 114000)
    assert page.print_button.text() == "补打"
    page.state_box.setCurrentIndex(page.state_box.findData("voided"))
    assert page.filter.rowCount() == 0
    page.state_box.setCurrentIndex(page.state_box.findData(""))
    type_chinese(page.number_box, "王建")
    assert page.filter.rowCount() == 1


def test_void_needs_a_reason_and_a_second_confirmation(qtbot, page_window):
    page = show_receipts(qtbot, page_window)
    click(qtbot, page.void_button)
    dialog = page.dialog
    click(qtbot, dialog.ok_button)
    assert dialog.message.text() == "作废票据必须填写原因。"
    type_chinese(dialog.reason.lineEdit(), "打印错位")
    click(qtbot, dialog.ok_button)
    assert dialog.warning.isVisible()
    assert "皖医保 00012001" in dialog.warning.text()
    assert dialog.ok_button.text() == "确认作废"
    assert call(qtbot, page_window, lambda ws: receipt_state(
        ws, resolve_receipt(ws, "00012001")))["state"] == "issued"  # nothing happened yet

    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1
                    and page.model.row_at(0)["state"] == "voided", timeout=10_000)
    assert page.model.row_at(0)["void_reason"] == "打印错位"
    assert not page.void_button.isEnabled()
    assert page.books_model.row_at(0)["voided"] == 1


def test_refund_one_member_of_a_receipt(qtbot, page_window):
    page = show_receipts(qtbot, page_window)
    click(qtbot, page.refund_button)
    dialog = page.dialog
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 3, timeout=10_000)
    position = next(i for i in range(3) if dialog.model.row_at(i)["name"] == "李秀英")
    dialog.people.selectRow(position)
    dialog.reason.setCurrentIndex(dialog.reason.findData("employee"))
    click(qtbot, dialog.ok_button)
    assert "李秀英" in dialog.warning.text()
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: any("已为 李秀英 退费 ¥380.00" in box.text()
                                for box in page.findChildren(QMessageBox)), timeout=10_000)
    cash = call(qtbot, page_window, lambda ws: cash_position(ws).to_dict())
    assert (cash["refunded_fen"], cash["on_hand_fen"]) == (38000, 76000)
    assert page.books_model.row_at(0)["refunds_fen"] == 38000


def test_reprint_prints_again(qtbot, page_window, prints):
    from pypdf import PdfReader

    page = show_receipts(qtbot, page_window)
    assert printed_pdf(prints, "00012001") is None  # the first print was before the window
    click(qtbot, page.print_button)
    qtbot.waitUntil(lambda: printed_pdf(prints, "00012001") is not None
                    and not page_window.printer.thread.busy and not page_window.worker.busy,
                    timeout=15_000)
    page_box = PdfReader(printed_pdf(prints, "00012001")).pages[0].mediabox
    assert (round(page_box.width), round(page_box.height)) == (595, 842)  # A4, three parts


def roster_household(qtbot: Any, win: Any, household_no: str) -> Any:
    page = win.roster
    win.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.households_model.rowCount() == 4, timeout=10_000)
    page.households.selectRow(page.households_model.position_of(next(
        r["household_id"] for r in page.households_model.rows()
        if r["household_no"] == household_no)))
    qtbot.waitUntil(lambda: page.detail is not None
                    and page.detail["household_no"] == household_no, timeout=10_000)
    return page


def test_register_a_newborn_then_collect_for_it(qtbot, page_window):
    page = roster_household(qtbot, page_window, "3404220010001")
    click(qtbot, page.member_buttons[1])  # 新生儿登记…
    dialog = page.dialog
    assert dialog.windowTitle() == "新生儿登记"
    assert dialog.id_type.currentText() == "出生医学证明"
    type_chinese(dialog.name, "王小宝")
    qtbot.keyClicks(dialog.id_number, "P340000123")
    qtbot.waitUntil(lambda: dialog.id_status.text() == "✓ 格式正确", timeout=10_000)
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: any(m["name"] == "王小宝" for m in page.members_model.rows()),
                    timeout=10_000)
    baby = next(m for m in page.members_model.rows() if m["name"] == "王小宝")
    assert (baby["id_type"], baby["relation"], baby["sex"]) == ("91", "20", 1)

    page_window.tabs.setCurrentWidget(page_window.collect)
    collect = page_window.collect
    qtbot.keyClicks(collect.search, "wxb")
    qtbot.keyClick(collect.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: collect.household is not None, timeout=10_000)
    labels = {m["name"]: m["status_label"] for m in collect.household["members"]}
    assert labels["王小宝"] == "未缴费"
    assert collect.total.text() == "合计 ¥380.00"


def test_id_number_is_checked_while_typing_and_duplicates_are_refused(qtbot, page_window):
    page = roster_household(qtbot, page_window, "3404220010003")
    click(qtbot, page.member_buttons[0])  # 新增成员…
    dialog = page.dialog
    qtbot.keyClicks(dialog.id_number, "110105194912310021")
    qtbot.waitUntil(lambda: dialog.id_status.text() == "✗ 身份证号校验码错误，应为X",
                    timeout=10_000)
    dialog.id_number.clear()
    qtbot.keyClicks(dialog.id_number, LI_XIUYING)
    qtbot.waitUntil(lambda: dialog.id_status.text().startswith("⚠"), timeout=10_000)
    assert "3404220010001（李秀英）" in dialog.id_status.text()
    type_chinese(dialog.name, "李秀英")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: "不能重复登记" in dialog.message.text(), timeout=10_000)
    assert dialog.isVisible()


def test_change_status_and_move_a_member(qtbot, page_window):
    page = roster_household(qtbot, page_window, "3404220010001")
    page.members.selectRow(next(i for i, m in enumerate(page.members_model.rows())
                                if m["id_number"] == WANG_LEI))
    click(qtbot, page.member_buttons[4])  # 变更状态…
    dialog = page.dialog
    dialog.status.setCurrentIndex(dialog.status.findData("employee_insured"))
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: any(m["status"] == "employee_insured"
                                for m in page.members_model.rows()), timeout=10_000)

    click(qtbot, page.member_buttons[5])  # 迁至他户…
    dialog = page.dialog
    qtbot.keyClicks(dialog.search, "wb")
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=10_000)
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: all(m["id_number"] != WANG_LEI for m in page.members_model.rows()),
                    timeout=10_000)
    page = roster_household(qtbot, page_window, "3404220010003")
    assert WANG_LEI in [m["id_number"] for m in page.members_model.rows()]


def test_deposit_and_daily_close(qtbot, page_window):
    page = page_window.cash
    page_window.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.on_hand.text() == "¥1,140.00", timeout=10_000)

    click(qtbot, page.close_button)
    dialog = page.dialog
    qtbot.keyClicks(dialog.counted, "1100")
    assert dialog.difference.text() == "-¥40.00（短款）"
    click(qtbot, dialog.ok_button)
    assert dialog.message.text() == "实点现金与账面不符，请填写说明。"
    type_chinese(dialog.note, "找零差错")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: "日清完成" in page.result.text(), timeout=10_000)
    assert "差额 -¥40.00" in page.result.text()

    click(qtbot, page.deposit_button)
    dialog = page.dialog
    assert dialog.amount.text() == "1,140.00"
    qtbot.keyClicks(dialog.slip, "YH-20261123-01")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: page.on_hand.text() == "¥0.00", timeout=10_000)
    assert "YH-20261123-01" in page.result.text()
    qtbot.waitUntil(lambda: page_window.cash_label.text() == "现金在手 ¥0.00", timeout=10_000)


def test_progress_by_group_and_unpaid_households(qtbot, page_window):
    page = page_window.progress
    page_window.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.unpaid_model.rowCount() == 3, timeout=10_000)
    assert page.figures["enrolled"].text() == "3 / 6"
    assert page.figures["collected"].text() == "¥1,140.00"
    assert page.figures["days"].text().startswith("剩 60 天")
    groups = {r["group"]: (r["enrolled"], r["persons"]) for r in page.groups_model.rows()}
    assert groups == {"一组": (3, 3), "二组": (0, 2), "三组": (0, 1)}
    assert [r["group"] for r in page.groups_model.rows()] == ["一组", "二组", "三组"]
    assert len(page.chart.series()) == 1

    index = page.unpaid_model.index(page.unpaid_model.position_of("3404220010004"), 0)
    page.unpaid.doubleClicked.emit(index)
    qtbot.waitUntil(lambda: page_window.collect.household is not None, timeout=10_000)
    assert page_window.tabs.currentWidget() is page_window.collect
    assert page_window.collect.household["head_name"] == "张伟"


def test_settings_are_saved_and_calibration_prints(qtbot, page_window, prints):
    assert page_window.sync_label.text() == "未配置县级服务器"
    page = page_window.settings
    page_window.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.loaded != {}, timeout=10_000)
    assert page.printer_box.currentText() == "每次询问"
    page.offset_x.setValue(1.5)
    page.layout_box.setCurrentIndex(page.layout_box.findData("single"))
    qtbot.keyClicks(page.server, "https://county.example")
    click(qtbot, page.calibrate)
    qtbot.waitUntil(lambda: page.result.text() == "校准页已打印。", timeout=15_000)
    assert (prints / "套打校准页.pdf").exists()
    saved = call(qtbot, page_window, lambda ws: (get_setting(ws, "overlay_offset_x_mm"),
                                                 get_setting(ws, "receipt_layout"),
                                                 get_setting(ws, "server_url")))
    assert saved == (1.5, "single", "https://county.example")
    # With a county server set, the status bar shows the sync state instead of the placeholder.
    qtbot.waitUntil(lambda: page_window.sync_label.text().startswith("待同步"), timeout=10_000)
    assert page_window.sync_label.text().endswith("尚未同步")

    page.server.setText("county.example")
    click(qtbot, page.save_button)
    assert page.result.text() == "服务器地址必须以 https:// 开头"


def test_unexpected_errors_are_logged_and_shown_not_fatal(qtbot, caplog):
    from ui.app import make_application, report_unexpected

    make_application()
    try:
        raise ZeroDivisionError("boom")
    except ZeroDivisionError as exc:
        with caplog.at_level(logging.CRITICAL):
            report_unexpected(type(exc), exc, exc.__traceback__)
    assert "unexpected error" in caplog.text
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)
             and w.isVisible()]
    box = next(b for b in boxes if b.text() == "意外错误：ZeroDivisionError。详细信息已写入日志文件。")
    assert box.button(QMessageBox.StandardButton.Ok).text() == "确定"  # Qt's own words too
    for box in boxes:
        box.close()


def test_english_interface_when_chosen(qtbot, collected):
    from ui.app import install_translator, make_application
    from ui.main_window import MainWindow
    from ui.worker import ServiceWorker

    app = make_application()
    worker = ServiceWorker()
    install_translator(app, "en")
    try:
        win = MainWindow(collected, worker)
        qtbot.addWidget(win)
        assert [win.tabs.tabText(i) for i in range(3)] == ["Collect", "Roster", "Receipts"]
        win.close_workspace()
        qtbot.waitUntil(lambda: not worker.busy, timeout=10_000)
    finally:
        install_translator(app, "zh_CN")
        worker.stop()


def test_end_enrolment_is_refused_for_a_paid_member_with_its_reason(qtbot, page_window):
    # Everyone in 王建国's household paid: the dialog says to refund instead, nothing changes.
    page = roster_household(qtbot, page_window, "3404220010001")
    page.members.selectRow(next(i for i, m in enumerate(page.members_model.rows())
                                if m["id_number"] == WANG_LEI))
    click(qtbot, page.member_buttons[6])  # 终止参保…
    dialog = page.dialog
    assert dialog.windowTitle() == "终止 王磊 的参保"
    dialog.reason.setCurrentIndex(dialog.reason.findData("military"))
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: "请办理退费" in dialog.message.text(), timeout=10_000)
    assert dialog.isVisible()
