"""The 催缴 page at 1366×768 in Chinese, on a demo village in its second campaign.

    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python -m ui.chase_screenshots docs/images
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from app.services.base.workspace import open_workspace
from app.services.demo.chase import create_chase_demo
from ui.app import make_application
from ui.main_window import MainWindow
from ui.screenshots import PASSPHRASE, SIZE, USER, save_screen, settle
from ui.worker import ServiceWorker


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "docs/images")
    out.mkdir(parents=True, exist_ok=True)
    make_application()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "chase-demo.db"
        create_chase_demo(db, user=USER, passphrase=PASSPHRASE)
        ws = open_workspace(db, user=None, passphrase=PASSPHRASE)
        worker = ServiceWorker()
        window = MainWindow(ws, worker)
        window.setGeometry(0, 0, *SIZE)
        window.show()
        try:
            window.tabs.setCurrentWidget(window.chase)
            settle(worker, 0.8)
            window.chase.table.selectRow(2)
            settle(worker, 0.3)
            save_screen(out / "chase.png", window)
        finally:
            window.close_workspace()
            settle(worker)
            worker.stop()
            window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
