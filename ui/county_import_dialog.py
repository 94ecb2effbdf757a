"""导入县医保名单: a county list file (online payments, the employee-insured, duplicate
feedback) read on the database worker with a progress bar, then its report: rows, new,
unchanged and every rejected row with its column. Importing the same file again changes
nothing; the collect view then shows the people it covers, unchecked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.village.county_lists import import_county_list
from ui.changes import Changes
from ui.common import (
    AppContext,
    choose_spreadsheet,
    error_text,
    fmt,
    heading,
    rejected_rows_table,
)

ERROR_STYLE = "color: #b00020; font-weight: bold;"


class CountyListDialog(QDialog):
    """Pick a file (and its kind, or let the header tell) → 导入 → the report."""

    rows_read = Signal(int)
    imported = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("Import a county list"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(760, 480)
        self.busy = False
        self.chooser: QFileDialog | None = None

        self.path = QLineEdit()
        self.path.setPlaceholderText(self.tr("The county's list (.xlsx or .csv)"))
        browse = QPushButton(self.tr("Choose file…"))
        browse.setAutoDefault(False)
        browse.clicked.connect(self.choose_file)
        self.kind = QComboBox()
        for code, text in ((None, self.tr("Kind: from the header")),
                           ("online", self.tr("Online payments")),
                           ("employee", self.tr("Employee-insured")),
                           ("duplicates", self.tr("Duplicate enrolment feedback"))):
            self.kind.addItem(text, code)
        self.import_button = QPushButton(self.tr("Import"))
        self.import_button.clicked.connect(self.start_import)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(browse)
        file_row.addWidget(self.kind)
        file_row.addWidget(self.import_button)

        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.hide()
        self.status = QLabel(self.tr("Importing the same file again changes nothing."))
        self.status.setWordWrap(True)
        self.summary = heading("", 12)
        self.summary.setWordWrap(True)
        self.rejected_model, self.rejected = rejected_rows_table(self)
        self.close_button = QPushButton(self.tr("Close"))
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(file_row)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addWidget(self.summary)
        layout.addWidget(self.rejected, 1)
        layout.addLayout(buttons)
        self.rows_read.connect(self._rows_read)

    def choose_file(self) -> None:
        self.chooser = choose_spreadsheet(self, self.tr("Import a county list"), self.path)

    def start_import(self) -> None:
        text = self.path.text().strip()
        if not text or self.busy:
            return
        path, kind = Path(text), self.kind.currentData()
        progress = self.rows_read.emit  # a queued signal: safe from the worker thread
        self.busy = True
        self.bar.show()
        self.status.setStyleSheet("")
        self.status.setText(self.tr("Importing…"))
        self.import_button.setEnabled(False)
        self.close_button.setEnabled(False)
        self.ctx.act(lambda ws: import_county_list(ws, path, kind=kind,
                                                   progress=progress).to_dict(),
                     self._done, self._failed, changes=Changes.ROSTER | Changes.PAYMENTS)

    def _stop(self) -> None:
        self.busy = False
        self.bar.hide()
        self.import_button.setEnabled(True)
        self.close_button.setEnabled(True)

    def _rows_read(self, rows: int) -> None:
        self.status.setText(fmt(self.tr("Reading the file: %1 rows…"), rows))

    def _failed(self, exc: BaseException) -> None:
        self._stop()
        self.status.setStyleSheet(ERROR_STYLE)
        self.status.setText(error_text(exc))

    def _done(self, report: dict[str, Any]) -> None:
        self._stop()
        self.status.setStyleSheet("color: #1b5e20; font-weight: bold;")
        self.status.setText(self.tr("Imported."))
        self.summary.setText(fmt(
            self.tr("Rows %1 · new %2 · unchanged %3 · rejected rows %4"),
            report["rows"], report["new"], report["unchanged"], len(report["rejected"])))
        self.rejected_model.set_rows(report["rejected"])
        self.imported.emit(report)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.busy:  # the worker is still writing: the dialog waits for it
            event.ignore()
            return
        super().closeEvent(event)

    def reject(self) -> None:
        if not self.busy:
            super().reject()
