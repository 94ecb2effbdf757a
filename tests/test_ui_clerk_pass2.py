"""The clerk's side of the desktop's second pass (issue 18, findings 3, 6, 8 and 9)."""

# The shared fixtures come from test_ui_collect and are requested by parameter name.
# ruff: noqa: F811

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QLabel

from tests.helpers_ui import click, collect_by_keyboard, main_window
from tests.test_ui_collect import (  # noqa: F401 - fixtures are used by name
    Keyboard,
    prints,
    village,
    window,
)


@pytest.fixture
def no_printer(qtbot: Any, village: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """A laptop without a printer: the folder chooser is counted and answers ``tmp/pdf``."""
    from PySide6.QtPrintSupport import QPrinterInfo

    from ui.printing import PRINT_TO_PDF_ENV, PrintManager

    monkeypatch.delenv(PRINT_TO_PDF_ENV, raising=False)
    monkeypatch.setattr(QPrinterInfo, "availablePrinterNames", staticmethod(lambda: []))
    folder = tmp_path / "pdf"
    folder.mkdir()
    asked: list[int] = []

    def ask(_self: Any) -> Path:
        asked.append(1)
        return folder

    monkeypatch.setattr(PrintManager, "ask_pdf_folder", ask)
    with main_window(qtbot, village) as win:
        yield win, folder, asked


def test_without_a_printer_the_folder_is_asked_once_and_receipts_named_by_number(
        qtbot, no_printer):
    win, folder, asked = no_printer
    collect_by_keyboard(qtbot, win, "wjg")
    win.collect.household = None  # so the helper waits for 吴斌's household to open
    collect_by_keyboard(qtbot, win, "wb")
    assert asked == [1]
    assert sorted(p.name for p in folder.iterdir()) == ["票据-皖医保-00012001.pdf",
                                                        "票据-皖医保-00012002.pdf"]
    assert str(folder) in win.collect.note.text()


# ---- the collect path stays at <= 4 keys after every Alt shortcut ---------------------------

# What the clerk presses between opening the household and Ctrl+Enter; the keys that only
# choose (tier, method, the history) are not part of the collect path's count.
ALT_DETOURS = {
    "Alt+1": [("1", "Alt")],
    "Alt+2": [("2", "Alt")],
    "Alt+X": [("X", "Alt")],
    "Alt+W then Alt+X": [("W", "Alt"), ("X", "Alt")],
    "Alt+J then Esc": [("J", "Alt"), ("Escape", "")],
}


@pytest.mark.parametrize("detour", list(ALT_DETOURS))
def test_collecting_takes_at_most_four_keys_after_any_alt_shortcut(qtbot, window, detour):
    from PySide6.QtCore import Qt

    collect = window.collect
    qtbot.waitUntil(collect.search.hasFocus)
    qtbot.keyClicks(collect.search, "wjg")
    keys = Keyboard(qtbot)
    keys.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: collect.household is not None and not collect._loading
                    and collect.members.hasFocus(), timeout=10_000)
    for key, modifier in ALT_DETOURS[detour]:
        mod = Qt.KeyboardModifier.AltModifier if modifier else Qt.KeyboardModifier.NoModifier
        Keyboard(qtbot).press(getattr(Qt.Key, f"Key_{key}"), mod)
        if key == "J":
            qtbot.waitUntil(lambda: collect.history_dialog is not None
                            and collect.history_dialog.isActiveWindow(), timeout=10_000)
        qtbot.waitUntil(lambda: not collect._loading and not window.worker.busy,
                        timeout=10_000)
    qtbot.waitUntil(lambda: collect.isAncestorOf(QApplication.focusWidget()), timeout=5_000)
    keys.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: collect.confirm_dialog is not None
                    and collect.confirm_dialog.isActiveWindow(), timeout=10_000)
    keys.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "已打印" in collect.note.text(), timeout=15_000)
    assert keys.count <= 4


# ---- the household panel, its history and the change helper ---------------------------------


def _open(qtbot: Any, collect: Any, household_no: str) -> None:
    collect.open_household(household_no)
    qtbot.waitUntil(lambda: collect.household is not None
                    and collect.household["household_no"] == household_no
                    and not collect._loading, timeout=10_000)


def test_a_paid_member_shows_the_receipt_not_a_fee(qtbot, window):
    collect = window.collect
    collect_by_keyboard(qtbot, window, "wjg")
    _open(qtbot, collect, "3404220010001")
    payable = [collect.members_model.data(collect.members_model.index(row, 6))
               for row in range(collect.members_model.rowCount())]
    assert payable == ["已缴 · 皖医保 00012001"] * 3
    assert collect.total.text() == "合计 ¥0.00"


def test_the_payment_history_says_which_receipt_covered_whom(qtbot, window):
    from PySide6.QtCore import Qt

    collect = window.collect
    collect_by_keyboard(qtbot, window, "wjg")
    _open(qtbot, collect, "3404220010001")
    qtbot.keyClick(collect.members, Qt.Key.Key_J, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: collect.history_dialog is not None
                    and collect.history_dialog.model.rowCount() == 3, timeout=10_000)
    dialog = collect.history_dialog
    rows = dialog.model.rows()
    assert {r["name"] for r in rows} == {"王建国", "李秀英", "王磊"}
    assert {r["receipt"] for r in rows} == {"皖医保 00012001"}
    assert dialog.summary.text() == "共 3 人次，1 张票据"
    dialog.reject()


def test_the_change_helper_is_optional_and_adds_no_key(qtbot, window):
    from PySide6.QtCore import Qt

    collect = window.collect
    _open(qtbot, collect, "3404220010004")  # 张伟, ¥380
    collect.request_collect()
    qtbot.waitUntil(lambda: collect.confirm_dialog is not None, timeout=10_000)
    dialog = collect.confirm_dialog
    qtbot.keyClicks(dialog.received, "500")
    assert dialog.change.text() == "找零 ¥120.00"
    dialog.received.setText("300")
    assert dialog.change.text() == "还差 ¥80.00"
    qtbot.keyClick(dialog.received, Qt.Key.Key_Return)  # Enter still collects from here
    qtbot.waitUntil(lambda: "已打印" in collect.note.text(), timeout=15_000)


# ---- the 作废 and 退费 confirmations ----------------------------------------------------------


def _receipts(qtbot: Any, win: Any) -> Any:
    page = win.receipts
    win.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.model.rowCount() >= 1, timeout=10_000)
    page.table.selectRow(0)
    return page


def test_void_shows_payer_and_amount_and_the_reason_box_keeps_its_height(qtbot, window):
    collect_by_keyboard(qtbot, window, "wjg")
    page = _receipts(qtbot, window)
    click(qtbot, page.void_button)
    dialog = page.dialog
    qtbot.waitExposed(dialog)
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    assert "王建国（户号 3404220010001）" in texts and "¥1,140.00" in texts
    height = dialog.reason.height()
    dialog.reason.setCurrentText("打印错位")
    click(qtbot, dialog.ok_button)
    assert "王建国" in dialog.warning.text() and "¥1,140.00" in dialog.warning.text()
    qtbot.wait(50)
    assert dialog.reason.height() >= min(height, dialog.reason.sizeHint().height())
    assert dialog.height() >= dialog.layout().totalHeightForWidth(dialog.width())


def test_the_refund_confirmation_states_the_amount(qtbot, window):
    collect_by_keyboard(qtbot, window, "wjg")
    page = _receipts(qtbot, window)
    click(qtbot, page.refund_button)
    dialog = page.dialog
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 3, timeout=10_000)
    dialog.people.selectRow(0)
    click(qtbot, dialog.ok_button)
    assert "确认退费 ¥" in dialog.warning.text()


# ---- lists: 补打, refunds, 今天, 日清 ------------------------------------------------------------


def test_the_receipt_list_marks_reprints_and_refunds_and_filters_today(qtbot, window, prints):
    collect_by_keyboard(qtbot, window, "wjg")
    page = _receipts(qtbot, window)
    click(qtbot, page.print_button)  # 补打
    qtbot.waitUntil(lambda: page.model.row_at(0)["reprints"] == 1, timeout=15_000)
    assert page.model.data(page.model.index(0, 2)) == "已打印，补打 1 次"
    page.table.selectRow(0)
    click(qtbot, page.refund_button)
    dialog = page.dialog
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 3, timeout=10_000)
    dialog.people.selectRow(0)
    click(qtbot, dialog.ok_button)
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: page.model.row_at(0)["refunds_fen"] > 0, timeout=10_000)
    assert page.model.data(page.model.index(0, 6)).startswith("¥")
    page.today_box.setChecked(True)
    assert page.filter.rowCount() == 1
    page.filter.set_filters("", "", "", date(2000, 1, 1))
    assert page.filter.rowCount() == 0


def test_the_cash_page_and_the_daily_close_summarise_the_day(qtbot, window):
    collect_by_keyboard(qtbot, window, "wjg")
    page = window.cash
    window.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: "开票 1 张（3 人）" in page.today.text(), timeout=10_000)
    assert "现金 ¥1,140.00" in page.today.text() and "作废 0 张" in page.today.text()
    click(qtbot, page.close_button)
    texts = [label.text() for label in page.dialog.findChildren(QLabel)]
    assert any("日清：开票 1 张" in text for text in texts)
    page.dialog.reject()


def test_the_font_size_setting_scales_the_whole_window_and_is_kept(qtbot, window):
    from app.services.base.settings import get_setting
    from tests.test_ui_collect import call
    from ui.common import apply_font_size

    page = window.settings
    window.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.loaded != {}, timeout=10_000)
    before_app = QApplication.font().pointSizeF()
    before_total = window.collect.total.font().pointSizeF()
    before_plain = window.collect.keys_hint.font().pointSizeF()  # under the window's style
    tab_bar = window.tabs.tabBar()
    before_tabs = tab_bar.font().pointSizeF()  # the window's style sheet names their size
    page.font_size.setCurrentIndex(page.font_size.findData("large"))
    try:
        click(qtbot, page.save_button)
        qtbot.waitUntil(lambda: "已保存" in page.result.text(), timeout=10_000)
        assert QApplication.font().pointSizeF() == pytest.approx(before_app * 1.25)
        assert window.collect.total.font().pointSizeF() == pytest.approx(before_total * 1.25)
        assert window.collect.keys_hint.font().pointSizeF() == pytest.approx(
            before_plain * 1.25)
        assert tab_bar.font().pointSizeF() == pytest.approx(before_tabs * 1.25)
        assert call(qtbot, window, lambda ws: get_setting(ws, "font_size")) == "large"
    finally:
        apply_font_size("standard")  # the application outlives this test
    assert QApplication.font().pointSizeF() == pytest.approx(before_app)
    assert tab_bar.font().pointSizeF() == pytest.approx(before_tabs)


def test_a_refund_offers_the_voucher_to_sign(qtbot, window, prints):
    from pypdf import PdfReader
    from PySide6.QtWidgets import QMessageBox

    collect_by_keyboard(qtbot, window, "wjg")
    page = _receipts(qtbot, window)
    click(qtbot, page.refund_button)
    dialog = page.dialog
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 3, timeout=10_000)
    position = next(i for i in range(3) if dialog.model.row_at(i)["name"] == "李秀英")
    dialog.people.selectRow(position)
    click(qtbot, dialog.ok_button)
    click(qtbot, dialog.ok_button)

    def offer() -> Any:
        for box in page.findChildren(QMessageBox):
            for button in box.buttons():
                if button.text() == "打印退费凭证（请居民签字）":
                    return button
        return None

    qtbot.waitUntil(lambda: offer() is not None, timeout=10_000)
    offer().click()
    qtbot.waitUntil(lambda: any(prints.glob("退费凭证*.pdf")) and not window.worker.busy
                    and not window.printer.thread.busy, timeout=15_000)
    from app.services.papers.refund_voucher import refund_voucher_pdf
    from tests.test_ui_collect import call

    # The printed file is Qt's picture of the pages; the text is read from the service's PDF.
    data = call(qtbot, window, lambda ws: refund_voucher_pdf(ws, "00012001"))
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "退费凭证" in text and "李秀英" in text and "380.00" in text and "签字" in text
    qtbot.waitUntil(lambda: page.voucher_button.isEnabled(), timeout=10_000)


def test_a_void_the_ledger_refuses_shows_the_rules_own_words(qtbot, window):
    from app.services.village.cash import cash_position, record_deposit
    from tests.test_ui_collect import call

    collect_by_keyboard(qtbot, window, "wjg")
    call(qtbot, window, lambda ws: record_deposit(
        ws, amount_fen=cash_position(ws).on_hand_fen, slip_no="JK-1"))
    page = _receipts(qtbot, window)
    click(qtbot, page.void_button)
    dialog = page.dialog
    dialog.reason.setCurrentText("填错户")
    click(qtbot, dialog.ok_button)
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: bool(dialog.message.text()), timeout=10_000)
    assert dialog.message.text() == ("票据 皖医保 00012001 的现金已缴存，不能作废；"
                                     "如需更正请办理退费")
    assert dialog.height() >= dialog.layout().totalHeightForWidth(dialog.width())
