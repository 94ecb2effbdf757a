"""Receipts (票据): the books, every number taken from them, void, print/reprint and refund."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.roster import REFUND_REASONS
from app.services.base.common import business_date, utc_now
from app.services.base.workspace import Workspace
from app.services.views.listings import list_receipts, refund_candidates
from app.services.views.reconcile import book_summaries
from app.services.village.books import void_receipt
from app.services.village.refunds import RefundResult, refund_line
from ui.changes import Changes
from ui.common import (
    ActionDialog,
    AppContext,
    Page,
    fmt,
    heading,
    message,
    method_names,
    scaled,
    selected_row,
    table_view,
    yuan,
)
from ui.models import ALERT, MUTED, RIGHT, Column, RowsModel
from ui.printing import PrintManager

VOID_REASONS = ("打印错位", "填错户", "卡纸", "金额有误", "交款人取消缴费")


def _amount(receipt: dict[str, Any]) -> str:
    return "" if receipt.get("amount_fen") is None else yuan(receipt["amount_fen"])


class ConfirmingDialog(ActionDialog):
    """Asks twice: the first OK shows what will happen, the second one does it."""

    def __init__(self, ctx: AppContext, parent: QWidget, title: str, ok_text: str,
                 confirm_text: str) -> None:
        super().__init__(ctx, parent, title, ok_text)
        self.confirm_text = confirm_text
        self.confirming = False
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b00020; font-weight: bold; font-size: 13pt;")
        self.warning.hide()
        self.layout().insertWidget(1, self.warning)

    def consequences(self) -> str | None:
        """What the action will do, in words; None when a field is still missing."""
        raise NotImplementedError

    def submit(self) -> None:
        if self.confirming:
            super().submit()
            return
        text = self.consequences()
        if text is None:
            return
        self.say("")
        self.confirming = True
        self.warning.setText(text)
        self.warning.show()
        self.ok_button.setText(self.confirm_text)
        self.fit()


class VoidDialog(ConfirmingDialog):
    """作废: reason required, and a second confirmation."""

    # The number is spent; a payment on it is cancelled, with its cash.
    changes = Changes.RECEIPTS | Changes.PAYMENTS | Changes.CASH

    def __init__(self, ctx: AppContext, parent: QWidget, receipt: dict[str, Any], *,
                 blank: bool = False) -> None:
        super().__init__(ctx, parent, fmt(self.tr("Void receipt %1"), receipt["label"]),
                         self.tr("Void…"), self.tr("Yes, void it"))
        self.receipt = receipt
        self.blank = blank
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.addItems(VOID_REASONS)
        self.reason.setCurrentText("")
        self.reason.lineEdit().setPlaceholderText(self.tr("Why is it voided? (required)"))
        self.form.addRow(self.tr("Receipt"), heading(receipt["label"], 14))
        if blank:
            self.form.addRow("", QLabel(self.tr("This is the next unused (blank) form, "
                                                "spoiled before use.")))
        else:  # the clerk sees whose payment is cancelled before saying yes
            self.form.addRow(self.tr("Payer"), QLabel(fmt(self.tr("%1 (household %2)"),
                                                          receipt["payer"],
                                                          receipt["household_no"])))
            self.form.addRow(self.tr("Amount"), heading(_amount(receipt), 13))
        self.form.addRow(self.tr("Reason"), self.reason)
        self.reason.setFocus()

    def consequences(self) -> str | None:
        if not self.reason.currentText().strip():
            self.say(self.tr("A reason is required to void a receipt."))
            return None
        if self.blank:
            return fmt(self.tr("Void the blank form %1? Its number is never used again. Keep "
                               "all parts of the paper form."), self.receipt["label"])
        return fmt(self.tr("Void %1 of %2 for %3? The payment is cancelled, the members are "
                           "no longer enrolled and the household must be collected again on "
                           "a new receipt. Keep all parts of the paper receipt."),
                   self.receipt["label"], self.receipt["payer"], _amount(self.receipt))

    def action(self) -> Callable[[Workspace], Any] | None:
        number, series = self.receipt["number"], self.receipt["series"]
        reason = self.reason.currentText().strip()
        return lambda ws: void_receipt(ws, number, series=series, reason=reason)


class RefundDialog(ConfirmingDialog):
    """退费 one member of a receipt, picked from the receipt's own lines; a county refund
    task preselects its person (``id_number``) and reason."""

    changes = Changes.PAYMENTS | Changes.CASH

    def __init__(self, ctx: AppContext, parent: QWidget, receipt: dict[str, Any], *,
                 id_number: str | None = None, reason: str | None = None) -> None:
        super().__init__(ctx, parent, fmt(self.tr("Refund on receipt %1"), receipt["label"]),
                         self.tr("Refund…"), self.tr("Yes, refund"))
        self.receipt = receipt
        self.model = RowsModel([
            Column(self.tr("Name"), lambda r: r["name"]),
            Column(self.tr("ID number"), lambda r: r["id_masked"]),
            Column(self.tr("Paid"), lambda r: yuan(r["payable_fen"]), RIGHT),
            Column(self.tr("Refund"), lambda r: REFUND_REASONS.get(r["refund_reason"], "")
                   if r["refunded"] else "", color=lambda r: MUTED if r["refunded"] else None),
        ], key=lambda r: r["line_id"], parent=self)
        self.people = table_view(self.model)
        # Five members and the 退费 column without scrolling, at every font size.
        self.people.setMinimumSize(scaled(560), scaled(175))
        self.reason = QComboBox()
        for code, name in REFUND_REASONS.items():
            self.reason.addItem(name, code)
        if reason is not None:
            self.reason.setCurrentIndex(max(0, self.reason.findData(reason)))
        self.paid_by = QComboBox()
        self.paid_by.addItem(self.tr("Paid out of my cash on hand"), "cash")
        self.paid_by.addItem(self.tr("Paid by the township office"), "township")
        self.note = QLineEdit()
        self.note.setPlaceholderText(self.tr("Required when the reason is 'other'"))
        self.preselect = id_number
        self.form.addRow(self.tr("Receipt"), heading(receipt["label"], 14))
        self.form.addRow(self.tr("Member"), self.people)
        self.form.addRow(self.tr("Reason"), self.reason)
        self.form.addRow(self.tr("Refund paid by"), self.paid_by)
        self.form.addRow(self.tr("Note"), self.note)
        series, number = receipt["series"], receipt["number"]
        ctx.run(lambda ws: refund_candidates(ws, number, series), self._show, parent=self)
        self.people.setFocus()

    def _show(self, rows: list[dict[str, Any]]) -> None:
        self.model.set_rows(rows)
        open_lines = [i for i, row in enumerate(rows) if not row["refunded"]]
        wanted = [i for i in open_lines if rows[i]["id_number"] == self.preselect]
        if wanted:
            self.people.selectRow(wanted[0])
        elif open_lines:
            self.people.selectRow(open_lines[0])

    def person(self) -> dict[str, Any] | None:
        return selected_row(self.people, self.model)

    def consequences(self) -> str | None:
        person = self.person()
        if person is None:
            self.say(self.tr("Select the member to refund."))
            return None
        if person["refunded"]:
            self.say(fmt(self.tr("%1 was refunded on this receipt already."), person["name"]))
            return None
        return fmt(self.tr("Refund %1 to %2 (%3) on receipt %4 because: %5? Their enrolment "
                           "ends; %6."),
                   yuan(person["payable_fen"]), person["name"], person["id_masked"],
                   self.receipt["label"], self.reason.currentText(),
                   self.paid_by.currentText())

    def action(self) -> Callable[[Workspace], Any] | None:
        person = self.person()
        if person is None:
            return None
        number, series = self.receipt["number"], self.receipt["series"]
        id_number, reason = person["id_number"], self.reason.currentData()
        paid_by, note = self.paid_by.currentData(), self.note.text()
        return lambda ws: refund_line(ws, receipt_no=number, series=series,
                                      id_number=id_number, reason=reason, paid_by=paid_by,
                                      note=note)


class ReceiptFilter(QSortFilterProxyModel):
    """State, book and number filters over the receipts list."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.state = ""
        self.book = ""
        self.text = ""
        self.day: date | None = None

    def set_filters(self, state: str, book: str, text: str, day: date | None = None) -> None:
        self.beginFilterChange()
        self.state, self.book, self.text, self.day = state, book, text.strip(), day
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int,
                         source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        row = self.sourceModel().row_at(source_row)  # type: ignore[attr-defined]
        if self.state == "pending" and not row["pending_print"]:
            return False
        if self.state not in ("", "pending") and row["state"] != self.state:
            return False
        if self.book and row["book"] != self.book:
            return False
        if self.day is not None and row["time"].date() != self.day:
            return False
        return not self.text or any(self.text in row[key]
                                    for key in ("label", "payer", "household_no"))


class ReceiptsPage(Page):
    # The books and their receipts with the payer, the amount and the refunds on them.
    shows = Changes.RECEIPTS | Changes.PAYMENTS

    def __init__(self, ctx: AppContext, printer: PrintManager) -> None:
        super().__init__(ctx)
        self.printer = printer
        self.dialog: QWidget | None = None
        self.state_names = {"issued": self.tr("issued"), "voided": self.tr("voided"),
                            "lost": self.tr("lost")}

        self.books_model = RowsModel([
            Column(self.tr("Book"), lambda r: f"{r['series']} {r['first']:0{r['width']}d}–"
                                              f"{r['last']:0{r['width']}d}"),
            Column(self.tr("Issued"), lambda r: r["issued"], RIGHT),
            Column(self.tr("Voided"), lambda r: r["voided"], RIGHT),
            Column(self.tr("Lost"), lambda r: r["lost"], RIGHT),
            Column(self.tr("Unused"), lambda r: r["unused"], RIGHT),
            Column(self.tr("Amount"), lambda r: yuan(r["amount_fen"]), RIGHT),
            Column(self.tr("Refunds"), lambda r: yuan(r["refunds_fen"]), RIGHT),
            Column(self.tr("Collector"), lambda r: r["collector"]),
        ], key=lambda r: (r["series"], r["first"]), parent=self)
        self.books = table_view(self.books_model)
        # Room for the header and three books without a scroll bar; the list below gets the rest.
        self.books.setMaximumHeight(self.books.verticalHeader().defaultSectionSize() * 4 + 6)

        methods = method_names()
        self.model = RowsModel([
            Column(self.tr("Receipt"), lambda r: r["label"]),
            Column(self.tr("State"), lambda r: self.state_names[r["state"]],
                   color=lambda r: MUTED if r["state"] != "issued" else None),
            Column(self.tr("Printed"), self._printed,
                   color=lambda r: ALERT if r["pending_print"] else None),
            Column(self.tr("Payer"), lambda r: r["payer"]),
            Column(self.tr("Household no."), lambda r: r["household_no"]),
            Column(self.tr("Amount"), lambda r: "" if r["amount_fen"] is None
                   else yuan(r["amount_fen"]), RIGHT),
            Column(self.tr("Refunded"), lambda r: yuan(r["refunds_fen"]) if r["refunds_fen"]
                   else "", RIGHT, color=lambda _r: ALERT),
            Column(self.tr("Method"), lambda r: methods.get(r["method"], "")),
            Column(self.tr("Time"), lambda r: r["time"].strftime("%m-%d %H:%M")),
            Column(self.tr("Void reason / note"), lambda r: r["void_reason"]),
        ], key=lambda r: (r["series"], r["number"]), parent=self)
        self.filter = ReceiptFilter(self)
        self.filter.setSourceModel(self.model)
        self.table = table_view(self.filter, stretch_column=9)

        self.state_box = QComboBox()
        for code, name in (("", self.tr("All")), ("issued", self.tr("Issued")),
                           ("pending", self.tr("Not printed")), ("voided", self.tr("Voided")),
                           ("lost", self.tr("Lost"))):
            self.state_box.addItem(name, code)
        self.book_box = QComboBox()
        # Wide enough for its longest book at any font size (a fixed width clipped 全部票据).
        self.book_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.number_box = QLineEdit()
        self.number_box.setPlaceholderText(self.tr("Number, payer or household no. contains…"))
        self.number_box.setClearButtonEnabled(True)
        filters = QHBoxLayout()
        filters.addWidget(QLabel(self.tr("Show:")))
        filters.addWidget(self.state_box)
        filters.addWidget(self.book_box)
        self.today_box = QCheckBox(self.tr("Today"))
        filters.addWidget(self.today_box)
        filters.addWidget(self.number_box, 1)
        self.shown = QLabel()
        filters.addWidget(self.shown)

        self.print_button = QPushButton(self.tr("Print"))
        self.preview_button = QPushButton(self.tr("Preview"))
        self.void_button = QPushButton(self.tr("Void…"))
        self.refund_button = QPushButton(self.tr("Refund…"))
        self.void_blank_button = QPushButton(self.tr("Void next blank form…"))
        self.voucher_button = QPushButton(self.tr("Refund voucher"))
        self.voucher_button.clicked.connect(lambda: self.print_voucher())
        self.print_button.clicked.connect(self.print_selected)
        self.preview_button.clicked.connect(self.preview_selected)
        self.void_button.clicked.connect(self.void_selected)
        self.refund_button.clicked.connect(self.refund_selected)
        self.void_blank_button.clicked.connect(self.void_blank)
        actions = QHBoxLayout()
        for button in (self.print_button, self.preview_button, self.void_button,
                       self.refund_button, self.voucher_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.void_blank_button)
        self.next_label = QLabel()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(heading(self.tr("Receipt books"), 13))
        layout.addWidget(self.books)
        layout.addWidget(self.next_label)
        layout.addWidget(heading(self.tr("Receipts"), 13))
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)

        for box in (self.state_box, self.book_box):
            box.currentIndexChanged.connect(lambda _i: self._apply_filters())
        self.today_box.toggled.connect(lambda _on: self._apply_filters())
        self.number_box.textChanged.connect(lambda _t: self._apply_filters())
        self.table.selectionModel().currentRowChanged.connect(
            lambda _c, _p: self._update_buttons())
        self._next: dict[str, Any] | None = None
        self._update_buttons()

    def _printed(self, row: dict[str, Any]) -> str:
        if row["pending_print"]:
            return self.tr("NOT PRINTED")
        if row["state"] != "issued":
            return ""
        if row["reprints"]:  # a second paper exists: the township asks about it
            return fmt(self.tr("printed, reprinted ×%1"), row["reprints"])
        return self.tr("printed")

    # ---- loading ------------------------------------------------------------------------------

    def refresh(self, changes: Changes = Changes.EVERYTHING) -> None:
        self.ctx.run(lambda ws: {"books": book_summaries(ws),
                                 "receipts": list_receipts(ws)},
                     self._show, parent=self)

    def set_next(self, nxt: dict[str, Any] | None) -> None:
        """The status bar's snapshot also tells this page which blank form comes next."""
        self._next = nxt
        if nxt is None:
            self.next_label.setText(self.tr("No receipt forms left: register a new book from "
                                            "the township."))
        else:
            self.next_label.setText(fmt(self.tr("Next receipt: %1 (%2 left in this book)"),
                                        nxt["label"], nxt["remaining"]))
        self.void_blank_button.setEnabled(nxt is not None)

    def _show(self, data: dict[str, Any]) -> None:
        selected = self.selected()
        self.books_model.set_rows(data["books"])
        self.model.set_rows(data["receipts"])
        books = sorted({r["book"] for r in data["receipts"]})
        current_book = self.book_box.currentData()
        self.book_box.blockSignals(True)
        self.book_box.clear()
        self.book_box.addItem(self.tr("All books"), "")
        for book in books:
            self.book_box.addItem(book, book)
        self.book_box.setCurrentIndex(max(0, self.book_box.findData(current_book)))
        self.book_box.blockSignals(False)
        self._apply_filters()
        if selected is not None:
            self.select((selected["series"], selected["number"]))
        elif self.filter.rowCount():
            self.table.selectRow(0)

    def _apply_filters(self) -> None:
        self.filter.set_filters(self.state_box.currentData(), self.book_box.currentData() or "",
                                self.number_box.text(),
                                business_date(utc_now()) if self.today_box.isChecked() else None)
        self.shown.setText(fmt(self.tr("%1 of %2"), self.filter.rowCount(),
                               self.model.rowCount()))
        self._update_buttons()

    def select(self, receipt_id: tuple[str, str]) -> None:
        position = self.model.position_of(receipt_id)
        if position is None:
            return
        index = self.filter.mapFromSource(self.model.index(position, 0))
        if index.isValid():
            self.table.selectRow(index.row())

    def selected(self) -> dict[str, Any] | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.row_at(self.filter.mapToSource(index).row())

    def _update_buttons(self) -> None:
        row = self.selected()
        issued = row is not None and row["state"] == "issued"
        self.print_button.setEnabled(issued)
        self.print_button.setText(self.tr("Print") if row is None or row["pending_print"]
                                  else self.tr("Reprint (补打)"))
        self.preview_button.setEnabled(row is not None and row["state"] != "lost")
        self.void_button.setEnabled(issued)
        self.refund_button.setEnabled(issued)
        self.voucher_button.setEnabled(row is not None and bool(row["refunds_fen"]))

    # ---- actions ------------------------------------------------------------------------------

    def _open(self, dialog: ActionDialog) -> None:
        self.dialog = dialog
        dialog.open()

    def print_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        self.printer.print_receipt(
            row["series"], row["number"], reprint=not row["pending_print"],
            on_done=lambda ok, text: message(self, text) if not ok else None)

    def preview_selected(self) -> None:
        row = self.selected()
        if row is not None:
            self.printer.preview_receipt(row["series"], row["number"])

    def void_selected(self) -> None:
        row = self.selected()
        if row is not None:
            self._open(VoidDialog(self.ctx, self, row))

    def void_blank(self) -> None:
        if self._next is not None:
            blank = {"label": self._next["label"], "number": self._next["number"],
                     "series": self._next["series"]}
            self._open(VoidDialog(self.ctx, self, blank, blank=True))

    def refund_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        dialog = RefundDialog(self.ctx, self, row)
        dialog.succeeded.connect(lambda result: self._refunded(row, result))
        self._open(dialog)

    def _refunded(self, row: dict[str, Any], result: RefundResult) -> None:
        """Say what was refunded and offer the 退费凭证 the resident signs for it."""
        box = message(self, fmt(self.tr("Refunded %1 to %2 (receipt %3)."),
                                yuan(result.refund_fen), result.name, result.receipt))
        voucher = box.addButton(self.tr("Print the refund voucher to sign"),
                                QMessageBox.ButtonRole.AcceptRole)
        voucher.clicked.connect(lambda: self.print_voucher(row, result.refund_id))

    def print_voucher(self, row: dict[str, Any] | None = None,
                      refund_id: str | None = None) -> None:
        row = row or self.selected()
        if row is None:
            return
        self.printer.print_refund_voucher(
            row["series"], row["number"], refund_id=refund_id,
            on_done=lambda _ok, text: message(self, text))
