"""Screenshots of each main screen at 1366×768 in Chinese, from a fresh demo village.

    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python -m ui.screenshots docs/images

Builds the demo database in a temporary folder (app.services.demo.village), drives the windows the
way a clerk would — search by pinyin initials, open the household, Ctrl+Enter — and saves
each screen. Printing goes to PDF files in the temporary folder. With YIBAO_SCREENSHOT_FONT
set to ``large`` (or ``largest``) every screenshot module here shows the window at that font
size setting (``make screenshots`` takes both sets).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from app.domain.pinyin import name_initials
from app.services.base.workspace import Workspace
from app.services.demo.village import create_demo
from app.services.views.listings import list_households
from app.services.village.cash import cash_position, record_deposit
from app.services.village.collect import household_fees
from ui.app import make_application
from ui.common import apply_font_size
from ui.main_window import MainWindow
from ui.printing import PRINT_TO_PDF_ENV
from ui.unlock import UnlockDialog
from ui.worker import ServiceWorker

SIZE = (1366, 768)
SAMPLE_ROSTER = Path(__file__).resolve().parent.parent / "tests" / "data" / "roster-sample.csv"
# Typed by hand over the years: a wrong check digit and a relation nobody can read.
DIRTY_ROWS = ("3404220010009,一组,赵六,赵六,户主,居民身份证,110105194912310021,男,1949-12-31,"
              "汉族,本地,,,\n"
              "3404220010009,一组,赵六,赵小六,表亲,居民身份证,11010519491231002X,女,1949-12-31,"
              "汉族,本地,,,\n")
USER = "李会计"
PASSPHRASE = "yibao-demo-2026"
FONT_ENV = "YIBAO_SCREENSHOT_FONT"


def wait_until(condition: Callable[[], Any], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the expected state")
        QApplication.processEvents()
        time.sleep(0.01)


def settle(worker: ServiceWorker, seconds: float = 0.4) -> None:
    """Let queued work finish and the widgets repaint before a picture is taken, at the font
    size the screenshots are asked for (it wins over the demo database's setting, read when
    the window opened)."""
    wait_until(lambda: not worker.busy)
    # Twice: the setting read when the window opened may be delivered while events run.
    for _ in range(2):
        if os.environ.get(FONT_ENV):
            apply_font_size(os.environ[FONT_ENV])
        end = time.monotonic() + seconds / 2
        while time.monotonic() < end:
            QApplication.processEvents()
            time.sleep(0.01)


def save_screen(path: Path, fallback: QWidget) -> None:
    """The whole screen shows dialogs over their window; offscreen has no screen to grab."""
    screen = QGuiApplication.primaryScreen()
    picture: QPixmap = screen.grabWindow(0) if QGuiApplication.platformName() == "xcb" \
        else fallback.grab()
    picture.save(str(path))
    print(f"saved {path}")


def good_example(ws: Workspace) -> str:
    """A household worth showing: unpaid, several members, one of them subsidised."""
    fallback = None
    for household in list_households(ws):
        fees = household_fees(ws, household["household_no"], "1")
        payable = [m for m in fees["members"] if m["collectable"]]
        if len(payable) >= 3 and any(m["subsidy_fen"] for m in payable):
            return household["head_name"]
        if fallback is None and payable:
            fallback = household["head_name"]
    if fallback is None:
        raise RuntimeError("the demo village has no unpaid household")
    return fallback


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "docs/images")
    out.mkdir(parents=True, exist_ok=True)
    app = make_application()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ[PRINT_TO_PDF_ENV] = tmp
        db = Path(tmp) / "demo.db"
        create_demo(db, user=USER, passphrase=PASSPHRASE)
        worker = ServiceWorker()
        try:
            shoot(app, worker, db, out)
        finally:
            worker.stop()
    return 0


def shoot(app: QApplication, worker: ServiceWorker, db: Path, out: Path) -> None:
    dialog = UnlockDialog(db, worker, preselect_user=USER)
    dialog.show()
    dialog.move((SIZE[0] - dialog.width()) // 2, (SIZE[1] - dialog.height()) // 3)
    QTest.keyClicks(dialog.passphrase, PASSPHRASE)
    settle(worker)
    save_screen(out / "unlock.png", dialog)
    opened: list[Workspace] = []
    dialog.unlocked.connect(opened.append)
    QTest.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    wait_until(lambda: opened)
    ws = opened[0]

    window = MainWindow(ws, worker)
    window.setGeometry(0, 0, *SIZE)
    window.show()
    window.activateWindow()
    try:
        shoot_window(window, worker, ws, out)
    finally:
        window.close_workspace()
        wait_until(lambda: not worker.busy)
        window.close()
        app.processEvents()


def shoot_window(window: MainWindow, worker: ServiceWorker, ws: Workspace, out: Path) -> None:
    settle(worker)

    names: list[str] = []
    worker.submit(lambda: good_example(ws), names.append)
    wait_until(lambda: names)
    collect = window.collect
    QTest.keyClicks(collect.search, name_initials(names[0]))
    wait_until(lambda: collect.results_model.rowCount() > 0)
    row = next(i for i in range(collect.results_model.rowCount())
               if collect.results_model.row_at(i)["head_name"] == names[0])
    collect.results.selectRow(row)
    QTest.keyClick(collect.search, Qt.Key.Key_Return)
    wait_until(lambda: collect.household is not None)
    settle(worker)
    save_screen(out / "collect.png", window)

    QTest.keyClick(collect.members, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait_until(lambda: collect.confirm_dialog is not None)
    confirm = collect.confirm_dialog
    # The resident hands over the next round hundred: the 收到/找零 helper shows the change.
    QTest.keyClicks(confirm.received, str((confirm.total_fen // 10000 + 1) * 100))
    settle(worker)
    save_screen(out / "confirm.png", confirm)
    QTest.keyClick(confirm.confirm_button, Qt.Key.Key_Return)
    wait_until(lambda: "已打印" in collect.note.text())
    settle(worker)
    save_screen(out / "collect-paid.png", window)
    collect.show_history()
    settle(worker)
    assert collect.history_dialog is not None
    save_screen(out / "history.png", collect.history_dialog)
    collect.history_dialog.reject()

    for page, name in ((window.roster, "roster"), (window.receipts, "receipts"),
                       (window.cash, "cash"), (window.progress, "progress"),
                       (window.sync, "sync"), (window.reports, "reports"),
                       (window.settings, "settings"), (window.overview, "overview")):
        window.tabs.setCurrentWidget(page)
        settle(worker, 0.8)
        if page is window.roster:
            page.households.selectRow(3)
            settle(worker)
        save_screen(out / f"{name}.png", window)
        if page is window.cash:
            page.close_day()
            settle(worker)
            save_screen(out / "daily-close.png", page.dialog)
            page.dialog.reject()
        if page is window.receipts:
            shoot_confirmations(page, worker, out)

    # The import report for last year's sample roster with two dirty rows (checked, not
    # applied).
    sample = ws.path.parent / "上年花名册.csv"
    sample.write_text(SAMPLE_ROSTER.read_text(encoding="utf-8") + DIRTY_ROWS, encoding="utf-8")
    window.tabs.setCurrentWidget(window.roster)
    window.roster.import_roster()
    dialog = window.roster.dialog
    dialog.move(window.x() + 200, window.y() + 60)
    dialog.path.setText(str(sample))
    dialog.check()
    wait_until(lambda: dialog.report is not None and not dialog.busy)
    settle(worker)
    save_screen(out / "import.png", dialog)
    dialog.reject()
    shoot_refusals(window, worker, ws, out)


def shoot_confirmations(page: Any, worker: ServiceWorker, out: Path) -> None:
    """The second step of 作废 and 退费, where the clerk reads whose money and how much."""
    page.table.selectRow(0)
    settle(worker)
    page.void_selected()
    dialog = page.dialog
    dialog.reason.setCurrentText("填错户")
    dialog.submit()
    settle(worker)
    save_screen(out / "void-confirm.png", dialog)
    dialog.reject()
    page.refund_selected()
    dialog = page.dialog
    wait_until(lambda: dialog.model.rowCount() > 0)
    dialog.people.selectRow(0)
    dialog.submit()
    settle(worker)
    save_screen(out / "refund-confirm.png", dialog)
    dialog.reject()


def _refused_in(dialog: Any, worker: ServiceWorker, path: Path) -> None:
    """Press OK twice (the dialog asks again) and picture the refusal it shows."""
    dialog.submit()
    dialog.submit()
    wait_until(lambda: bool(dialog.message.text()))
    settle(worker)
    save_screen(path, dialog)
    dialog.reject()


def shoot_refusals(window: MainWindow, worker: ServiceWorker, ws: Workspace, out: Path) -> None:
    """The clerk's view of two money controls: a deposited receipt cannot be voided, and a
    cash refund needs the cash (the township can pay it instead)."""
    def deposit_everything() -> None:
        on_hand = cash_position(ws).on_hand_fen
        if on_hand:
            record_deposit(ws, amount_fen=on_hand, slip_no="截图-缴款单-1")

    done: list[bool] = []
    worker.submit(deposit_everything, lambda _r: done.append(True))
    wait_until(lambda: done)
    window.refresh_status()
    page = window.receipts
    window.tabs.setCurrentWidget(page)
    page.refresh()
    settle(worker, 0.8)
    page.table.selectRow(0)
    settle(worker)
    page.void_selected()
    dialog = page.dialog
    dialog.reason.setCurrentText("填错户")
    _refused_in(dialog, worker, out / "refusal-void-deposited.png")
    page.refund_selected()
    dialog = page.dialog
    wait_until(lambda: dialog.model.rowCount() > 0)
    dialog.people.selectRow(0)
    _refused_in(dialog, worker, out / "refusal-refund-cash.png")


if __name__ == "__main__":
    sys.exit(main())
