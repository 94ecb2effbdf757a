"""Deposit matching (缴存对账): the villages' deposits against the township account's bank
credits, typed, imported from a statement, matched by hand or automatically."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.services.base.workspace import Workspace
from app.services.township import money as township_money
from ui.changes import Changes
from ui.common import ActionDialog, AppContext, Page, fmt, heading, selected_row, yuan
from ui.models import ALERT, RIGHT, Column, RowsModel
from ui.township_tables import township_table


class BankCreditDialog(ActionDialog):
    """One credit line of the township account, typed from the statement."""

    changes = Changes.TOWNSHIP_BANK

    def __init__(self, ctx: AppContext, parent: QWidget) -> None:
        super().__init__(ctx, parent, self.tr("Add a bank credit"), self.tr("Add"))
        self.amount = QLineEdit()
        self.ref = QLineEdit()
        self.day = QDateEdit(QDate.currentDate())
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.memo = QLineEdit()
        self.form.addRow(self.tr("Amount (yuan)"), self.amount)
        self.form.addRow(self.tr("Bank reference"), self.ref)
        self.form.addRow(self.tr("Credit date"), self.day)
        self.form.addRow(self.tr("Memo"), self.memo)

    def action(self) -> Callable[[Workspace], Any] | None:
        amount = self.typed_fen(self.amount)
        if amount is None:
            return None
        day = self.day.date().toPython()
        ref, memo = self.ref.text().strip(), self.memo.text().strip()
        return lambda ws: township_money.add_bank_credit(ws, amount_fen=amount, credit_date=day,
                                                         bank_ref=ref, memo=memo)


class TownshipDepositsPage(Page):
    shows = Changes.TOWNSHIP_BANK | Changes.SYNC | Changes.SETTINGS  # village names

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.dialog: ActionDialog | None = None
        self.deposits = RowsModel([
            Column(self.tr("Village"), lambda r: r["village_name"]),
            Column(self.tr("Collector"), lambda r: r["collector"]),
            Column(self.tr("Slip"), lambda r: r["slip_no"]),
            Column(self.tr("Date"), lambda r: r["deposit_date"]),
            Column(self.tr("Amount"), lambda r: yuan(r["amount_fen"]), RIGHT),
            Column(self.tr("Bank credit"), lambda r: r["bank_ref"] or self.tr("not matched"),
                   color=lambda r: None if r["bank_ref"] else ALERT),
        ], key=lambda r: r["deposit_id"])
        self.credits = RowsModel([
            Column(self.tr("Bank reference"), lambda r: r["bank_ref"]),
            Column(self.tr("Date"), lambda r: r["credit_date"]),
            Column(self.tr("Amount"), lambda r: yuan(r["amount_fen"]), RIGHT),
            Column(self.tr("Memo"), lambda r: r["memo"]),
        ], key=lambda r: r["credit_id"])
        self.deposit_table = township_table(self.deposits, stretch_column=0)
        self.credit_table = township_table(self.credits, stretch_column=3)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.add_button = QPushButton(self.tr("Add bank credit…"))
        self.import_button = QPushButton(self.tr("Import bank statement…"))
        self.match_button = QPushButton(self.tr("Match selected"))
        self.auto_button = QPushButton(self.tr("Match automatically"))
        self.add_button.clicked.connect(self.add_credit)
        self.import_button.clicked.connect(self.import_statement)
        self.match_button.clicked.connect(self.match)
        self.auto_button.clicked.connect(self.auto)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.import_button, self.match_button, self.auto_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.addWidget(QLabel(self.tr("Deposits recorded by collectors")))
        lv.addWidget(self.deposit_table)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.addWidget(QLabel(self.tr("Bank credits not yet matched")))
        rv.addWidget(self.credit_table)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([760, 560])
        layout = QVBoxLayout(self)
        layout.addWidget(heading(self.tr("Deposits and bank credits")))
        layout.addLayout(buttons)
        layout.addWidget(split, 1)
        layout.addWidget(self.result)

    def refresh(self, changes: Changes = Changes.EVERYTHING) -> None:
        self.ctx.run(township_money.deposit_matching, self._show, parent=self)

    def _show(self, state: dict[str, Any]) -> None:
        self.deposits.set_rows(state["deposits"])
        self.credits.set_rows(state["unmatched_credits"])

    def add_credit(self) -> None:
        dialog = BankCreditDialog(self.ctx, self)
        dialog.succeeded.connect(lambda r: self.result.setText(fmt(
            self.tr("Bank credit %1 (%2) added."), r["bank_ref"], yuan(r["amount_fen"]))))
        self.dialog = dialog
        dialog.open()

    def import_statement(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Bank statement (CSV)"), "",
                                              "CSV (*.csv)")
        if path:
            self.ctx.act(lambda ws: township_money.import_bank_statement(ws, path),
                         lambda r: self.result.setText(fmt(
                             self.tr("%1 credits imported, %2 already known."), r["added"],
                             r["skipped"])), changes=Changes.TOWNSHIP_BANK, parent=self)

    def match(self) -> None:
        deposit = selected_row(self.deposit_table, self.deposits)
        credit = selected_row(self.credit_table, self.credits)
        if deposit is None or credit is None:
            self.result.setText(self.tr("Select a deposit and a bank credit."))
            return
        did, cid = deposit["deposit_id"], credit["credit_id"]
        self.ctx.act(lambda ws: township_money.match_deposit(ws, deposit_id=did, credit_id=cid),
                     lambda r: self.result.setText(fmt(
                         self.tr("Slip %1 matched with bank credit %2."), r["slip_no"],
                         r["bank_ref"])), lambda exc: self.result.setText(str(
                             getattr(exc, "message", exc))),
                     changes=Changes.TOWNSHIP_BANK, parent=self)

    def auto(self) -> None:
        self.ctx.act(township_money.auto_match, lambda r: self.result.setText(fmt(
            self.tr("%1 matched; %2 deposits and %3 credits left unmatched."),
            len(r["matched"]), r["unmatched_deposits"], r["unmatched_credits"])),
            changes=Changes.TOWNSHIP_BANK, parent=self)

