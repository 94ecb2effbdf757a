"""Settings (设置): printer and overlay offsets, paper layout, backups, language, server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtPrintSupport import QPrinterInfo
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
)

from app.services.base.settings import all_settings, get_setting, set_setting
from app.services.base.workspace import Workspace, change_passphrase
from app.services.upkeep.backup import BackupResult, backup_database
from ui.changes import Changes
from ui.common import (
    FONT_SCALES,
    AppContext,
    Page,
    apply_font_size,
    error_text,
    fmt,
    heading,
    scrolling_layout,
    yuan,
)
from ui.printing import PrintManager


def _save(ws: Workspace, values: dict[str, Any]) -> None:
    for key, value in values.items():
        set_setting(ws, key, value)


def _offset_box() -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(-30.0, 30.0)
    box.setSingleStep(0.5)
    box.setDecimals(1)
    box.setSuffix(" mm")
    return box


class SettingsPage(Page):
    shows = Changes.SETTINGS

    def __init__(self, ctx: AppContext, printer: PrintManager) -> None:
        super().__init__(ctx)
        self.printer = printer
        self.loaded: dict[str, Any] = {}

        self.printer_box = QComboBox()
        self.offset_x = _offset_box()
        self.offset_y = _offset_box()
        self.calibrate = QPushButton(self.tr("Print calibration page"))
        self.calibrate.clicked.connect(self.print_calibration)
        self.layout_box = QComboBox()
        for code, name in (("three_part", self.tr("A4, three parts on one sheet")),
                           ("single", self.tr("One part per page (210 × 99 mm)")),
                           ("overlay", self.tr("Pre-printed forms (overlay)"))):
            self.layout_box.addItem(name, code)
        self.backup = QLineEdit()
        browse = QPushButton(self.tr("Choose…"))
        browse.clicked.connect(self.choose_backup_folder)
        backup_row = QHBoxLayout()
        backup_row.addWidget(self.backup, 1)
        backup_row.addWidget(browse)
        self.language = QComboBox()
        self.language.addItem("中文（简体）", "zh_CN")
        self.language.addItem("English", "en")
        self.server = QLineEdit()
        self.server.setPlaceholderText("https://")
        # Printed on receipts and reports instead of the 10-digit code; the unit's own name
        # corrects a policy that names none (or names it wrongly).
        self.village_name = QLineEdit()
        self.village_name.setPlaceholderText(self.tr("e.g. 东关村 — printed instead of the "
                                                     "village code"))
        self.issuer = QLineEdit()
        self.issuer.setPlaceholderText(self.tr("Leave empty to print the unit the policy names"))
        self.font_size = QComboBox()
        for code, name in zip(FONT_SCALES, (self.tr("Standard"), self.tr("Large"),
                                            self.tr("Largest")), strict=True):
            self.font_size.addItem(name, code)
        self.pdf_folder = QLineEdit()
        self.pdf_folder.setPlaceholderText(self.tr("Asked at the first receipt when no printer "
                                                   "is installed"))
        pdf_browse = QPushButton(self.tr("Choose…"))
        pdf_browse.clicked.connect(self.choose_pdf_folder)
        pdf_row = QHBoxLayout()
        pdf_row.addWidget(self.pdf_folder, 1)
        pdf_row.addWidget(pdf_browse)
        self.limits = QLabel()
        self.limits.setStyleSheet("color: #555;")
        self.save_button = QPushButton(self.tr("Save settings"))
        self.save_button.clicked.connect(lambda: self.save())
        self.result = QLabel()
        self.result.setWordWrap(True)

        offsets = QHBoxLayout()
        offsets.addWidget(QLabel(self.tr("right")))
        offsets.addWidget(self.offset_x)
        offsets.addSpacing(12)
        offsets.addWidget(QLabel(self.tr("down")))
        offsets.addWidget(self.offset_y)
        offsets.addSpacing(12)
        offsets.addWidget(self.calibrate)
        offsets.addStretch(1)

        form = QFormLayout()
        form.addRow(self.tr("Printer"), self.printer_box)
        form.addRow(self.tr("Overlay offsets"), offsets)
        form.addRow(self.tr("Receipt paper"), self.layout_box)
        form.addRow(self.tr("Receipt PDF folder"), pdf_row)
        form.addRow(self.tr("Backup folder"), backup_row)
        form.addRow(self.tr("Language"), self.language)
        form.addRow(self.tr("Font size"), self.font_size)
        form.addRow(self.tr("County server address"), self.server)
        form.addRow(self.tr("Name on receipts"), self.village_name)
        form.addRow(self.tr("Issuing unit"), self.issuer)
        form.addRow(self.tr("Cash limits"), self.limits)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        hint = QLabel(self.tr("Calibration: print the page on plain A4 paper at actual size, "
                              "measure where the red cross lands and follow the instructions "
                              "printed on the page; enter the offsets here and print it again "
                              "until the cross sits 20 mm from the left and top edges."))
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")

        layout = scrolling_layout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.addWidget(heading(self.tr("Settings of this computer"), 14))
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addLayout(buttons)
        layout.addWidget(self.result)
        layout.addWidget(self._upkeep_box())
        layout.addStretch(1)
        # The chosen size applies from the start, before this page is first shown.
        ctx.run(lambda ws: get_setting(ws, "font_size"), apply_font_size, parent=self)

    # ---- 备份 and 修改口令 ------------------------------------------------------------------

    def _upkeep_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Backup and passphrase"))
        self.backup_now = QPushButton(self.tr("Back up to a folder (USB)…"))
        self.backup_now.clicked.connect(self.choose_backup_target)
        self.old_pass, self.new_pass, self.confirm_pass = QLineEdit(), QLineEdit(), QLineEdit()
        for edit in (self.old_pass, self.new_pass, self.confirm_pass):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.change_pass = QPushButton(self.tr("Change passphrase"))
        self.change_pass.clicked.connect(self.change_passphrase)
        self.upkeep_busy = QProgressBar()
        self.upkeep_busy.setRange(0, 0)
        self.upkeep_busy.setMaximumWidth(120)
        self.upkeep_busy.hide()
        self.upkeep_result = QLabel()
        self.upkeep_result.setWordWrap(True)
        self.backup_chooser: QFileDialog | None = None
        row = QHBoxLayout()
        row.addWidget(self.backup_now)
        row.addWidget(self.upkeep_busy)
        row.addStretch(1)
        form = QFormLayout()
        form.addRow(self.tr("Backup"), row)
        form.addRow(self.tr("Current passphrase"), self.old_pass)
        form.addRow(self.tr("New passphrase"), self.new_pass)
        form.addRow(self.tr("New passphrase again"), self.confirm_pass)
        buttons = QHBoxLayout()
        buttons.addWidget(self.change_pass)
        buttons.addStretch(1)
        form.addRow("", buttons)
        form.addRow("", self.upkeep_result)
        box.setLayout(form)
        return box

    def _upkeep_working(self, on: bool, text: str = "") -> None:
        self.upkeep_busy.setVisible(on)
        self.backup_now.setEnabled(not on)
        self.change_pass.setEnabled(not on)
        if text:
            self.upkeep_result.setText(text)

    def choose_backup_target(self) -> None:
        """Choose the folder (a USB stick), then back up there on the database worker."""
        chooser = QFileDialog(self, self.tr("Choose the backup folder"),
                              self.backup.text() or str(Path.home()))
        chooser.setFileMode(QFileDialog.FileMode.Directory)
        chooser.setOption(QFileDialog.Option.ShowDirsOnly, True)
        chooser.fileSelected.connect(lambda folder: self.backup_to(Path(folder)))
        self.backup_chooser = chooser
        chooser.open()

    def backup_to(self, folder: Path) -> None:
        name = f"yibao-backup-{datetime.now().strftime('%Y%m%d-%H%M%S')}.db"
        self._upkeep_working(True, self.tr("Backing up…"))

        def done(result: BackupResult) -> None:
            self._upkeep_working(False, fmt(self.tr("Backup written to %1 (with its key file "
                                                    "%2). Keep the stick in a safe place."),
                                            str(result.path), result.key_path.name))

        def failed(exc: BaseException) -> None:
            self._upkeep_working(False, fmt(self.tr("Backup failed: %1"), error_text(exc)))

        self.ctx.run(lambda ws: backup_database(ws, folder / name), done, failed)

    def change_passphrase(self) -> None:
        old, new, again = self.old_pass.text(), self.new_pass.text(), self.confirm_pass.text()
        if not old or not new:
            self.upkeep_result.setText(self.tr("Enter the current passphrase and the new one."))
            return
        if new != again:
            self.upkeep_result.setText(self.tr("The two new passphrases differ. Type them "
                                               "again."))
            return
        if new == old:
            self.upkeep_result.setText(self.tr("The new passphrase is the same as the current "
                                               "one."))
            return
        self._upkeep_working(True, self.tr("Changing the passphrase…"))

        def done(_name: object) -> None:
            for edit in (self.old_pass, self.new_pass, self.confirm_pass):
                edit.clear()
            self._upkeep_working(False, self.tr("Passphrase changed. Use the new passphrase "
                                                "from the next unlock."))

        def failed(exc: BaseException) -> None:
            self.old_pass.clear()
            self._upkeep_working(False, fmt(self.tr("The passphrase was not changed: %1"),
                                            error_text(exc)))

        self.ctx.run(lambda ws: change_passphrase(ws.path, user=ws.user, old=old, new=new),
                     done, failed)

    def refresh(self, changes: Changes = Changes.EVERYTHING) -> None:
        self.ctx.run(all_settings, self._show, parent=self)

    def _show(self, values: dict[str, Any]) -> None:
        self.loaded = values
        self.printer_box.clear()
        self.printer_box.addItem(self.tr("Ask every time"), "")
        for name in QPrinterInfo.availablePrinterNames():
            self.printer_box.addItem(name, name)
        saved = values["printer_name"]
        if saved and self.printer_box.findData(saved) < 0:
            self.printer_box.addItem(fmt(self.tr("%1 (not connected)"), saved), saved)
        self.printer_box.setCurrentIndex(max(0, self.printer_box.findData(saved)))
        self.offset_x.setValue(float(values["overlay_offset_x_mm"]))
        self.offset_y.setValue(float(values["overlay_offset_y_mm"]))
        self.layout_box.setCurrentIndex(max(0, self.layout_box.findData(
            values["receipt_layout"])))
        self.backup.setText(values["backup_folder"])
        self.pdf_folder.setText(values["pdf_folder"])
        self.font_size.setCurrentIndex(max(0, self.font_size.findData(values["font_size"])))
        self.language.setCurrentIndex(max(0, self.language.findData(values["language"])))
        self.server.setText(values["server_url"])
        self.village_name.setText(values["village_name"])
        self.issuer.setText(values["issuer"])
        self.limits.setText(fmt(self.tr("deposit when cash on hand exceeds %1 or is older than "
                                        "%2 day(s) (set by the township)"),
                                yuan(int(values["cash_limit_fen"])), values["cash_max_days"]))

    def values(self) -> dict[str, Any]:
        return {
            "printer_name": self.printer_box.currentData() or "",
            "overlay_offset_x_mm": self.offset_x.value(),
            "overlay_offset_y_mm": self.offset_y.value(),
            "receipt_layout": self.layout_box.currentData(),
            "backup_folder": self.backup.text().strip(),
            "pdf_folder": self.pdf_folder.text().strip(),
            "font_size": self.font_size.currentData(),
            "language": self.language.currentData(),
            "server_url": self.server.text().strip(),
            "village_name": self.village_name.text().strip(),
            "issuer": self.issuer.text().strip(),
        }

    def choose_backup_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Backup folder"),
                                                  self.backup.text())
        if folder:
            self.backup.setText(folder)

    def choose_pdf_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Receipt PDF folder"),
                                                  self.pdf_folder.text())
        if folder:
            self.pdf_folder.setText(folder)

    def save(self, *, then: Callable[[], None] | None = None) -> None:
        values = self.values()
        server = values["server_url"]
        if server and not server.startswith(("https://", "http://")):
            self.result.setText(self.tr("The server address must start with https://"))
            return
        language_changed = values["language"] != self.loaded.get("language")

        def saved(_result: object) -> None:
            self.loaded.update(values)
            self.printer.printer_name = values["printer_name"]
            self.printer.pdf_folder = values["pdf_folder"]
            apply_font_size(values["font_size"])
            text = self.tr("Settings saved.")
            if language_changed:
                text += " " + self.tr("The new language is used from the next start.")
            self.result.setText(text)
            if then is not None:
                then()

        self.ctx.act(lambda ws: _save(ws, values), saved, changes=Changes.SETTINGS, parent=self)

    def print_calibration(self) -> None:
        """Offsets typed but not saved would not be on the page: save first, then print."""
        self.save(then=lambda: self.printer.print_calibration(
            on_done=lambda _ok, text: self.result.setText(text)))
