"""Runs inside the GUI subprocess that ``bench.gui`` starts (QT_QPA_PLATFORM=offscreen).

The app starts through its real entry point (``ui.launcher.main``, as the ``yibao`` command
does); hooks on the Qt event loop take the times and drive it like a clerk:

- start → unlock screen: from the parent's ``time.monotonic()`` just before it spawned this
  process (the clock is system-wide) to the unlock dialog's first paint;
- unlock → usable: from pressing Unlock (Argon2id at the real cost, then opening the database)
  to the main window painted with every start-up query answered — the database worker idle
  for a moment, so a search typed now is answered at once rather than queued;
- typing: key presses (ASCII) and input-method commits (Chinese, as an IME delivers them) into
  the collect view's search box, each waited out until the results for the text now in the
  box are shown (an older text's answer, should one come, does not count);
- then every tab the user sees is opened in turn, as a clerk would look around, and the peak resident
  memory (VmHWM) is read at the end;
- memory stages: the resident set (VmRSS) and its peak so far (VmHWM) at each step above, so a
  growth can be put down to the step that caused it.

Results are written as JSON to the path given; the process then exits at once, without the
orderly shutdown, which the benchmark does not measure.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QInputMethodEvent, QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

# The database worker counts as idle only after this long without a task, so a chain of
# start-up queries (one answer triggering the next) is not mistaken for the end.
SETTLE_S = 0.05
POLL_MS = 2
WAIT_S = 120.0


def _status_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def vm_hwm_mb() -> float:
    """Peak resident set from /proc (ru_maxrss as a fallback where /proc is missing)."""
    peak = _status_mb("VmHWM")
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 if peak is None else peak


class FirstPaint(QObject):
    """Application-wide filter: calls ``then`` at the first paint of a widget of ``kind``."""

    def __init__(self, kind: str, then: Callable[[QWidget], None]) -> None:
        super().__init__()
        self.kind = kind
        self.then = then

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.Paint and isinstance(watched, QWidget)
                and type(watched.window()).__name__ == self.kind):
            app = QApplication.instance()
            assert app is not None
            app.removeEventFilter(self)
            self.then(watched.window())
        return False


class Driver:
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.results: dict[str, Any] = {}
        self.window: Any = None
        self.filter: FirstPaint | None = None
        self.results["memory"] = []

    def stage(self, name: str) -> None:
        """Note the resident set now and its peak so far, as the step ``name`` is reached."""
        rss = _status_mb("VmRSS")
        self.results["memory"].append({"stage": name,
                                       "rss_mb": None if rss is None else round(rss, 1),
                                       "peak_mb": round(vm_hwm_mb(), 1)})

    # ---- start-up ------------------------------------------------------------------------

    def install(self, app: QApplication) -> None:
        self.filter = FirstPaint("UnlockDialog", self.unlock_screen_shown)
        app.installEventFilter(self.filter)

    def unlock_screen_shown(self, dialog: Any) -> None:
        self.results["start_to_unlock_s"] = time.monotonic() - self.config["spawned_at"]
        self.stage("unlock screen shown")
        QTimer.singleShot(0, lambda: self.unlock(dialog))

    def unlock(self, dialog: Any) -> None:
        dialog.passphrase.setText(self.config["passphrase"])
        dialog.unlocked.connect(self.unlocked)
        self.unlock_pressed = time.monotonic()
        dialog.try_unlock()

    def unlocked(self, _ws: object) -> None:
        # Connected after run_app's own slot, so the main window exists and is shown.
        self.results["unlock_to_window_built_s"] = time.monotonic() - self.unlock_pressed
        self.window = next(w for w in QApplication.topLevelWidgets()
                           if type(w).__name__ == "MainWindow")
        self.stage("database open, main window built")
        self.when_idle(self.usable)

    def usable(self, at: float) -> None:
        self.results["unlock_to_usable_s"] = at - self.unlock_pressed
        self.results["rss_after_unlock_mb"] = vm_hwm_mb()
        self.stage("usable: start-up queries answered")
        self.keys = list(self.keystrokes())
        self.typing: list[dict[str, Any]] = []
        QTimer.singleShot(0, self.next_key)

    # ---- waiting ---------------------------------------------------------------------------

    def busy(self) -> bool:
        printer = getattr(self.window, "printer", None)
        printing = bool(printer and printer.thread.busy)
        return bool(self.window.worker.busy) or printing or not self.window.isVisible()

    def when_idle(self, then: Callable[[float], None], *, since: float | None = None) -> None:
        """Call ``then(t)`` with the moment the worker went idle and stayed so for SETTLE_S."""
        started = time.monotonic() if since is None else since
        idle_since: list[float] = []

        def poll() -> None:
            now = time.monotonic()
            if self.busy():
                idle_since.clear()
            elif not idle_since:
                idle_since.append(now)
            elif now - idle_since[0] >= SETTLE_S:
                timer.stop()
                then(idle_since[0])
                return
            if now - started > WAIT_S:
                timer.stop()
                then(float("nan"))

        timer = QTimer(self.window)
        timer.setInterval(POLL_MS)
        timer.timeout.connect(poll)
        timer.start()

    # ---- typing in the collect view ----------------------------------------------------------

    def keystrokes(self) -> list[tuple[str, str, bool]]:
        """(kind, character, first of its query): each query typed one character at a time."""
        out = []
        for kind, query in self.config["queries"]:
            for index, ch in enumerate(query):
                out.append((kind, ch, index == 0))
        return out

    def next_key(self) -> None:
        if not self.keys:
            self.results["typing"] = self.typing
            self.stage("after typing the searches")
            QTimer.singleShot(0, self.tour)
            return
        kind, ch, first = self.keys.pop(0)
        search = self.window.collect.search
        if first:
            search.clear()
        search.setFocus()
        QApplication.processEvents()
        finder = self.window.collect.finder
        shown: list[float] = []

        def results_shown(text: str) -> None:
            if text == search.text():
                shown.append(time.monotonic())

        finder.results_shown.connect(results_shown)
        pressed = time.monotonic()
        self.press(search, ch)

        def poll() -> None:
            if not shown and time.monotonic() - pressed < WAIT_S:
                return
            timer.stop()
            finder.results_shown.disconnect(results_shown)
            # Shown means painted: let the view repaint before reading the clock.
            self.window.collect.results.viewport().repaint()
            self.typing.append({"kind": kind, "text": search.text(),
                                "ms": (time.monotonic() - pressed) * 1000})
            QTimer.singleShot(0, self.next_key)

        timer = QTimer(self.window)
        timer.setInterval(1)
        timer.timeout.connect(poll)
        timer.start()

    def press(self, widget: QWidget, ch: str) -> None:
        if ch.isascii():
            key = Qt.Key(ord(ch.upper()))
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(widget, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier,
                                                         ch))
        else:
            event = QInputMethodEvent("", [])
            event.setCommitString(ch)
            QApplication.sendEvent(widget, event)

    # ---- a look at every tab -----------------------------------------------------------------

    def tour(self) -> None:
        tabs = self.window.tabs
        # Only the tabs the signed-in user sees: the township office's window keeps the
        # clerk's pages built but hidden, and nobody can open those.
        pages = [index for index in range(tabs.count()) if tabs.isTabVisible(index)]
        self.results["tabs"] = []

        def visit() -> None:
            if not pages:
                self.finish()
                return
            index = pages.pop(0)
            opened = time.monotonic()
            tabs.setCurrentIndex(index)

            def loaded(at: float) -> None:
                self.results["tabs"].append({"tab": tabs.tabText(index),
                                             "s": at - opened,
                                             "rss_mb": vm_hwm_mb()})
                self.stage(f"tab {tabs.tabText(index)} opened")
                QTimer.singleShot(0, visit)

            self.when_idle(loaded, since=opened)

        visit()

    def finish(self) -> None:
        self.results["peak_rss_mb"] = vm_hwm_mb()
        Path(self.config["out"]).write_text(json.dumps(self.results, ensure_ascii=False),
                                            encoding="utf-8")
        sys.stdout.flush()
        os._exit(0)


def main() -> None:
    config = json.loads(sys.argv[1])
    # The application object is made here only so the hooks can be installed before the
    # launcher runs; run_app then finds it and does the rest of its start-up itself.
    app = QApplication(sys.argv[:1])
    driver = Driver(config)
    driver.stage("Python and the Qt application")
    driver.install(app)
    from ui.launcher import main as launch

    launch(["--db", config["db"], "--user", config["user"]])
    # Reached only if the app closed before the driver finished.
    Path(config["out"]).write_text(json.dumps({"error": "the app exited early",
                                               **driver.results}), encoding="utf-8")


if __name__ == "__main__":
    main()
