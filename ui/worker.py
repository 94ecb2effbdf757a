"""Background execution: one thread owns the database, results come back by signals.

Picard's habit (picard/util/thread.py): work runs off the GUI thread and hands its result
back through a queued signal, so the window never freezes and widgets are touched only on
the GUI thread.
"""

from __future__ import annotations

import itertools
import logging
import weakref
from collections.abc import Callable
from typing import Any, ClassVar

from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.domain.errors import YibaoError

log = logging.getLogger(__name__)

OnOk = Callable[[Any], None]
OnError = Callable[[BaseException], None]


class _Executor(QObject):
    finished = Signal(int, bool, object)

    @Slot(int, object)
    def run(self, task_id: int, fn: Callable[[], Any]) -> None:
        try:
            result = fn()
        except YibaoError as exc:
            self.finished.emit(task_id, False, exc)
        except Exception as exc:
            log.exception("unexpected error in background task")
            self.finished.emit(task_id, False, exc)
        else:
            self.finished.emit(task_id, True, result)


class ServiceWorker(QObject):
    """Runs service calls one after another on a named thread (``name``)."""

    # Every worker ever started, so tests can fail when one is left running.
    instances: ClassVar[weakref.WeakSet[ServiceWorker]] = weakref.WeakSet()

    _request = Signal(int, object)
    busy_changed = Signal(bool)

    def __init__(self, name: str = "yibao-db", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[OnOk | None, OnError | None]] = {}
        self._thread = QThread()
        self._thread.setObjectName(name)
        self._executor = _Executor()
        self._executor.moveToThread(self._thread)
        self._request.connect(self._executor.run)
        self._executor.finished.connect(self._on_finished)
        self._thread.start()
        ServiceWorker.instances.add(self)

    def is_running(self) -> bool:
        return self._thread.isRunning()

    @property
    def busy(self) -> bool:
        return bool(self._callbacks)

    def submit(self, fn: Callable[[], Any], on_ok: OnOk | None = None,
               on_error: OnError | None = None) -> int:
        task_id = next(self._ids)
        was_busy = self.busy
        self._callbacks[task_id] = (on_ok, on_error)
        if not was_busy:
            self.busy_changed.emit(True)
        self._request.emit(task_id, fn)
        return task_id

    @Slot(int, bool, object)
    def _on_finished(self, task_id: int, ok: bool, payload: object) -> None:
        on_ok, on_error = self._callbacks.pop(task_id, (None, None))
        if not self.busy:
            self.busy_changed.emit(False)
        if ok:
            if on_ok is not None:
                on_ok(payload)
        elif on_error is not None:
            on_error(payload)  # type: ignore[arg-type]
        else:
            log.error("background task failed with no handler: %s", type(payload).__name__)

    def stop(self) -> None:
        """Finish queued work and end the thread (tests fail on leftover threads)."""
        if self._thread.isRunning():
            self._thread.quit()
            self._thread.wait()
