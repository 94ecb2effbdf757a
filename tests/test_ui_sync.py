"""The sync page against the real county server on loopback (yibao-server run, SQLite).

The village is test_ui_collect's; the sync runs on its own thread and connection, so the clerk
collects while it is held up.
"""

# The shared fixtures come from test_ui_collect and are requested by parameter name.
# ruff: noqa: F811

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from app.services.base.workspace import Workspace
from app.services.exchange.county import (
    SyncProgress,
    enrol_device,
    list_refund_tasks,
    sync_status,
)
from app.services.exchange.feed import apply_items
from app.services.views.listings import refund_candidates
from app.services.village.campaigns import active_campaign
from app.services.village.collect import collect_household
from db.connection import tx
from sync.protocol import ConflictData
from tests.helpers_ui import click, collect_by_keyboard
from tests.pg import free_port
from tests.test_sync_hostile import FakeCounty
from tests.test_sync_support import FAST_RETRY, CountyServer
from tests.test_ui_collect import (  # noqa: F401 - fixtures are used by name
    LI_XIUYING,
    call,
    prints,
    village,
    window,
)
from ui.receipts_page import RefundDialog

VILLAGE_CODE = "3404220010"  # tests/conftest.py's database


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CountyServer]:
    folder = tmp_path_factory.mktemp("county")
    server = CountyServer(f"sqlite:///{folder / 'county.db'}", folder).start()
    yield server
    server.stop()


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

    # The county allocated the clerk's book (receipts from any other book are refused there).
    county.admin("allocate-book", "--village", VILLAGE_CODE, "--collector", "李会计",
                 "--series", "皖医保", "--first", "12001", "--last", "12100")
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
    collect_by_keyboard(qtbot, window, "wjg")
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


@pytest.fixture
def garbage_county() -> Iterator[tuple[FakeCounty, threading.Event]]:
    """Enrols properly, then answers push and pull with garbage once the gate opens."""
    fake, gate = FakeCounty(), threading.Event()

    def garbage(handler: BaseHTTPRequestHandler) -> bool:
        gate.wait(30)
        body = b"\x00<html>not json{"
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
        return True

    fake.raw = garbage
    yield fake, gate
    gate.set()
    fake.close()


def test_hostile_server_is_a_red_failure_and_nothing_freezes(qtbot, window, garbage_county):
    fake, gate = garbage_county
    call(qtbot, window, lambda ws: enrol_device(ws, server_url=fake.url, code="ANY",
                                                retry=FAST_RETRY))
    window.sync_controller.options = {"retry": FAST_RETRY}
    page = show_sync(qtbot, window)
    qtbot.waitUntil(lambda: page.status["enrolled"], timeout=10_000)
    pending = page.status["pending"]

    click(qtbot, page.sync_button)
    # While the server holds the push, the window and its database thread keep answering.
    assert window.sync_controller.syncing
    assert call(qtbot, window, sync_status)["pending"] == pending
    window.tabs.setCurrentWidget(window.roster)
    window.tabs.setCurrentWidget(page)
    assert window.sync_controller.syncing and "后台同步" in page.result.text()

    gate.set()
    qtbot.waitUntil(lambda: not window.sync_controller.syncing, timeout=30_000)
    assert page.result.text().startswith("同步失败："), page.result.text()
    assert "#b00020" in page.result.styleSheet()
    assert not page.bar.isVisible()
    assert window.sync_button.button.isEnabled()
    assert window.sync_button.button.toolTip().startswith("同步失败：")
    assert not window.findChildren(QMessageBox)
    assert call(qtbot, window, sync_status)["pending"] == pending


def _refund_task_for_li_xiuying(ws: Workspace) -> None:
    """The county says 李秀英 is in employee insurance: a conflict notice, applied as a pull
    would apply it."""
    done = collect_household(ws, household_no="3404220010001", tier_code="1")
    line = next(r for r in refund_candidates(ws, done.receipt_no, done.series)
                if r["id_number"] == LI_XIUYING)
    notice = ConflictData(notice_id=str(uuid.uuid4()), reason="employee_insured",
                          message="已在职工医保参保", event_uuid=str(uuid.uuid4()),
                          campaign_year=active_campaign(ws).campaign_year, payment_id=done.payment_id,
                          line_id=line["line_id"], id_number=LI_XIUYING, name="李秀英",
                          receipt=done.receipt_label)
    with tx(ws.conn):
        applied, skipped = apply_items(ws, [(1, "conflict", notice)])
    assert (applied, skipped) == (1, [])


def test_refund_task_opens_the_refund_dialog_preselected(qtbot, window):
    call(qtbot, window, _refund_task_for_li_xiuying)
    [task] = call(qtbot, window, list_refund_tasks)
    page = show_sync(qtbot, window)
    qtbot.waitUntil(lambda: page.tasks_model.rowCount() == 1, timeout=10_000)
    assert not page.refund_button.isEnabled()  # nothing selected yet
    page.tasks.selectRow(0)
    click(qtbot, page.refund_button)
    dialog = page.dialog
    assert isinstance(dialog, RefundDialog)
    assert dialog.receipt["label"] == task["receipt"]
    # 李秀英 is the second member and 参加职工医保 not the first reason: both were chosen.
    qtbot.waitUntil(lambda: dialog.person() is not None, timeout=10_000)
    assert dialog.person()["id_number"] == LI_XIUYING
    assert dialog.people.currentIndex().row() == 1
    assert dialog.reason.currentData() == "employee"
    dialog.reject()


def test_before_enrolment_the_page_points_to_the_enrol_button(qtbot, window):
    page = show_sync(qtbot, window)
    assert not page.status["enrolled"]
    guide = page.result.text()
    assert "还没有登记" in guide and "“登记本机…”" in guide, guide
    assert page.enrol_button.text() == "登记本机…"
    assert "失败" not in guide and "yibao" not in guide
    assert "#b00020" not in page.result.styleSheet()

    # The status bar's button pressed anyway: the same way to enrol, not a failure.
    click(qtbot, window.sync_button.button)
    qtbot.waitUntil(lambda: not window.sync_controller.syncing, timeout=10_000)
    qtbot.waitUntil(lambda: page.result.text() == guide, timeout=10_000)
    assert "#b00020" not in page.result.styleSheet()
    tip = window.sync_button.button.toolTip()
    assert tip == guide and "yibao" not in tip
    assert not window.findChildren(QMessageBox)


def test_progress_shows_pages_and_items_as_they_are_applied(qtbot, window):
    page = show_sync(qtbot, window)
    controller = window.sync_controller
    controller.started.emit()
    controller.progressed.emit(SyncProgress("pull", 1200, None, 3))
    assert page.result.text() == "正在接收县医保数据：已应用 3 页、1200 条"
    assert (page.bar.minimum(), page.bar.maximum()) == (0, 0)  # how many remain is unknown
    assert page.bar.isVisible() and window.sync_button.bar.isVisible()
    controller.progressed.emit(SyncProgress("push", 30, 120, 1))
    assert page.result.text() == "正在上传记录：30 / 120"
    assert (page.bar.value(), page.bar.maximum()) == (30, 120)
    assert (window.sync_button.bar.value(), window.sync_button.bar.maximum()) == (30, 120)
