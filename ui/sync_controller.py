"""The sync thread (同步): one sync, bundle or enrolment at a time on its own connection, and
the status bar's button that starts a sync and shows its progress.

Sync runs on its own thread with its own connection to the database (DESIGN §3: network in
another worker), so the clerk keeps collecting while it pushes and pulls: the two
connections share the WAL and take turns only for the moments they write.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget

from app.services.base.workspace import Workspace, open_second_connection
from app.services.exchange.county import NotEnrolled, SyncProgress, sync_now
from ui.changes import Changes
from ui.common import AppContext, error_text, fmt, translate
from ui.worker import ServiceWorker

ERROR_STYLE = "color: #b00020; font-weight: bold;"
OFFLINE_STYLE = "color: #555;"
GUIDE_STYLE = "color: #0d47a1;"


class SyncController(QObject):
    """Owns the sync thread and its connection; runs one sync (or bundle, or enrolment) at a
    time and reports progress. ``options`` are passed to the sync service calls (tests give
    a quick retry policy)."""

    started = Signal()
    progressed = Signal(object)  # a county.SyncProgress
    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.worker = ServiceWorker("yibao-sync", self)
        self.options: dict[str, Any] = {}
        self._ws: Workspace | None = None
        self.syncing = False

    def _connection(self) -> Workspace:
        """Opened on the sync thread the first time it is needed."""
        if self._ws is None:
            self._ws = open_second_connection(self.ctx.ws)
        return self._ws

    def act(self, fn: Callable[[Workspace], Any], on_ok: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None, *,
            changes: Changes) -> int:
        """Run ``fn`` on the sync thread; afterwards whoever shows ``changes`` refreshes."""

        def done(result: Any) -> None:
            if on_ok is not None:
                on_ok(result)
            self.ctx.data_changed.emit(changes)

        def failed(exc: BaseException) -> None:
            if on_error is not None:
                on_error(exc)
            # A failed sync may still have stored acknowledgements or applied pages.
            self.ctx.data_changed.emit(changes)

        return self.worker.submit(lambda: fn(self._connection()), done, failed)

    def sync_now(self) -> bool:
        """Start a sync unless one is running; False when it was already running."""
        if self.syncing:
            return False
        self.syncing = True
        self.started.emit()
        options = dict(self.options)

        def run(ws: Workspace) -> dict[str, Any]:
            # Called on the sync thread: the signal queues the numbers to the GUI thread.
            return sync_now(ws, progress=self.progressed.emit, **options)

        def ok(result: Any) -> None:
            self.syncing = False
            self.finished.emit(result)

        def failed(exc: BaseException) -> None:
            self.syncing = False
            self.failed.emit(exc)

        self.act(run, ok, failed, changes=Changes.SYNCED)
        return True

    def stop(self) -> None:
        """Let a running sync finish, end the thread, then close its connection."""
        self.worker.stop()
        if self._ws is not None:
            self._ws.close()
            self._ws = None


def not_enrolled_text() -> str:
    """What a device not enrolled yet is told, pointing at the sync page's button (the
    service's own message names the command line's way)."""
    return translate("sync", "This computer is not enrolled with the county server yet. "
                             "Press “Enrol this device…” and enter the server address and the "
                             "one-time code from the township.")


def describe_failure(exc: BaseException) -> tuple[str, str]:
    """The text and style for a failed sync: no network is normal and said calmly, and a
    device not enrolled yet is shown the way to enrol, not a failure."""
    if isinstance(exc, NotEnrolled):
        return not_enrolled_text(), GUIDE_STYLE
    if getattr(exc, "code", None) == "offline":
        return error_text(exc), OFFLINE_STYLE
    return fmt(translate("sync", "Sync failed: %1"), error_text(exc)), ERROR_STYLE


def show_progress(bar: QProgressBar, step: SyncProgress) -> None:
    """A bar that fills while sending (how many is known) and moves without an end while
    receiving (the county does not say how many items remain)."""
    if step.total is None:
        bar.setRange(0, 0)
        return
    bar.setRange(0, max(step.total, 1))
    bar.setValue(min(step.done, max(step.total, 1)))


class SyncButton(QWidget):
    """The status bar's sync button with a small progress bar beside it."""

    def __init__(self, controller: SyncController) -> None:
        super().__init__()
        self.controller = controller
        self.button = QPushButton(self.tr("Sync now"))
        self.button.setFlat(True)
        self.button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.button.clicked.connect(controller.sync_now)
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(120)
        self.bar.setMaximumHeight(14)
        self.bar.setTextVisible(False)
        self.bar.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.button)
        controller.started.connect(self._started)
        controller.progressed.connect(self._progress)
        controller.finished.connect(lambda _r: self._ended())
        controller.failed.connect(self._failed)

    def _started(self) -> None:
        self.button.setEnabled(False)
        self.button.setText(self.tr("Syncing…"))
        self.button.setToolTip("")
        self.bar.setRange(0, 0)
        self.bar.show()

    def _progress(self, step: SyncProgress) -> None:
        show_progress(self.bar, step)

    def _ended(self) -> None:
        self.bar.hide()
        self.button.setEnabled(True)
        self.button.setText(self.tr("Sync now"))

    def _failed(self, exc: BaseException) -> None:
        self._ended()
        self.button.setToolTip(describe_failure(exc)[0])
