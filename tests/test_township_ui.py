"""The township's pages driven as the office would (offscreen): issue a book, match a deposit
with a bank credit, settle a book. Data: the three-village demo township (township_demo)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCharts import QBarCategoryAxis
from PySide6.QtWidgets import QLabel

from app.services.base.workspace import open_workspace
from app.services.demo.township import create_township_demo
from tests.conftest import PASSPHRASE
from tests.helpers_ui import click, main_window


@pytest.fixture
def window(qtbot: Any, tmp_path: Path):
    demo = create_township_demo(tmp_path, passphrase=PASSPHRASE)
    ws = open_workspace(Path(demo["township"]), user=None, passphrase=PASSPHRASE)
    with main_window(qtbot, ws) as win:
        yield win


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


def test_status_bar_shows_the_office_figures(qtbot, window):
    qtbot.waitUntil(lambda: window.snapshot is not None and not window.worker.busy,
                    timeout=10_000)
    texts = [label.text() for label in window.statusBar().findChildren(QLabel)
             if label.isVisible()]
    # The demo: three villages of one device each, three books none settled, one deposit
    # the bank has not credited, four problems on the reconciliation page.
    assert window.villages_label.text() == "已收 3 个村 3 台设备"
    assert window.books_label.text() == "已发票据 3 本，未核销 3 本"
    assert window.deposits_label.text() == "1 笔缴存未见银行到账"
    assert "#b00020" in window.deposits_label.styleSheet()
    assert window.problems_label.text() == "⚠ 对账问题 4 个"
    assert window.problems_label.toolTip().count("\n") == 3
    assert window.sync_label.text() == "未配置县级服务器"
    assert not [t for t in texts if "票据 皖医保" in t or "没有可用票据" in t or "现金在手" in t]

    reconcile = page(window, "TownshipReconcilePage")
    qtbot.waitUntil(lambda: reconcile.report is not None, timeout=10_000)
    assert len(reconcile.report["problems"]) == 4  # the bar and the page agree


def test_progress_chart_shows_enrolled_against_target(qtbot, window):
    progress = page(window, "TownshipProgressPage")
    qtbot.waitUntil(lambda: bool(progress.chart.series()), timeout=10_000)
    villages = [progress.model.row_at(i) for i in range(progress.model.rowCount())
                if progress.model.row_at(i)["group"] == "（全村）"]
    [bars] = progress.chart.series()
    enrolled, target = bars.barSets()
    assert (enrolled.label(), target.label()) == ("已参保", "征缴任务")
    assert [int(enrolled.at(i)) for i in range(enrolled.count())] == \
        [v["enrolled"] for v in villages]
    assert [int(target.at(i)) for i in range(target.count())] == [v["target"] for v in villages]
    categories = next(a for a in progress.chart.axes() if isinstance(a, QBarCategoryAxis))
    for label, v in zip(categories.categories(), villages, strict=True):
        assert label.startswith(v["name"])  # the village name, not its code
        assert f"完成率 {v['completion'] * 100:.1f}%" in label
    assert progress.chart.title() == "各村参保人数与征缴任务"


def test_a_burst_of_changes_refreshes_the_status_bar_once_more(qtbot, window, monkeypatch):
    import ui.main_window
    from app.services.views.status import township_status

    runs: list[int] = []

    def counted(ws: Any, **reads: Any) -> dict[str, Any]:
        runs.append(1)
        return township_status(ws, **reads)

    monkeypatch.setattr(ui.main_window, "township_status", counted)
    for _ in range(5):
        window.refresh_status()
    qtbot.waitUntil(lambda: not window.worker.busy and not window._township_refreshing,
                    timeout=10_000)
    assert len(runs) == 2  # the one running, then one for everything that came meanwhile
