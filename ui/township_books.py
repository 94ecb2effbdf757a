"""The township's receipt books (票据管理): received from the county, issued to collectors,
settled once used up, and voided receipts whose parts were handed in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.services.base.workspace import Workspace
from app.services.township import books as township_books
from app.services.views.villages import VillageNames, village_namer
from ui.changes import Changes
from ui.common import ActionDialog, AppContext, Page, fmt, heading, selected_row, yuan
from ui.models import ALERT, RIGHT, Column, RowsModel
from ui.township_tables import township_table


def _number(maximum: int = 10**9) -> QSpinBox:
    box = QSpinBox()
    box.setRange(0, maximum)
    return box



class ReceiveBooksDialog(ActionDialog):
    """入库: a range of receipt forms received from the county."""

    changes = Changes.TOWNSHIP_BOOKS

    def __init__(self, ctx: AppContext, parent: QWidget) -> None:
        super().__init__(ctx, parent, self.tr("Receive receipt books"), self.tr("Receive"))
        self.series = QLineEdit()
        self.first = _number()
        self.last = _number()
        self.form.addRow(self.tr("Series"), self.series)
        self.form.addRow(self.tr("First number"), self.first)
        self.form.addRow(self.tr("Last number"), self.last)

    def action(self) -> Callable[[Workspace], Any] | None:
        series, first, last = self.series.text().strip(), self.first.value(), self.last.value()
        return lambda ws: township_books.receive_books(ws, series=series, first=first, last=last)


class IssueBookDialog(ActionDialog):
    """领用: one book to one collector; an unsettled previous book needs a reason."""

    changes = Changes.TOWNSHIP_BOOKS

    def __init__(self, ctx: AppContext, parent: QWidget, names: VillageNames) -> None:
        super().__init__(ctx, parent, self.tr("Issue a receipt book"), self.tr("Issue"))
        self.series = QLineEdit()
        self.first = _number()
        self.last = _number()
        self.village = QLineEdit()
        # The code is typed; its name beside it says which village the book goes to.
        self.village_name = QLabel()
        self.village_name.setStyleSheet("color: #555;")
        self.village.textChanged.connect(lambda code: self.village_name.setText(
            names.label(code.strip()) if code.strip() in names.names
            else self.tr("(no name set for this code)") if code.strip() else ""))
        self.collector = QLineEdit()
        self.override = QLineEdit()
        self.override.setPlaceholderText(self.tr("Only when the previous book is not settled"))
        for title, widget in ((self.tr("Series"), self.series),
                              (self.tr("First number"), self.first),
                              (self.tr("Last number"), self.last),
                              (self.tr("Village code"), self.village),
                              ("", self.village_name),
                              (self.tr("Collector"), self.collector),
                              (self.tr("Reason for an exception"), self.override)):
            self.form.addRow(title, widget)

    def action(self) -> Callable[[Workspace], Any] | None:
        values = {"series": self.series.text().strip(), "first": self.first.value(),
                  "last": self.last.value(), "village": self.village.text().strip(),
                  "collector": self.collector.text().strip(),
                  "override_reason": self.override.text().strip() or None}
        if not values["village"] or not values["collector"]:
            self.say(self.tr("Enter the village code and the collector's name."))
            return None
        return lambda ws: township_books.issue_book(ws, **values)


class SettleBookDialog(ActionDialog):
    """结报核销: the figures of one book and what still stands in the way."""

    changes = Changes.TOWNSHIP_BOOKS

    def __init__(self, ctx: AppContext, parent: QWidget, check: dict[str, Any]) -> None:
        super().__init__(ctx, parent, self.tr("Settle a receipt book"), self.tr("Settle"))
        self.check = check
        self.setMinimumWidth(640)
        rows = ((self.tr("Book"), f"{check['series']} {check['first']}–{check['last']}"),
                (self.tr("Village / collector"),
                 f"{check['village_name']} {check['collector']}"),
                (self.tr("Used"), str(check["issued"])),
                (self.tr("Voided"), str(check["voided"])),
                (self.tr("Lost"), str(check["lost"])),
                (self.tr("Returned unused"), str(check["unused"])),
                (self.tr("Amount on receipts"), yuan(check["amount_fen"])),
                (self.tr("Cash not deposited"), yuan(check["on_hand_fen"])))
        for title, value in rows:
            self.form.addRow(title, QLabel(value))
        self.note = QLineEdit()
        self.form.addRow(self.tr("Note"), self.note)
        if check["blockers"]:
            self.say(self.tr("Cannot settle yet:") + "\n" + "\n".join(check["blockers"]))
            self.ok_button.setEnabled(False)

    def action(self) -> Callable[[Workspace], Any] | None:
        aid, note = self.check["allocation_id"], self.note.text().strip()
        return lambda ws: township_books.settle_book(ws, aid, note=note)


class ConfirmVoidDialog(ActionDialog):
    """The three parts of a voided receipt were handed in."""

    changes = Changes.TOWNSHIP_BOOKS

    def __init__(self, ctx: AppContext, parent: QWidget) -> None:
        super().__init__(ctx, parent, self.tr("Confirm a voided receipt"), self.tr("Confirm"))
        self.series = QLineEdit()
        self.number = _number()
        self.form.addRow(self.tr("Series"), self.series)
        self.form.addRow(self.tr("Number"), self.number)

    def action(self) -> Callable[[Workspace], Any] | None:
        series, number = self.series.text().strip(), self.number.value()
        return lambda ws: township_books.confirm_void(ws, series=series, number=number)


class TownshipBooksPage(Page):
    # Books come from the county (a sync) and the villages' use of them with their journals.
    shows = Changes.TOWNSHIP_BOOKS | Changes.SYNC | Changes.SETTINGS  # village names

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.dialog: ActionDialog | None = None
        self.names = VillageNames()
        self.model = RowsModel([
            Column(self.tr("Book"), lambda r: r["range"]),
            Column(self.tr("Village"), lambda r: r["village_name"]),
            Column(self.tr("Collector"), lambda r: r["collector"]),
            Column(self.tr("Used"), lambda r: r["issued"], RIGHT),
            Column(self.tr("Voided"), lambda r: r["voided"], RIGHT),
            Column(self.tr("Unused"), lambda r: r["unused"], RIGHT),
            Column(self.tr("Amount"), lambda r: yuan(r["amount_fen"]), RIGHT),
            Column(self.tr("Settled"), lambda r: (r["settled_at"] or "")[:10] or self.tr("no"),
                   color=lambda r: None if r["settled_at"] else ALERT),
            Column(self.tr("Exception"), lambda r: r["override_reason"] or ""),
        ], key=lambda r: r["allocation_id"])
        self.table = township_table(self.model, stretch_column=8)
        self.result = QLabel()
        self.result.setWordWrap(True)
        buttons = QHBoxLayout()
        self.receive_button = QPushButton(self.tr("Receive books…"))
        self.issue_button = QPushButton(self.tr("Issue a book…"))
        self.settle_button = QPushButton(self.tr("Settle selected book…"))
        self.void_button = QPushButton(self.tr("Confirm voided receipt…"))
        for button, slot in ((self.receive_button, self.receive), (self.issue_button, self.issue),
                             (self.settle_button, self.settle), (self.void_button, self.confirm)):
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(self.tr("Receipt books issued to collectors")))
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.result)

    def refresh(self, changes: Changes = Changes.EVERYTHING) -> None:
        self.ctx.run(lambda ws: (township_books.issued_books(ws), village_namer(ws)),
                     self._show, parent=self)

    def _show(self, loaded: tuple[list[dict[str, Any]], VillageNames]) -> None:
        rows, self.names = loaded
        self.model.set_rows(rows)

    def _open(self, dialog: ActionDialog, done: Callable[[Any], str]) -> None:
        dialog.succeeded.connect(lambda r: self.result.setText(done(r)))
        self.dialog = dialog
        dialog.open()

    def receive(self) -> None:
        self._open(ReceiveBooksDialog(self.ctx, self), lambda r: fmt(
            self.tr("Received %1 %2–%3."), r["series"], r["first"], r["last"]))

    def issue(self) -> None:
        self._open(IssueBookDialog(self.ctx, self, self.names), lambda r: fmt(
            self.tr("Issued %1 %2–%3 to %4 (%5)."), r["series"], r["first"], r["last"],
            r["collector"], r["village_name"]))

    def confirm(self) -> None:
        self._open(ConfirmVoidDialog(self.ctx, self), lambda r: fmt(
            self.tr("Voided receipt %1: all parts handed in."), r["receipt"]))

    def settle(self) -> None:
        row = selected_row(self.table, self.model)
        if row is None:
            self.result.setText(self.tr("Select a book first."))
            return
        aid = row["allocation_id"]
        self.ctx.run(lambda ws: township_books.settlement_check(ws, aid), self._settle_dialog,
                     parent=self)

    def _settle_dialog(self, check: dict[str, Any]) -> None:
        self._open(SettleBookDialog(self.ctx, self, check), lambda r: fmt(
            self.tr("Book %1 %2–%3 settled: %4 used, %5 voided, %6 returned."), r["series"],
            r["first"], r["last"], r["issued"], r["voided"], r["unused"]))

