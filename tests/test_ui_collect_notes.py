"""The collect screen's note belongs to one household (desktop second pass, finding 1): a
clerk never reads household A's message beside household B, nor a request that was already
met."""

# The shared fixtures come from test_ui_collect and are requested by parameter name.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

from tests.helpers_ui import collect_by_keyboard
from tests.test_ui_collect import (  # noqa: F401 - fixtures are used by name
    prints,
    village,
    window,
)


def _open(qtbot: Any, collect: Any, household_no: str) -> None:
    collect.open_household(household_no)
    qtbot.waitUntil(lambda: collect.household is not None
                    and collect.household["household_no"] == household_no
                    and not collect._loading, timeout=10_000)


def test_a_collect_message_does_not_stay_beside_the_next_household(qtbot, window):
    collect = window.collect
    collect_by_keyboard(qtbot, window, "wjg")  # 王建国's household, collected and printed
    assert "已收款" in collect.note.text() or "收款" in collect.note.text()
    _open(qtbot, collect, "3404220010003")
    assert collect.note.text() == ""


def test_the_nobody_to_pay_note_goes_with_its_household(qtbot, window):
    collect = window.collect
    collect_by_keyboard(qtbot, window, "wjj")  # 王建军 alone: nobody left to pay afterwards
    _open(qtbot, collect, "3404220010002")
    assert collect.note.text() != ""  # everyone there is enrolled
    _open(qtbot, collect, "3404220010004")  # 张伟 still has to pay
    assert collect.note.text() == ""


def test_the_reference_request_goes_when_the_clerk_goes_back_to_cash(qtbot, window):
    collect = window.collect
    _open(qtbot, collect, "3404220010004")
    collect.method_buttons["wechat"].setChecked(True)
    collect.request_collect()
    assert collect.note.text() != ""  # 请填写交易参考号
    collect.method_buttons["cash"].setChecked(True)
    assert collect.note.text() == ""


def test_the_keyboard_stays_in_the_view_after_going_back_to_cash(qtbot, window):
    """Alt+W → Ctrl+Enter (a reference is asked for) → Alt+X: Alt+2 and Space still work."""
    from PySide6.QtCore import Qt

    collect = window.collect
    _open(qtbot, collect, "3404220010001")
    qtbot.waitUntil(collect.members.hasFocus, timeout=5_000)
    qtbot.keyClick(collect.members, Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(collect.method_ref.hasFocus, timeout=5_000)
    qtbot.keyClick(collect.method_ref, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert collect.note.text() != ""
    qtbot.keyClick(collect.method_ref, Qt.Key.Key_X, Qt.KeyboardModifier.AltModifier)
    assert collect.method() == "cash" and collect.note.text() == ""
    focused = collect.focusWidget()
    assert focused is not None and collect.isAncestorOf(focused)
    qtbot.keyClick(focused, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: collect.tier_code == "2" and not collect._loading, timeout=10_000)
    before = len(collect.members_model.checked)
    target = collect.focusWidget() or collect.members
    qtbot.keyClick(target, Qt.Key.Key_Space)
    assert len(collect.members_model.checked) != before
