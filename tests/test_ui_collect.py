"""The collect view driven from the keyboard as a clerk would (pytest-qt, offscreen).

A small village: 王建国's household (wjg), 王建军's (wjj), 吴斌's (wb) and 张伟's, a policy
whose collection window is open today and one receipt book 皖医保 00012001–00012100.
Receipts print into PDF files (YIBAO_PRINT_TO_PDF).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.domain.idcard import make_id_number
from app.services.base.common import utc_now
from app.services.demo.village import demo_policy
from app.services.village.books import receipt_state, register_book, resolve_receipt
from app.services.village.campaigns import load_policy
from app.services.village.roster import add_household, add_person
from tests.helpers_ui import collect_by_keyboard, main_window

PDF_ENV = "YIBAO_PRINT_TO_PDF"

WANG_JIANGUO = make_id_number("340422", date(1968, 3, 12), 211)
LI_XIUYING = make_id_number("340422", date(1970, 5, 2), 428)
WANG_LEI = make_id_number("340422", date(1995, 9, 30), 133)
WANG_JIANJUN = make_id_number("340422", date(1972, 1, 8), 315)
WU_BIN = make_id_number("340422", date(1980, 7, 7), 517)
ZHANG_WEI = make_id_number("340422", date(1990, 2, 14), 619)

VILLAGE = (
    ("3404220010001", "王建国", "一组", [("王建国", WANG_JIANGUO, "02"),
                                        ("李秀英", LI_XIUYING, "10"),
                                        ("王磊", WANG_LEI, "20")]),
    ("3404220010002", "王建军", "三组", [("王建军", WANG_JIANJUN, "02")]),
    ("3404220010003", "吴斌", "二组", [("吴斌", WU_BIN, "02")]),
    ("3404220010004", "张伟", "二组", [("张伟", ZHANG_WEI, "02")]),
)


def build_village(ws: Any) -> None:
    load_policy(ws, demo_policy(utc_now()))
    for household_no, head, group, members in VILLAGE:
        add_household(ws, household_no=household_no, head_name=head, group=group,
                      phone="13905640001")
        for name, id_number, relation in members:
            add_person(ws, household_no=household_no, name=name, id_number=id_number,
                       relation=relation)
    register_book(ws, series="皖医保", first=12001, last=12100)


@pytest.fixture
def prints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "prints"
    folder.mkdir()
    monkeypatch.setenv(PDF_ENV, str(folder))
    return folder


@pytest.fixture
def village(ws: Any) -> Any:
    build_village(ws)
    return ws


@pytest.fixture
def window(qtbot: Any, village: Any, prints: Path):
    with main_window(qtbot, village) as win:
        yield win


def call(qtbot: Any, win: Any, fn: Callable[[Any], Any]) -> Any:
    """Run a service call on the window's DB thread (it owns the connection) and wait."""
    results: list[Any] = []
    errors: list[BaseException] = []
    win.ctx.run(fn, results.append, errors.append)
    qtbot.waitUntil(lambda: bool(results or errors), timeout=10_000)
    if errors:
        raise errors[0]
    return results[0]


def type_chinese(widget: QWidget, text: str) -> None:
    """keyClicks aborts on Chinese (DESIGN §7): commit the text as an input method would."""
    event = QInputMethodEvent("", [])
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


class Keyboard:
    """Presses keys on whatever has the focus, and counts them."""

    def __init__(self, qtbot: Any) -> None:
        self.qtbot = qtbot
        self.count = 0

    def press(self, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
              ) -> None:
        target = QApplication.focusWidget()
        assert target is not None, "nothing has the keyboard focus"
        self.count += 1
        self.qtbot.keyClick(target, key, modifier)


def receipt(qtbot: Any, win: Any, number: str) -> dict[str, Any]:
    return call(qtbot, win, lambda ws: receipt_state(ws, resolve_receipt(ws, number)))


def printed_pdf(folder: Path, number: str) -> Path | None:
    found = sorted(folder.glob(f"*{number}.pdf"))
    return found[0] if found else None


def test_collect_and_print_with_three_keystrokes(qtbot, window, prints):
    from pypdf import PdfReader

    collect = window.collect
    qtbot.waitUntil(collect.search.hasFocus)
    qtbot.keyClicks(collect.search, "wjg")

    keys = Keyboard(qtbot)
    keys.press(Qt.Key.Key_Return)  # open the first household found
    qtbot.waitUntil(lambda: collect.household is not None, timeout=10_000)
    assert collect.household["head_name"] == "王建国"
    assert collect.total.text() == "合计 ¥1,140.00"
    assert collect.capitals.text() == "壹仟壹佰肆拾元整"

    keys.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: collect.confirm_dialog is not None, timeout=10_000)
    dialog = collect.confirm_dialog
    qtbot.waitUntil(dialog.isActiveWindow)  # the clerk reads the number, then confirms
    assert dialog.receipt.text() == "皖医保 00012001"
    assert dialog.amount.text() == "金额 ¥1,140.00"
    assert dialog.capitals.text() == "壹仟壹佰肆拾元整"

    keys.press(Qt.Key.Key_Return)  # confirm: collect, print
    qtbot.waitUntil(lambda: "已打印" in collect.note.text(), timeout=15_000)
    assert keys.count == 3
    assert collect.search.hasFocus()
    assert collect.search.selectedText() == "wjg"  # typing the next name replaces it

    state = receipt(qtbot, window, "00012001")
    assert state["state"] == "issued"
    assert state["pending_print"] is False
    pdf = printed_pdf(prints, "00012001")
    assert pdf is not None
    assert len(PdfReader(pdf).pages) == 1  # the three parts on one A4 sheet
    qtbot.waitUntil(lambda: "00012002" in window.book_label.text(), timeout=10_000)
    assert all(m["status_label"] == "已参保" for m in collect.household["members"])


def test_search_by_initials_id_digits_and_chinese_name(qtbot, window):
    collect = window.collect

    def heads() -> list[str]:
        return [r["head_name"] for r in collect.results_model.rows()]

    qtbot.keyClicks(collect.search, "wj")
    qtbot.waitUntil(lambda: heads() == ["王建国", "王建军"], timeout=10_000)
    qtbot.keyClick(collect.search, Qt.Key.Key_Down)
    qtbot.keyClick(collect.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: collect.household is not None, timeout=10_000)
    assert collect.household["head_name"] == "王建军"

    collect.search.clear()
    qtbot.keyClicks(collect.search, LI_XIUYING[-4:])  # the last digits on her ID card
    qtbot.waitUntil(lambda: heads() == ["王建国"], timeout=10_000)
    assert collect.results_model.row_at(0)["matched"] == "李秀英"

    collect.search.clear()
    qtbot.keyClicks(collect.search, ZHANG_WEI)
    qtbot.waitUntil(lambda: heads() == ["张伟"], timeout=10_000)

    collect.search.clear()
    type_chinese(collect.search, "吴")
    qtbot.waitUntil(lambda: heads() == ["吴斌"], timeout=10_000)


def test_enter_before_results_opens_the_latest_search_not_a_stale_one(qtbot, window):
    import threading

    collect = window.collect
    release = threading.Event()
    window.worker.submit(lambda: release.wait(5))  # the DB thread is busy for a moment
    qtbot.keyClicks(collect.search, "w")
    assert collect.finder.searching  # "w" is queued behind the busy DB thread
    qtbot.keyClicks(collect.search, "jg")
    qtbot.keyClick(collect.search, Qt.Key.Key_Return)  # before any answer came back
    release.set()
    qtbot.waitUntil(lambda: collect.household is not None, timeout=10_000)
    assert collect.household["head_name"] == "王建国"  # "w" alone would find 吴斌 first
    assert [r["head_name"] for r in collect.results_model.rows()] == ["王建国"]


def test_keyboard_untick_tier_and_method(qtbot, window, prints):
    collect = window.collect
    qtbot.keyClicks(collect.search, "wjg")
    qtbot.keyClick(collect.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: collect.household is not None, timeout=10_000)
    assert collect.members.hasFocus()

    qtbot.keyClick(collect.members, Qt.Key.Key_Down)
    qtbot.keyClick(collect.members, Qt.Key.Key_Down)
    qtbot.keyClick(collect.members, Qt.Key.Key_Space)  # 王磊 will pay another day: untick him
    assert collect.total.text() == "合计 ¥760.00"

    qtbot.keyClick(collect.members, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: collect.household["tier"] == "2", timeout=10_000)
    assert collect.total.text() == "合计 ¥1,280.00"  # still two members, now at 二档

    qtbot.keyClick(collect.members, Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: collect.method() == "wechat")
    qtbot.waitUntil(collect.method_ref.hasFocus)
    qtbot.keyClicks(collect.method_ref, "4200001234")
    qtbot.keyClick(collect.method_ref, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: collect.confirm_dialog is not None, timeout=10_000)
    qtbot.keyClick(collect.confirm_dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "已打印" in collect.note.text(), timeout=15_000)

    labels = {m["name"]: m["status_label"] for m in collect.household["members"]}
    assert labels == {"王建国": "已参保", "李秀英": "已参保", "王磊": "未缴费"}
    assert collect.household["tier"] == "2"


def test_escape_in_confirmation_collects_nothing(qtbot, window):
    collect = window.collect
    qtbot.keyClicks(collect.search, "wb")
    qtbot.keyClick(collect.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: collect.household is not None, timeout=10_000)
    qtbot.keyClick(collect.members, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: collect.confirm_dialog is not None, timeout=10_000)
    qtbot.keyClick(collect.confirm_dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: collect.confirm_dialog is None, timeout=5_000)
    assert receipt(qtbot, window, "00012001")["state"] == "unused"


def test_failed_print_leaves_the_receipt_pending_and_impossible_to_miss(
        qtbot, window, prints, tmp_path, monkeypatch):
    monkeypatch.setenv(PDF_ENV, str(tmp_path / "no such folder" / "r.pdf"))
    collect = window.collect
    collect_by_keyboard(qtbot, window, "zw", note="打印失败")
    assert "皖医保 00012001" in collect.note.text()
    assert any("还没有打印" in box.text() for box in collect.findChildren(QMessageBox))

    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=10_000)
    assert "皖医保 00012001" in window.banner.text.text()
    assert window.pending_label.text() == "1 张待打印"
    assert "⚠1" in window.tabs.tabText(window.tabs.indexOf(window.receipts))
    assert receipt(qtbot, window, "00012001")["pending_print"] is True

    monkeypatch.setenv(PDF_ENV, str(prints))  # the printer is back
    qtbot.mouseClick(window.banner.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.banner.isVisible(), timeout=15_000)
    assert receipt(qtbot, window, "00012001")["pending_print"] is False
    assert printed_pdf(prints, "00012001") is not None
