"""Screenshots of every page the township office sees, at 1366×768 in Chinese, from a fresh
demo township: its four pages, the problems of one collector, the 设置村名 dialog, and the
sync, settings and overview pages it shares with the villages (the 报表 page is taken by
ui.reports_screenshots).

    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python -m ui.township_screenshots docs/images
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from app.services.base.workspace import open_workspace
from app.services.demo.township import create_township_demo
from ui.app import make_application
from ui.main_window import MainWindow
from ui.screenshots import SIZE, save_screen, settle
from ui.township_progress import TownshipProgressPage
from ui.township_reconcile import PROBLEMS_TAB, TownshipReconcilePage
from ui.worker import ServiceWorker

PASSPHRASE = "yibao-demo-2026"
NAMES = ("township-books", "township-deposits", "township-reconcile", "township-progress")
SHARED = (("sync", "township-sync"), ("settings", "township-settings"),
          ("overview", "township-overview"))
PROBLEM_COLLECTOR = 1  # the demo's 西河村 张会计: cash held and a deposit without credit


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "docs/images")
    out.mkdir(parents=True, exist_ok=True)
    make_application()
    with tempfile.TemporaryDirectory() as tmp:
        demo = create_township_demo(Path(tmp), passphrase=PASSPHRASE)
        ws = open_workspace(Path(demo["township"]), user=None, passphrase=PASSPHRASE)
        worker = ServiceWorker()
        window = MainWindow(ws, worker)
        window.setGeometry(0, 0, *SIZE)
        window.show()
        try:
            for page, name in zip(window.township_pages, NAMES, strict=True):
                window.tabs.setCurrentWidget(page)
                settle(worker, 0.8)
                if isinstance(page, TownshipReconcilePage):
                    page.table.selectRow(0)
                    settle(worker, 0.5)
                save_screen(out / f"{name}.png", window)
                if isinstance(page, TownshipReconcilePage):
                    page.table.selectRow(PROBLEM_COLLECTOR)
                    page.detail_tabs.setCurrentIndex(PROBLEMS_TAB)
                    settle(worker, 0.5)
                    save_screen(out / "township-reconcile-problems.png", window)
                if isinstance(page, TownshipProgressPage):
                    page.name_village()
                    settle(worker, 0.3)
                    page.dialog.name.setText("东山村")
                    settle(worker, 0.3)
                    save_screen(out / "township-village-name.png", window)
                    page.dialog.reject()
            for attribute, name in SHARED:
                window.tabs.setCurrentWidget(getattr(window, attribute))
                settle(worker, 0.8)
                save_screen(out / f"{name}.png", window)
        finally:
            window.close_workspace()
            settle(worker)
            worker.stop()
            window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
