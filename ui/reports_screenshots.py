"""Screenshots of the 报表 page (every report previewed) and the settings page's backup and
passphrase change, at 1366×768 in Chinese, from a fresh demo village and demo township.

    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python -m ui.reports_screenshots docs/images
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate

from app.services.base.workspace import Workspace, open_workspace
from app.services.demo.township import create_township_demo
from app.services.demo.village import create_demo
from ui.app import make_application
from ui.main_window import MainWindow
from ui.printing import PRINT_TO_PDF_ENV
from ui.reports_page import ReportsPage
from ui.screenshots import PASSPHRASE, SIZE, USER, save_screen, settle, wait_until
from ui.worker import ServiceWorker

VILLAGE_REPORTS = ("daily", "settlement", "notice", "coverage", "subsidised")


def _latest_day(ws: Workspace) -> date:
    row = ws.conn.execute("SELECT max(business_date) FROM payments").fetchone()
    return date.fromisoformat(row[0])


def _unpaid_household(ws: Workspace) -> str:
    return ws.conn.execute(
        "SELECT h.household_no FROM households h WHERE NOT EXISTS (SELECT 1 FROM payments p "
        "WHERE p.household_id = h.id) ORDER BY h.household_no LIMIT 1").fetchone()[0]


def preview(page: ReportsPage, worker: ServiceWorker, key: str) -> None:
    page.list.setCurrentRow([k.key for k in page.kinds].index(key))
    page.preview()
    wait_until(lambda: page.pdf is not None or "未能" in page.status.text())
    settle(worker, 0.5)


def shoot_village(window: MainWindow, worker: ServiceWorker, ws: Workspace, out: Path) -> None:
    page = window.reports
    window.tabs.setCurrentWidget(page)
    settle(worker, 0.8)
    facts: list[tuple[date, str]] = []
    worker.submit(lambda: (_latest_day(ws), _unpaid_household(ws)), facts.append)
    wait_until(lambda: facts)
    day, household = facts[0]
    page.day.setDate(QDate(day.year, day.month, day.day))
    page.household.setText(household)
    for key in VILLAGE_REPORTS:
        preview(page, worker, key)
        save_screen(out / f"reports-{key}.png", window)
    settings = window.settings
    window.tabs.setCurrentWidget(settings)
    settle(worker, 0.5)
    settings.backup_to(ws.path.parent / "U盘")
    wait_until(lambda: "已备份" in settings.upkeep_result.text())
    settle(worker)
    save_screen(out / "settings-backup.png", window)
    settings.old_pass.setText(PASSPHRASE)
    settings.new_pass.setText("new-passphrase-2026")
    settings.confirm_pass.setText("new-passphrase-2O26")
    settings.change_passphrase()
    settle(worker)
    save_screen(out / "settings-passphrase.png", window)


def shoot_township(window: MainWindow, worker: ServiceWorker, out: Path) -> None:
    page = window.reports
    window.tabs.setCurrentWidget(page)
    settle(worker, 0.8)
    for key in ("coverage", "subsidised"):
        preview(page, worker, key)
        save_screen(out / f"township-reports-{key}.png", window)


def _window(ws: Workspace, worker: ServiceWorker) -> MainWindow:
    window = MainWindow(ws, worker)
    window.setGeometry(0, 0, *SIZE)
    window.show()
    window.activateWindow()
    return window


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "docs/images")
    out.mkdir(parents=True, exist_ok=True)
    make_application()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ[PRINT_TO_PDF_ENV] = tmp
        db = Path(tmp) / "demo.db"
        create_demo(db, user=USER, passphrase=PASSPHRASE)
        demo = create_township_demo(Path(tmp) / "township", passphrase=PASSPHRASE)
        for path, shoot in ((db, "village"), (Path(demo["township"]), "township")):
            worker = ServiceWorker()
            ws = open_workspace(path, user=None, passphrase=PASSPHRASE)
            window = _window(ws, worker)
            try:
                settle(worker, 0.8)
                if shoot == "village":
                    shoot_village(window, worker, ws, out)
                else:
                    shoot_township(window, worker, out)
            finally:
                window.close_workspace()
                settle(worker)
                worker.stop()
                window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
