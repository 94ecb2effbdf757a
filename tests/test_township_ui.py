"""The township's pages driven as the office would (offscreen): issue a book, match a deposit
with a bank credit, settle a book. Data: the three-village demo township (township_demo)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.services.township_demo import create_township_demo
from app.services.workspace import open_workspace
from tests.conftest import PASSPHRASE


@pytest.fixture
def window(qtbot: Any, tmp_path: Path):
    from ui.app import make_application
    from ui.main_window import MainWindow
    from ui.worker import ServiceWorker

    demo = create_township_demo(tmp_path, passphrase=PASSPHRASE)
    ws = open_workspace(Path(demo["township"]), user=None, passphrase=PASSPHRASE)
    make_application()
    worker = ServiceWorker()
    win = MainWindow(ws, worker)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: not worker.busy, timeout=10_000)
    yield win
    win.close_workspace()
    qtbot.waitUntil(lambda: not worker.busy, timeout=10_000)
    worker.stop()


def click(qtbot: Any, button: Any) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def page(win: Any, name: str) -> Any:
    found = next(p for p in win.township_pages if type(p).__name__ == name)
    win.tabs.setCurrentWidget(found)
    return found


def test_issue_a_book(qtbot, window):
    books = page(window, "TownshipBooksPage")
    qtbot.waitUntil(lambda: books.model.rowCount() == 3, timeout=10_000)
    click(qtbot, books.issue_button)
    dialog = books.dialog
    dialog.series.setText("皖医保")
    dialog.first.setValue(301)
    dialog.last.setValue(400)
    dialog.village.setText("3404220010")
    dialog.collector.setText("李会计")
    click(qtbot, dialog.ok_button)
    # 验旧换新: 李会计's first book is not settled, so the office must give a reason.
    qtbot.waitUntil(lambda: "验旧换新" in dialog.message.text(), timeout=10_000)
    dialog.override.setText("旧票本已交回待核")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: books.model.rowCount() == 4, timeout=10_000)
    row = books.model.row_at(3)
    assert (row["first"], row["last"], row["collector"]) == (301, 400, "李会计")
    assert row["override_reason"] == "旧票本已交回待核"
    assert "301" in books.result.text()


def test_match_a_deposit(qtbot, window):
    deposits = page(window, "TownshipDepositsPage")
    qtbot.waitUntil(lambda: deposits.deposits.rowCount() == 3, timeout=10_000)
    unmatched = [i for i in range(3) if deposits.deposits.row_at(i)["bank_ref"] is None]
    assert len(unmatched) == 1
    deposit = deposits.deposits.row_at(unmatched[0])
    click(qtbot, deposits.add_button)
    dialog = deposits.dialog
    dialog.amount.setText(f"{deposit['amount_fen'] / 100:.2f}")
    dialog.ref.setText("955880099")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: deposits.credits.rowCount() == 1, timeout=10_000)
    deposits.deposit_table.selectRow(unmatched[0])
    deposits.credit_table.selectRow(0)
    click(qtbot, deposits.match_button)
    qtbot.waitUntil(lambda: deposits.credits.rowCount() == 0, timeout=10_000)
    assert all(deposits.deposits.row_at(i)["bank_ref"] for i in range(3))
    assert deposit["slip_no"] in deposits.result.text()


def test_settle_a_book(qtbot, window):
    books = page(window, "TownshipBooksPage")
    qtbot.waitUntil(lambda: books.model.rowCount() == 3, timeout=10_000)
    # 张会计 still holds cash: the dialog says why it cannot be settled.
    books.table.selectRow(1)
    click(qtbot, books.settle_button)
    qtbot.waitUntil(lambda: books.dialog is not None and books.dialog.isVisible(),
                    timeout=10_000)
    assert not books.dialog.ok_button.isEnabled()
    assert "未缴存" in books.dialog.message.text()
    books.dialog.reject()
    books.table.selectRow(0)
    click(qtbot, books.settle_button)
    qtbot.waitUntil(lambda: books.dialog.isVisible() and books.dialog.check["collector"]
                    == "李会计", timeout=10_000)
    click(qtbot, books.dialog.ok_button)
    qtbot.waitUntil(lambda: books.model.row_at(0)["settled_at"] is not None, timeout=10_000)
    row = books.model.row_at(0)
    assert row["voided"] == 1 and row["unused"] == 100 - row["issued"] - 1
    assert "1–100" in books.result.text()
