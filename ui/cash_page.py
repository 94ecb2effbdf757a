"""Cash (现金): on hand, deposits to the township account, the daily close (日清), and the
history of both."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import ValidationError
from app.domain.money import format_fen, parse_yuan
from app.services.base.workspace import Workspace
from app.services.views.day import DaySummary, day_summary
from app.services.views.listings import daily_close_history, deposit_history
from app.services.village.cash import cash_position, daily_close, record_deposit
from ui.changes import Changes
from ui.common import (
    ActionDialog,
    AppContext,
    Page,
    fmt,
    heading,
    message,
    table_view,
    translate,
    yuan,
)
from ui.models import ALERT, RIGHT, Column, RowsModel


def _amount(edit: QLineEdit) -> int | None:
    try:
        return parse_yuan(edit.text())
    except ValidationError:
        return None


class DepositDialog(ActionDialog):
    """缴存: cash taken to the bank, with the slip number."""

    changes = Changes.CASH

    def __init__(self, ctx: AppContext, parent: QWidget, on_hand_fen: int) -> None:
        super().__init__(ctx, parent, self.tr("Record a deposit"), self.tr("Record deposit"))
        self.amount = QLineEdit(format_fen(on_hand_fen) if on_hand_fen > 0 else "")
        self.slip = QLineEdit()
        self.slip.setPlaceholderText(self.tr("Number on the bank slip"))
        self.day = QDateEdit(QDate.currentDate())
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setMaximumDate(QDate.currentDate())
        self.form.addRow(self.tr("Cash on hand"), QLabel(yuan(on_hand_fen)))
        self.form.addRow(self.tr("Amount deposited (yuan)"), self.amount)
        self.form.addRow(self.tr("Slip number"), self.slip)
        self.form.addRow(self.tr("Deposit date"), self.day)
        self.slip.setFocus()

    def action(self) -> Callable[[Workspace], Any] | None:
        amount = self.typed_fen(self.amount)
        if amount is None:
            return None
        slip = self.slip.text().strip()
        if not slip:
            self.say(self.tr("Enter the slip number."))
            return None
        day = self.day.date().toPython()
        return lambda ws: record_deposit(ws, amount_fen=amount, slip_no=slip, deposit_date=day)


def day_text(day: DaySummary) -> str:
    """The day in one line: what 日清 counts the cash against."""
    return fmt(translate("cash", "%1: %2 receipt(s) for %3 person(s) · cash %4 · non-cash %5 · "
                                 "%6 void(s) · %7 refund(s) %8 · %9 deposit(s) %10"),
               day.business_date.strftime("%m-%d"), day.receipts, day.persons,
               yuan(day.cash_fen), yuan(day.noncash_fen), day.voids, day.refunds,
               yuan(day.refunded_fen), day.deposits, yuan(day.deposited_fen))


class DailyCloseDialog(ActionDialog):
    """日清: count the cash; a difference needs a note and is kept on record."""

    changes = Changes.CASH

    def __init__(self, ctx: AppContext, parent: QWidget, expected_fen: int,
                 day: DaySummary | None) -> None:
        super().__init__(ctx, parent, self.tr("Daily close"), self.tr("Close the day"))
        self.expected_fen = expected_fen
        if day is not None:
            summary = QLabel(day_text(day))
            summary.setWordWrap(True)
            self.form.addRow(self.tr("Today"), summary)
        self.counted = QLineEdit()
        self.counted.setPlaceholderText(self.tr("Count the cash and type the total"))
        self.difference = QLabel()
        self.note = QLineEdit()
        self.note.setPlaceholderText(self.tr("Required when the count differs"))
        self.form.addRow(self.tr("Cash on hand (books)"), heading(yuan(expected_fen), 14))
        self.form.addRow(self.tr("Counted (yuan)"), self.counted)
        self.form.addRow(self.tr("Difference"), self.difference)
        self.form.addRow(self.tr("Note"), self.note)
        self.counted.textChanged.connect(lambda _t: self._show_difference())
        self.counted.setFocus()

    def _show_difference(self) -> None:
        counted = _amount(self.counted)
        if counted is None:
            self.difference.setText("")
            return
        difference = counted - self.expected_fen
        if difference == 0:
            self.difference.setStyleSheet("color: #1b5e20;")
            self.difference.setText(self.tr("none — the cash agrees"))
        else:
            self.difference.setStyleSheet("color: #b00020; font-weight: bold;")
            self.difference.setText(fmt(self.tr("%1 (%2)"), yuan(difference),
                                        self.tr("over") if difference > 0
                                        else self.tr("short")))

    def action(self) -> Callable[[Workspace], Any] | None:
        counted = self.typed_fen(self.counted)
        if counted is None:
            return None
        note = self.note.text().strip()
        if counted != self.expected_fen and not note:
            self.say(self.tr("The count differs from the books: write a note saying why."))
            self.note.setFocus()
            return None
        return lambda ws: daily_close(ws, counted_fen=counted, note=note)


class CashPage(Page):
    shows = Changes.CASH

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.position: dict[str, Any] | None = None
        self.day: DaySummary | None = None
        self.dialog: ActionDialog | None = None
        self.on_hand = heading("", 26)
        self.values: dict[str, QLabel] = {}
        grid = QGridLayout()
        rows = (("collected_fen", self.tr("Cash collected")),
                ("refunded_fen", self.tr("Cash refunds paid")),
                ("deposited_fen", self.tr("Deposited")),
                ("oldest_undeposited", self.tr("Held since")))
        for row, (key, title) in enumerate(rows):
            value = heading("", 13)
            self.values[key] = value
            grid.addWidget(QLabel(title), row, 0)
            grid.addWidget(value, row, 1)
        grid.setColumnStretch(2, 1)
        self.warnings = QLabel()
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet("color: #b00020; font-weight: bold; font-size: 13pt;")
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.today = QLabel()
        self.today.setWordWrap(True)
        self.deposit_button = QPushButton(self.tr("Record a deposit…"))
        self.close_button = QPushButton(self.tr("Daily close…"))
        self.deposit_button.clicked.connect(self.deposit)
        self.close_button.clicked.connect(self.close_day)
        buttons = QHBoxLayout()
        buttons.addWidget(self.deposit_button)
        buttons.addWidget(self.close_button)
        buttons.addStretch(1)
        explain = QLabel(self.tr("Cash on hand = cash collected − cash refunds − deposits. "
                                 "Deposit the cash into the township account within the day "
                                 "and amount limits, and count it at the end of every day."))
        explain.setWordWrap(True)
        explain.setStyleSheet("color: #555;")

        self.deposits_model = RowsModel([
            Column(self.tr("Deposit date"), lambda r: r["deposit_date"]),
            Column(self.tr("Slip number"), lambda r: r["slip_no"]),
            Column(self.tr("Amount"), lambda r: yuan(r["amount_fen"]), RIGHT),
            Column(self.tr("Recorded by"), lambda r: r["actor"]),
        ], key=lambda r: r["slip_no"], parent=self)
        self.closes_model = RowsModel([
            Column(self.tr("Day"), lambda r: r["business_date"]),
            Column(self.tr("Books"), lambda r: yuan(r["expected_fen"]), RIGHT),
            Column(self.tr("Counted"), lambda r: yuan(r["counted_fen"]), RIGHT),
            Column(self.tr("Difference"), lambda r: yuan(r["difference_fen"]), RIGHT,
                   color=lambda r: ALERT if r["difference_fen"] else None),
            Column(self.tr("Note"), lambda r: r["note"]),
        ], key=lambda r: (r["business_date"], r["at"]), parent=self)
        histories = QSplitter()
        for title, model in ((self.tr("Deposits"), self.deposits_model),
                             (self.tr("Daily closes"), self.closes_model)):
            box = QWidget()
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(0, 0, 0, 0)
            box_layout.addWidget(heading(title, 12))
            box_layout.addWidget(table_view(model))
            histories.addWidget(box)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.addWidget(QLabel(self.tr("Cash on hand")))
        layout.addWidget(self.on_hand)
        layout.addWidget(self.warnings)
        layout.addSpacing(8)
        layout.addLayout(grid)
        layout.addWidget(self.today)
        layout.addSpacing(12)
        layout.addLayout(buttons)
        layout.addWidget(self.result)
        layout.addWidget(histories, 1)
        layout.addWidget(explain)

    def refresh(self, changes: Changes = Changes.EVERYTHING) -> None:
        self.ctx.run(lambda ws: {"position": cash_position(ws).to_dict(),
                                 "deposits": deposit_history(ws),
                                 "closes": daily_close_history(ws),
                                 "day": day_summary(ws)}, self._show, parent=self)

    def _show(self, data: dict[str, Any]) -> None:
        self.deposits_model.set_rows(data["deposits"])
        self.closes_model.set_rows(data["closes"])
        position = self.position = data["position"]
        self.day = data["day"]
        self.today.setText(day_text(self.day))
        self.on_hand.setText(yuan(position["on_hand_fen"]))
        for key, label in self.values.items():
            value = position[key]
            label.setText(yuan(value) if key.endswith("_fen") else (value or "—"))
        self.warnings.setText("\n".join("⚠ " + w for w in position["warnings"]))
        self.warnings.setVisible(bool(position["warnings"]))

    def deposit(self) -> None:
        if self.position is None:
            return
        dialog = DepositDialog(self.ctx, self, self.position["on_hand_fen"])
        dialog.succeeded.connect(lambda r: self.result.setText(fmt(
            self.tr("Deposit %1 recorded (slip %2). Cash on hand now %3."),
            yuan(r["amount_fen"]), r["slip_no"], yuan(r["on_hand_fen"]))))
        self.dialog = dialog
        dialog.open()

    def close_day(self) -> None:
        if self.position is None:
            return
        dialog = DailyCloseDialog(self.ctx, self, self.position["on_hand_fen"], self.day)
        day = self.day

        def closed(result: dict[str, Any]) -> None:
            text = fmt(self.tr("Day %1 closed: books %2, counted %3, difference %4."),
                       result["business_date"], yuan(result["expected_fen"]),
                       yuan(result["counted_fen"]), yuan(result["difference_fen"]))
            if day is not None:
                text += "\n" + day_text(day)
            self.result.setText(text)
            message(self, text)

        dialog.succeeded.connect(closed)
        self.dialog = dialog
        dialog.open()
