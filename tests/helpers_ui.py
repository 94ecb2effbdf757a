"""The main window on a workspace, as the UI tests open it, and a click that checks first."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import Qt


@contextmanager
def main_window(qtbot: Any, ws: Any) -> Iterator[Any]:
    """A shown main window with its own DB worker, ready (first status read) when yielded;
    the workspace is closed and the worker stopped afterwards."""
    from ui.app import make_application
    from ui.main_window import MainWindow
    from ui.worker import ServiceWorker

    make_application()
    worker = ServiceWorker()
    win = MainWindow(ws, worker)
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.snapshot is not None and not worker.busy, timeout=10_000)
    try:
        yield win
    finally:
        win.close_workspace()
        qtbot.waitUntil(lambda: not worker.busy, timeout=10_000)
        worker.stop()


def click(qtbot: Any, button: Any) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
