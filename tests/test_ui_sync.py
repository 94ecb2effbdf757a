"""The sync page against the real county server on loopback (yibao-server run, SQLite).

The village is test_ui_collect's; the sync runs on its own thread and connection, so the clerk
collects while it is held up.
"""

# The shared fixtures come from test_ui_collect and are requested by parameter name.
# ruff: noqa: F811

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.services.sync import enrol_device, sync_status
from tests.pg import free_port
from tests.test_sync_support import FAST_RETRY, CountyServer
from tests.test_ui_collect import (  # noqa: F401 - fixtures are used by name
    call,
    prints,
    village,
    window,
)

VILLAGE_CODE = "3404220010"  # tests/conftest.py's database


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CountyServer]:
    folder = tmp_path_factory.mktemp("county")
    server = CountyServer(f"sqlite:///{folder / 'county.db'}", folder).start()
    yield server
    server.stop()


def click(qtbot: Any, button: Any) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def show_sync(qtbot: Any, win: Any) -> Any:
    page = win.sync
    win.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.status is not None, timeout=10_000)
    return page


def test_enrol_and_sync_while_collecting(qtbot, window, county):
    controller = window.sync_controller
    controller.options = {"retry": FAST_RETRY}
    page = show_sync(qtbot, window)
    assert not page.sync_button.isEnabled()  # nothing to sync with before enrolment
    pending_before = page.status["pending"]
    assert pending_before > 0

    click(qtbot, page.enrol_button)
    dialog = page.dialog
    dialog.url.setText(county.url)
    dialog.code.setText(county.admin("enrol-code", "--village", VILLAGE_CODE)["code"])
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: page.status["enrolled"], timeout=15_000)
    assert "已登记" in page.result.text()

    # Hold the sync thread up, start a sync from the status bar, and collect meanwhile.
    gate = threading.Event()
    controller.worker.submit(lambda: gate.wait(30))
    click(qtbot, window.sync_button.button)
    assert controller.syncing and not window.sync_button.button.isEnabled()
    assert window.sync_button.bar.isVisible()

    window.tabs.setCurrentWidget(window.collect)
    collect = window.collect
    qtbot.waitUntil(collect.search.hasFocus)
    qtbot.keyClicks(collect.search, "wjg")
    qtbot.keyClick(collect.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: collect.household is not None, timeout=10_000)
    qtbot.keyClick(collect.members, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: collect.confirm_dialog is not None, timeout=10_000)
    qtbot.keyClick(collect.confirm_dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "已打印" in collect.note.text(), timeout=15_000)
    assert controller.syncing  # collected and printed while the sync was still waiting

    gate.set()
    qtbot.waitUntil(lambda: not controller.syncing, timeout=30_000)
    qtbot.waitUntil(lambda: window.sync_label.text().startswith("待同步 0 条"), timeout=10_000)
    assert "上次同步" in window.sync_label.text()
    assert call(qtbot, window, sync_status)["pending"] == 0
    assert county.admin("stats")["events"] >= pending_before
    window.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: "同步完成" in page.result.text(), timeout=10_000)
    assert not window.sync_button.bar.isVisible()
    assert window.sync_button.button.isEnabled()


def test_offline_is_said_calmly(qtbot, window, county):
    call(qtbot, window, lambda ws: enrol_device(
        ws, server_url=county.url, retry=FAST_RETRY,
        code=county.admin("enrol-code", "--village", VILLAGE_CODE)["code"]))
    window.sync_controller.options = {"retry": FAST_RETRY,
                                      "server_url": f"http://127.0.0.1:{free_port()}"}
    page = show_sync(qtbot, window)
    qtbot.waitUntil(lambda: page.status["enrolled"], timeout=10_000)
    pending = page.status["pending"]

    click(qtbot, page.sync_button)
    qtbot.waitUntil(lambda: not window.sync_controller.syncing, timeout=30_000)
    qtbot.waitUntil(lambda: "网络不通" in page.result.text(), timeout=10_000)
    assert "失败" not in page.result.text()
    assert "#b00020" not in page.result.styleSheet()
    assert not window.findChildren(QMessageBox)  # no error dialog for a normal day offline
    assert call(qtbot, window, sync_status)["pending"] == pending
