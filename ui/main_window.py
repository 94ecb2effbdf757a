"""The main window: pages for each area of work and a status bar of what matters now."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.verify import verify_workspace
from app.services.workspace import ROLE_NAMES, Workspace, database_info
from ui.worker import ServiceWorker


class OverviewPage(QWidget):
    """Who is signed in, which database, and a one-click integrity check."""

    def __init__(self, ws: Workspace, worker: ServiceWorker) -> None:
        super().__init__()
        self.ws = ws
        self.worker = worker
        self.info = QLabel()
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result = QLabel()
        self.result.setWordWrap(True)
        verify_button = QPushButton(self.tr("Check integrity (verify)"))
        verify_button.clicked.connect(self.run_verify)
        layout = QVBoxLayout(self)
        layout.addWidget(self.info)
        layout.addWidget(verify_button, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.result)
        layout.addStretch(1)
        self.refresh()

    def refresh(self) -> None:
        self.worker.submit(lambda: database_info(self.ws), self._show_info)

    def _show_info(self, info: dict) -> None:
        rows = [
            (self.tr("User"), f"{info['user']}（{ROLE_NAMES[info['role']]}）"),
            (self.tr("Village"), info["village"] or "—"),
            (self.tr("Database"), info["path"]),
            (self.tr("Journal events"), str(info["journal_events"])),
            (self.tr("Journal head"), info["journal_head"][:16] + "…"),
            (self.tr("Schema version"), str(info["schema_version"])),
        ]
        self.info.setText("<table cellpadding=4>" + "".join(
            f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in rows) + "</table>")

    def run_verify(self) -> None:
        self.result.setText(self.tr("Checking…"))
        self.worker.submit(lambda: verify_workspace(self.ws), self._show_verify)

    def _show_verify(self, report: object) -> None:
        if report.ok:  # type: ignore[attr-defined]
            self.result.setText(self.tr("All %1 journal events verified; the ledger is "
                                        "consistent.").replace("%1", str(report.events)))
        else:
            self.result.setText(self.tr("Problems found:") + "<br>" +
                                "<br>".join(report.problems))  # type: ignore[attr-defined]


class MainWindow(QMainWindow):
    def __init__(self, ws: Workspace, worker: ServiceWorker) -> None:
        super().__init__()
        self.ws = ws
        self.worker = worker
        role = ROLE_NAMES[ws.role]
        self.setWindowTitle(self.tr("Yibao Collect") + f" — {role} {ws.user}")
        self.resize(1280, 720)
        self.tabs = QTabWidget()
        self.overview = OverviewPage(ws, worker)
        self.tabs.addTab(self.overview, self.tr("Overview"))
        self.setCentralWidget(self.tabs)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.hide()
        self.statusBar().addPermanentWidget(self.busy)
        self.statusBar().showMessage(f"{role} {ws.user}")
        worker.busy_changed.connect(self.busy.setVisible)

    def show_error(self, exc: BaseException) -> None:
        message = getattr(exc, "message", None) or self.tr("Unexpected error: %1").replace(
            "%1", type(exc).__name__)
        QMessageBox.warning(self, self.tr("Yibao Collect"), message)

    def close_workspace(self) -> None:
        self.worker.submit(self.ws.close)
