"""导入花名册: check last year's spreadsheet, show the report, then apply it; and exports.

The check is a dry run of the same service that applies, so what the report promises is what
the import does. Both runs read the file on the database worker with a progress bar; the
dialog cannot be closed half-way. People the file moves to another household (迁户) or renames
(改名) are listed old → new, and the import is applied only after the clerk ticks the box
confirming them — exactly those: a file whose moves changed since the check is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.idcard import mask_id_number
from app.services.papers.exports import export
from app.services.village.roster_import import import_roster
from ui.changes import Changes
from ui.common import (
    AppContext,
    choose_spreadsheet,
    error_text,
    file_dialog,
    fmt,
    heading,
    message,
    rejected_rows_table,
    table_view,
    translate,
)
from ui.models import RIGHT, Column, RowsModel

ERROR_STYLE = "color: #b00020; font-weight: bold;"


class RosterImportDialog(QDialog):
    """Pick a file → 检查 (dry run, report) → 确认导入 (apply, final report)."""

    rows_read = Signal(int)
    imported = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("Import roster"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(900, 600)
        self.busy = False
        self.checked_path: Path | None = None
        self.report: dict[str, Any] | None = None
        self.chooser: QFileDialog | None = None

        self.path = QLineEdit()
        self.path.setPlaceholderText(self.tr("Last year's roster (.xlsx or .csv)"))
        browse = QPushButton(self.tr("Choose file…"))
        browse.setAutoDefault(False)
        browse.clicked.connect(self.choose_file)
        self.check_button = QPushButton(self.tr("Check file"))
        self.check_button.clicked.connect(self.check)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(browse)
        file_row.addWidget(self.check_button)

        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.hide()
        self.status = QLabel(self.tr("Choose the file, then check it: nothing is written until "
                                     "you confirm."))
        self.status.setWordWrap(True)
        self.summary = heading("", 12)
        self.summary.setWordWrap(True)

        self.rejected_model, self.rejected = rejected_rows_table(self)
        self.warnings_model = RowsModel([
            Column(self.tr("Warning"), lambda r: r["text"]),
        ], key=lambda r: r["n"], parent=self)
        self.warnings = table_view(self.warnings_model)
        self.rejected_title = heading(self.tr("Rejected rows"), 11)
        self.warnings_title = heading(self.tr("Warnings"), 11)
        # 迁户 / 改名: one row each, old → new, and the box that confirms them.
        self.moves_model = RowsModel([
            Column(self.tr("Row"), lambda r: r["row"], RIGHT),
            Column(self.tr("Change"), lambda r: r["kind"]),
            Column(self.tr("ID number"), lambda r: mask_id_number(r["id_number"])),
            Column(self.tr("Before"), lambda r: r["before"]),
            Column(self.tr("After"), lambda r: r["after"]),
        ], key=lambda r: (r["row"], r["kind"]), parent=self)
        self.moves = table_view(self.moves_model, stretch_column=4)
        self.moves_title = heading(self.tr("Moves and renames"), 11)
        self.moves_title.setStyleSheet(ERROR_STYLE)
        self.accept_moves = QCheckBox(self.tr(
            "I have checked every move and rename above against the paper roster: apply them "
            "with this import"))
        self.accept_moves.toggled.connect(lambda _on: self._update_apply())
        for widget in (self.moves_title, self.moves, self.accept_moves):
            widget.hide()

        self.apply_button = QPushButton(self.tr("Confirm import"))
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.apply)
        self.close_button = QPushButton(self.tr("Close"))
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(file_row)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addWidget(self.summary)
        layout.addWidget(self.moves_title)
        layout.addWidget(self.moves, 1)
        layout.addWidget(self.accept_moves)
        layout.addWidget(self.rejected_title)
        layout.addWidget(self.rejected, 2)
        layout.addWidget(self.warnings_title)
        layout.addWidget(self.warnings, 1)
        layout.addLayout(buttons)
        self.rows_read.connect(self._rows_read)
        self.path.textChanged.connect(lambda _t: self._file_changed())

    def choose_file(self) -> None:
        self.chooser = choose_spreadsheet(self, self.tr("Import roster"), self.path)

    def _file_changed(self) -> None:
        # A report belongs to the file it checked: another file must be checked again.
        self.checked_path = None
        self.apply_button.setEnabled(False)
        self.accept_moves.setChecked(False)

    def _needs_confirmation(self) -> bool:
        report = self.report
        return bool(report and (report["moves"] or report["renames"]))

    def _update_apply(self) -> None:
        """Apply only a checked report with changes, and with moves only once confirmed."""
        report = self.report
        ready = (self.checked_path is not None and report is not None and not self.busy
                 and report["households"] + report["persons"] + report["updated"] > 0
                 and (not self._needs_confirmation() or self.accept_moves.isChecked()))
        self.apply_button.setEnabled(ready)
        self.apply_button.setDefault(ready)

    def _start(self, text: str) -> None:
        self.busy = True
        self.bar.setRange(0, 0)
        self.bar.show()
        self.status.setStyleSheet("")
        self.status.setText(text)
        for button in (self.check_button, self.apply_button, self.close_button,
                       self.accept_moves):
            button.setEnabled(False)

    def _stop(self) -> None:
        self.busy = False
        self.bar.hide()
        self.check_button.setEnabled(True)
        self.close_button.setEnabled(True)
        self.accept_moves.setEnabled(self.checked_path is not None)

    def _rows_read(self, rows: int) -> None:
        self.status.setText(fmt(self.tr("Reading the file: %1 rows…"), rows))

    def _failed(self, exc: BaseException) -> None:
        self._stop()
        self.status.setStyleSheet(ERROR_STYLE)
        self.status.setText(error_text(exc))

    def check(self) -> None:
        text = self.path.text().strip()
        if not text or self.busy:
            return
        path = Path(text)
        progress = self.rows_read.emit
        self._start(self.tr("Checking the file…"))
        self.ctx.run(lambda ws: import_roster(ws, path, dry_run=True, progress=progress).to_dict(),
                     lambda report: self._checked(path, report), self._failed)

    def _checked(self, path: Path, report: dict[str, Any]) -> None:
        self._stop()
        self.checked_path = path
        self.accept_moves.setChecked(False)
        self._show_report(report)
        self._update_apply()
        changes = report["households"] + report["persons"] + report["updated"]
        if changes and self._needs_confirmation():
            self.status.setText(fmt(self.tr(
                "Nothing has been written yet. This file moves %1 people to another household "
                "and renames %2: check each one below and tick the box to confirm them before "
                "importing."), len(report["moves"]), len(report["renames"])))
        elif changes:
            self.status.setText(self.tr("Nothing has been written yet. Check the report, then "
                                        "confirm: the accepted rows are imported all together."))
        else:
            self.status.setText(self.tr("Nothing to import: the roster already has every "
                                        "accepted row."))

    def apply(self) -> None:
        path = self.checked_path
        if path is None or self.busy:
            return
        if self._needs_confirmation() and not self.accept_moves.isChecked():
            return
        progress = self.rows_read.emit
        accept = self.accept_moves.isChecked()
        # Exactly the moves and renames the clerk confirmed: a changed file is refused.
        report = self.report or {"moves": [], "renames": []}
        seen = {"moves": list(report["moves"]), "renames": list(report["renames"])}
        self._start(self.tr("Importing…"))
        self.ctx.act(lambda ws: import_roster(ws, path, accept_moves=accept, expected_moves=seen,
                                              progress=progress).to_dict(),
                     self._applied, self._failed, changes=Changes.ROSTER)

    def _applied(self, report: dict[str, Any]) -> None:
        self._stop()
        self.checked_path = None
        self._show_report(report)
        self.accept_moves.setEnabled(False)  # done: shown for the record only
        self.apply_button.setEnabled(False)
        self.status.setStyleSheet("color: #1b5e20; font-weight: bold;")
        self.status.setText(self.tr("Imported."))
        self.close_button.setDefault(True)
        self.imported.emit(report)

    def _show_report(self, report: dict[str, Any]) -> None:
        self.report = report
        self.summary.setText(fmt(
            self.tr("New households %1 · new persons %2 · updated %3 · unchanged %4 · "
                    "rejected rows %5 · warnings %6"),
            report["households"], report["persons"], report["updated"], report["unchanged"],
            len(report["rejected"]), len(report["warnings"])))
        moves = [{"row": m["row"], "kind": self.tr("Household move"), "id_number": m["id_number"],
                  "before": fmt(self.tr("%1 in household %2"), m["name"], m["from_household"]),
                  "after": fmt(self.tr("%1 in household %2"), m["name"], m["to_household"])}
                 for m in report["moves"]]
        renames = [{"row": r["row"], "kind": self.tr("Name change"), "id_number": r["id_number"],
                    "before": r["from_name"], "after": r["to_name"]} for r in report["renames"]]
        self.moves_model.set_rows(sorted(moves + renames, key=lambda r: r["row"]))
        self.moves_title.setText(fmt(self.tr("Moves and renames to confirm (%1)"),
                                     len(moves) + len(renames)))
        shown = bool(moves or renames)
        for widget in (self.moves_title, self.moves, self.accept_moves):
            widget.setVisible(shown)
        self.accept_moves.setEnabled(shown)
        self.rejected_model.set_rows(report["rejected"])
        self.warnings_model.set_rows({"n": n, "text": text}
                                     for n, text in enumerate(report["warnings"]))
        self.rejected_title.setText(fmt(self.tr("Rejected rows (%1)"), len(report["rejected"])))
        self.warnings_title.setText(fmt(self.tr("Warnings (%1)"), len(report["warnings"])))

    def reject(self) -> None:
        if not self.busy:
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.busy:
            event.ignore()
        else:
            super().closeEvent(event)


def export_names() -> dict[str, str]:
    """What each export (app.services.papers.exports.KINDS) is called on the menu and in file names."""
    return {"roster": translate("exports", "Roster"),
            "payments": translate("exports", "Payments with lines"),
            "receipts": translate("exports", "Receipts with states"),
            "deposits": translate("exports", "Deposits"),
            "unpaid": translate("exports", "Unpaid list")}


class ExportMenu(QMenu):
    """导出 to .xlsx: choose what, choose where, written on the database worker."""

    def __init__(self, ctx: AppContext, parent: QWidget) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.owner = parent
        self.chooser: QFileDialog | None = None
        for kind, name in export_names().items():
            self.addAction(name + "…").triggered.connect(
                lambda _checked=False, k=kind: self.choose(k))

    def choose(self, kind: str) -> None:
        default = Path.home() / f"{export_names()[kind]}.xlsx"
        chooser = file_dialog(self.owner, self.tr("Export to Excel"), str(default))
        chooser.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        chooser.setDefaultSuffix("xlsx")
        chooser.setNameFilter(self.tr("Excel workbooks (*.xlsx)"))
        chooser.selectFile(str(default))
        chooser.fileSelected.connect(lambda path: self.export_to(kind, Path(path)))
        self.chooser = chooser
        chooser.open()

    def export_to(self, kind: str, path: Path) -> None:
        self.ctx.run(lambda ws: export(ws, kind, path),
                     lambda r: message(self.owner, fmt(self.tr("Saved %1 rows to %2."),
                                                       r["rows"], r["out"])),
                     parent=self.owner)
