"""The collect confirmation (Ctrl+Enter in the collect view): which paper form, how much, and
for cash an optional 收到/找零 helper.

Enter confirms from anywhere in the dialog (the confirm button is the default), so typing
the amount received adds no keystroke to the collect path: the clerk who does not need it
never touches it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import ValidationError
from app.domain.money import fen_to_capitals, parse_yuan
from ui.common import big_font, fmt, heading, yuan


class ConfirmDialog(QDialog):
    """The last look before money changes hands: which paper form, how much."""

    def __init__(self, parent: QWidget, *, household: dict[str, Any], members: int,
                 tier_name: str, method_name: str, total_fen: int,
                 receipt_label: str | None, cash: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Confirm collection"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(560)
        self.total_fen = total_fen
        who = QLabel(fmt(self.tr("Household %1 · head %2 · %3 member(s) · %4 · %5"),
                         household["household_no"], household["head_name"], members,
                         tier_name, method_name))
        who.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(who)
        if receipt_label:
            layout.addWidget(QLabel(self.tr("This receipt form will be used:")))
            self.receipt = heading(receipt_label, 24)
            self.receipt.setStyleSheet("color: #b00020;")
            layout.addWidget(self.receipt, alignment=Qt.AlignmentFlag.AlignHCenter)
            check = QLabel(self.tr("Please check the number on the paper receipt form"))
            check.setStyleSheet("font-weight: bold;")
            layout.addWidget(check, alignment=Qt.AlignmentFlag.AlignHCenter)
        else:
            self.receipt = QLabel(self.tr("Fully subsidised: the members are enrolled and no "
                                          "receipt number is used."))
            self.receipt.setWordWrap(True)
            layout.addWidget(self.receipt)
        self.amount = heading(fmt(self.tr("Amount %1"), yuan(total_fen)), 20)
        self.capitals = heading(fen_to_capitals(total_fen), 16)
        layout.addSpacing(8)
        layout.addWidget(self.amount, alignment=Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.capitals, alignment=Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(8)
        self.received = QLineEdit()
        self.change = heading("", 14)
        if cash and total_fen:
            layout.addLayout(self._change_row())
        buttons = QHBoxLayout()
        text = (self.tr("Collect and print (Enter)") if receipt_label
                else self.tr("Enrol (Enter)"))
        self.confirm_button = QPushButton(text)
        self.confirm_button.setDefault(True)
        self.confirm_button.setFont(big_font(13))
        back = QPushButton(self.tr("Back (Esc)"))
        back.setAutoDefault(False)
        buttons.addWidget(self.confirm_button, 1)
        buttons.addWidget(back)
        layout.addLayout(buttons)
        self.confirm_button.clicked.connect(self.accept)
        back.clicked.connect(self.reject)
        self.confirm_button.setFocus()

    def _change_row(self) -> QHBoxLayout:
        """收到 ¥___ → 找零 ¥…: Alt+S (or Tab) to type what the resident handed over."""
        label = QLabel(self.tr("&Received (optional):"))
        label.setBuddy(self.received)
        self.received.setPlaceholderText(self.tr("yuan"))
        self.received.setMaximumWidth(160)
        self.received.textChanged.connect(self._show_change)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(label)
        row.addWidget(self.received)
        row.addSpacing(12)
        row.addWidget(self.change)
        row.addStretch(1)
        return row

    def _show_change(self, text: str) -> None:
        self.change.setStyleSheet("")
        if not text.strip():
            self.change.setText("")
            return
        try:
            received = parse_yuan(text)
        except ValidationError:
            self.change.setText(self.tr("not an amount"))
            return
        if received < self.total_fen:
            self.change.setText(fmt(self.tr("%1 short"), yuan(self.total_fen - received)))
            self.change.setStyleSheet("color: #b00020;")
        else:
            self.change.setText(fmt(self.tr("Change %1"), yuan(received - self.total_fen)))
