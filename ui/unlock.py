"""Unlock screen: choose user, enter passphrase; clear messages for wrong ones and delays."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
)

from app.domain.errors import UnlockDelayed, YibaoError
from app.services.base.settings import get_setting
from app.services.base.workspace import Workspace, load_key_file, open_workspace
from ui.worker import ServiceWorker


def _unlock(db_path: Path, user: str | None, passphrase: str) -> tuple[Workspace, str]:
    # The language setting lives in the database: read it in the same trip so the main
    # window can be built in the clerk's language the moment the database opens.
    ws = open_workspace(db_path, user=user, passphrase=passphrase, hold_lock=True)
    return ws, str(get_setting(ws, "language") or "zh_CN")


class UnlockDialog(QDialog):
    """Emits ``unlocked(Workspace)``; the unlock itself (Argon2id) runs on the worker.

    ``language`` holds the database's language setting once unlocked.
    """

    unlocked = Signal(object)

    def __init__(self, db_path: Path, worker: ServiceWorker, *,
                 preselect_user: str | None = None) -> None:
        super().__init__()
        self.db_path = Path(db_path)
        self.worker = worker
        self.language = "zh_CN"
        self.setWindowTitle(self.tr("Yibao Collect — unlock"))
        self.setMinimumWidth(480)

        title = QLabel(self.tr("Yibao Collect"))
        title.setObjectName("title")
        title.setStyleSheet("font-size: 20pt; font-weight: bold;")
        subtitle = QLabel(self.tr("Residents' medical insurance premium collection"))
        self.db_label = QLabel(self.tr("Database: %1").replace("%1", str(self.db_path)))
        self.db_label.setWordWrap(True)
        self.db_label.setStyleSheet("color: #555;")

        self.user_box = QComboBox()
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText(self.tr("Passphrase"))
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        self.unlock_button = QPushButton(self.tr("Unlock"))
        self.unlock_button.setDefault(True)
        self.forgot_button = QPushButton(self.tr("Forgot passphrase?"))
        self.forgot_button.setFlat(True)

        form = QFormLayout()
        form.addRow(self.tr("User"), self.user_box)
        form.addRow(self.tr("Passphrase"), self.passphrase)
        layout = QVBoxLayout(self)
        for widget in (title, subtitle, self.db_label):
            layout.addWidget(widget)
        layout.addLayout(form)
        hint = os.environ.get("YIBAO_PASSPHRASE_HINT")
        if hint:
            demo = QLabel(self.tr("Demo database — passphrase: %1").replace("%1", hint))
            demo.setStyleSheet("color: #1565c0;")
            layout.addWidget(demo)
        layout.addWidget(self.message)
        layout.addWidget(self.unlock_button)
        layout.addWidget(self.forgot_button, alignment=Qt.AlignmentFlag.AlignRight)

        self.unlock_button.clicked.connect(self.try_unlock)
        self.passphrase.returnPressed.connect(self.try_unlock)
        self.forgot_button.clicked.connect(self.explain_recovery)
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._tick)
        self._wait_left = 0

        self._load_users(preselect_user)
        self.passphrase.setFocus()

    def _load_users(self, preselect: str | None) -> None:
        try:
            users = load_key_file(self.db_path).users()
        except YibaoError as exc:
            self.show_message(exc.message)
            self.unlock_button.setEnabled(False)
            return
        for entry in users:
            role = self.tr("collector") if entry.role == "collector" else self.tr("township")
            self.user_box.addItem(f"{entry.name}（{role}）", entry.name)
        if preselect:
            index = self.user_box.findData(preselect)
            if index >= 0:
                self.user_box.setCurrentIndex(index)

    def show_message(self, text: str) -> None:
        self.message.setText(text)

    def try_unlock(self) -> None:
        if not self.unlock_button.isEnabled():
            return
        user = self.user_box.currentData()
        passphrase = self.passphrase.text()
        if not passphrase:
            self.show_message(self.tr("Please enter your passphrase."))
            return
        self.unlock_button.setEnabled(False)
        self.show_message(self.tr("Unlocking…"))
        self.worker.submit(lambda: _unlock(self.db_path, user, passphrase),
                           self._on_unlocked, self._on_error)

    def _on_unlocked(self, opened: tuple[Workspace, str]) -> None:
        ws, self.language = opened
        self.passphrase.clear()
        self.message.clear()
        self.unlocked.emit(ws)
        self.accept()

    def _on_error(self, exc: BaseException) -> None:
        self.passphrase.selectAll()
        self.passphrase.setFocus()
        if isinstance(exc, UnlockDelayed):
            self._wait_left = int(exc.wait_seconds + 0.999)
            self._countdown.start()
            self._tick()
            return
        self.unlock_button.setEnabled(True)
        if isinstance(exc, YibaoError):
            self.show_message(exc.message)
        else:
            self.show_message(self.tr("Unexpected error: %1").replace("%1", type(exc).__name__))

    def _tick(self) -> None:
        if self._wait_left <= 0:
            self._countdown.stop()
            self.unlock_button.setEnabled(True)
            self.show_message(self.tr("You may try again now."))
            return
        self.show_message(self.tr("Too many wrong passphrases. Please wait %1 seconds.")
                          .replace("%1", str(self._wait_left)))
        self._wait_left -= 1

    def explain_recovery(self) -> None:
        QMessageBox.information(
            self, self.tr("Forgot passphrase"),
            self.tr("Your data stays encrypted and safe. Ask the township finance office "
                    "(乡镇财政所) for help: with the recovery code you were given when the "
                    "database was created, or with the township's recovery key, they can set "
                    "a new passphrase for you (the command asks for the code):\n\n    yibao recover\n\n"
                    "Nothing is lost, and your receipts and payments stay as they are."),
        )
