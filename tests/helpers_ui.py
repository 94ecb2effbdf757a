"""The main window on a workspace, as the UI tests open it, a click that checks first, and a
collection made from the keyboard."""

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


def collect_by_keyboard(qtbot: Any, win: Any, search: str, *, note: str = "已打印") -> None:
    """Type ``search``, Enter to open the household, Ctrl+Enter, Enter to confirm; wait until
    the collect view's note says ``note``."""
    collect = win.collect
    qtbot.keyClicks(collect.search, search)
    qtbot.keyClick(collect.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: collect.household is not None, timeout=10_000)
    qtbot.keyClick(collect.members, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: collect.confirm_dialog is not None, timeout=10_000)
    qtbot.keyClick(collect.confirm_dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: note in collect.note.text(), timeout=15_000)
