"""The township finance office's pages (乡镇财政所): books, deposits, reconciliation, progress.

Shown instead of the collector's work when the signed-in user has the township role. Every
button runs one service action on the worker (ui.common); tables are RowsModel over ids.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QValueAxis,
)
from PySide6.QtCore import QDate, QMargins, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import ValidationError
from app.domain.money import parse_yuan
from app.services.base.workspace import Workspace
from app.services.township import books as township_books
from app.services.township import money as township_money
from app.services.township import progress as township_progress
from app.services.township import reconcile as township_reconcile
from ui.common import ActionDialog, AppContext, Page, fmt, heading, table_view, translate, yuan
from ui.models import ALERT, RIGHT, Column, RowsModel

CHART_ROOMY_VILLAGES = 6  # more than this and the chart's labels are shortened


def _number(maximum: int = 10**9) -> QSpinBox:
    box = QSpinBox()
    box.setRange(0, maximum)
    return box


def _selected(view: QTableView, model: RowsModel) -> dict[str, Any] | None:
    index = view.currentIndex()
    return model.row_at(index.row()) if index.isValid() else None


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _shared_prefix(names: list[str]) -> str:
    # What the smallest and largest name share, every name between them shares too.
    first, last = min(names, default=""), max(names, default="")
    size = next((i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b),
                min(len(first), len(last)))
    return first[:size]


# ---- books ----------------------------------------------------------------------------------


class ReceiveBooksDialog(ActionDialog):
    """入库: a range of receipt forms received from the county."""

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

    def __init__(self, ctx: AppContext, parent: QWidget) -> None:
        super().__init__(ctx, parent, self.tr("Issue a receipt book"), self.tr("Issue"))
        self.series = QLineEdit()
        self.first = _number()
        self.last = _number()
        self.village = QLineEdit()
        self.collector = QLineEdit()
        self.override = QLineEdit()
        self.override.setPlaceholderText(self.tr("Only when the previous book is not settled"))
        for title, widget in ((self.tr("Series"), self.series),
                              (self.tr("First number"), self.first),
                              (self.tr("Last number"), self.last),
                              (self.tr("Village code"), self.village),
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

    def __init__(self, ctx: AppContext, parent: QWidget, check: dict[str, Any]) -> None:
        super().__init__(ctx, parent, self.tr("Settle a receipt book"), self.tr("Settle"))
        self.check = check
        self.setMinimumWidth(640)
        rows = ((self.tr("Book"), f"{check['series']} {check['first']}–{check['last']}"),
                (self.tr("Village / collector"), f"{check['village']} {check['collector']}"),
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
    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.dialog: ActionDialog | None = None
        self.model = RowsModel([
            Column(self.tr("Book"), lambda r: r["range"]),
            Column(self.tr("Village"), lambda r: r["village"]),
            Column(self.tr("Collector"), lambda r: r["collector"]),
            Column(self.tr("Used"), lambda r: r["issued"], RIGHT),
            Column(self.tr("Voided"), lambda r: r["voided"], RIGHT),
            Column(self.tr("Unused"), lambda r: r["unused"], RIGHT),
            Column(self.tr("Amount"), lambda r: yuan(r["amount_fen"]), RIGHT),
            Column(self.tr("Settled"), lambda r: (r["settled_at"] or "")[:10] or self.tr("no"),
                   color=lambda r: None if r["settled_at"] else ALERT),
            Column(self.tr("Exception"), lambda r: r["override_reason"] or ""),
        ], key=lambda r: r["allocation_id"])
        self.table = table_view(self.model, stretch_column=8)
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

    def refresh(self) -> None:
        self.ctx.run(township_books.issued_books, self.model.set_rows, parent=self)

    def _open(self, dialog: ActionDialog, done: Callable[[Any], str]) -> None:
        dialog.succeeded.connect(lambda r: self.result.setText(done(r)))
        self.dialog = dialog
        dialog.open()

    def receive(self) -> None:
        self._open(ReceiveBooksDialog(self.ctx, self), lambda r: fmt(
            self.tr("Received %1 %2–%3."), r["series"], r["first"], r["last"]))

    def issue(self) -> None:
        self._open(IssueBookDialog(self.ctx, self), lambda r: fmt(
            self.tr("Issued %1 %2–%3 to %4 (%5)."), r["series"], r["first"], r["last"],
            r["collector"], r["village"]))

    def confirm(self) -> None:
        self._open(ConfirmVoidDialog(self.ctx, self), lambda r: fmt(
            self.tr("Voided receipt %1: all parts handed in."), r["receipt"]))

    def settle(self) -> None:
        row = _selected(self.table, self.model)
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


# ---- deposits -------------------------------------------------------------------------------


class BankCreditDialog(ActionDialog):
    """One credit line of the township account, typed from the statement."""

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
        try:
            amount = parse_yuan(self.amount.text())
        except ValidationError as exc:
            self.say(exc.message)
            return None
        value = self.day.date()
        day = date(value.year(), value.month(), value.day())
        ref, memo = self.ref.text().strip(), self.memo.text().strip()
        return lambda ws: township_money.add_bank_credit(ws, amount_fen=amount, credit_date=day,
                                                         bank_ref=ref, memo=memo)


class TownshipDepositsPage(Page):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.dialog: ActionDialog | None = None
        self.deposits = RowsModel([
            Column(self.tr("Village"), lambda r: r["village"]),
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
        self.deposit_table = table_view(self.deposits, stretch_column=5)
        self.credit_table = table_view(self.credits, stretch_column=3)
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

    def refresh(self) -> None:
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
                             r["skipped"])), parent=self)

    def match(self) -> None:
        deposit = _selected(self.deposit_table, self.deposits)
        credit = _selected(self.credit_table, self.credits)
        if deposit is None or credit is None:
            self.result.setText(self.tr("Select a deposit and a bank credit."))
            return
        did, cid = deposit["deposit_id"], credit["credit_id"]
        self.ctx.act(lambda ws: township_money.match_deposit(ws, deposit_id=did, credit_id=cid),
                     lambda r: self.result.setText(fmt(
                         self.tr("Slip %1 matched with bank credit %2."), r["slip_no"],
                         r["bank_ref"])), lambda exc: self.result.setText(str(
                             getattr(exc, "message", exc))), parent=self)

    def auto(self) -> None:
        self.ctx.act(township_money.auto_match, lambda r: self.result.setText(fmt(
            self.tr("%1 matched; %2 deposits and %3 credits left unmatched."),
            len(r["matched"]), r["unmatched_deposits"], r["unmatched_credits"])), parent=self)


# ---- reconciliation -------------------------------------------------------------------------


class TownshipReconcilePage(Page):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.model = RowsModel([
            Column(self.tr("Village"), lambda r: r["village"]),
            Column(self.tr("Collector"), lambda r: r["collector"]),
            Column(self.tr("Receipts"), lambda r: r["receipts"], RIGHT),
            Column(self.tr("Voided"), lambda r: r["voids"], RIGHT),
            Column(self.tr("Refunds"), lambda r: yuan(r["refunds_fen"]), RIGHT),
            Column(self.tr("Cash collected"), lambda r: yuan(r["cash_collected_fen"]), RIGHT),
            Column(self.tr("Deposited"), lambda r: yuan(r["deposited_fen"]), RIGHT),
            Column(self.tr("On hand"), lambda r: yuan(r["on_hand_fen"]), RIGHT),
            Column(self.tr("Problems"), lambda r: r["problems"], RIGHT,
                   color=lambda r: ALERT if r["problems"] else None),
        ], key=lambda r: (r["village"], r["collector"]))
        self.receipts = RowsModel([
            Column(self.tr("Receipt"), lambda r: r["receipt"]),
            Column(self.tr("Household"), lambda r: r["household_no"]),
            Column(self.tr("Date"), lambda r: r["business_date"]),
            Column(self.tr("Amount"), lambda r: yuan(r["amount_fen"]), RIGHT),
            Column(self.tr("State"), lambda r: self._state(r)),
            Column(self.tr("Signature"), lambda r: self._signature(r),
                   color=lambda r: ALERT if r["signature"] == "bad" else None),
        ], key=lambda r: (r["series"], r["number"], r["state"]))
        self.table = table_view(self.model, stretch_column=8)
        self.receipt_table = table_view(self.receipts, stretch_column=5)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #b00020;")
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self.drill_down())
        tabs = QTabWidget()
        tabs.addTab(self.receipt_table, self.tr("Receipts of the selected collector"))
        tabs.addTab(self.problems, self.tr("Problems"))
        self.detail_tabs = tabs
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(tabs)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(self.tr("Receipts, money and collectors across villages")))
        layout.addWidget(split, 1)
        self.report: dict[str, Any] | None = None

    def _state(self, row: dict[str, Any]) -> str:
        if row["state"] == "issued":
            return self.tr("issued") if row["printed"] else self.tr("not printed")
        return self.tr("voided")

    def _signature(self, row: dict[str, Any]) -> str:
        return {"ok": self.tr("verified"), "bad": self.tr("DOES NOT VERIFY")}.get(
            row["signature"], "—")

    def refresh(self) -> None:
        self.ctx.run(township_reconcile.reconcile_villages, self._show, parent=self)

    def _show(self, report: dict[str, Any]) -> None:
        self.report = report
        self.model.set_rows([{"village": v["village"], **c} for v in report["villages"]
                             for c in v["collectors"]])
        self.problems.setText("\n".join(f"⚠ {p['village']} {p['collector']}：{p['message']}"
                                        for p in report["problems"]) or self.tr("No problems."))
        self.detail_tabs.setTabText(1, fmt(self.tr("Problems (%1)"), len(report["problems"])))

    def drill_down(self) -> None:
        row = _selected(self.table, self.model)
        if row is None:
            return
        village, collector = row["village"], row["collector"]
        self.ctx.run(lambda ws: township_reconcile.village_receipts(ws, village, collector),
                     self.receipts.set_rows, parent=self)


# ---- progress -------------------------------------------------------------------------------


class TownshipProgressPage(Page):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.model = RowsModel([
            Column(self.tr("Village"), lambda r: r["village"]),
            Column(self.tr("Group"), lambda r: r["group"]),
            Column(self.tr("Roster"), lambda r: r["roster"], RIGHT),
            Column(self.tr("Enrolled"), lambda r: r["enrolled"], RIGHT),
            Column(self.tr("Subsidised"), lambda r: r["subsidised"], RIGHT),
            Column(self.tr("Target"), lambda r: "—" if r["target"] is None else r["target"],
                   RIGHT),
            Column(self.tr("Completion"), lambda r: _pct(r["completion"]), RIGHT),
            Column(self.tr("Amount"), lambda r: yuan(r["amount_fen"]), RIGHT),
            Column(self.tr("Reward"), lambda r: yuan(r["reward_fen"]) if "reward_fen" in r
                   else "", RIGHT),
        ], key=lambda r: (r["village"], r["group"]))
        self.table = table_view(self.model, stretch_column=8)
        self.chart = QChart()
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        self.chart_view = QChartView(self.chart)
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumWidth(420)
        self.summary = QLabel()
        self.result = QLabel()
        self.excel_button = QPushButton(self.tr("Export to Excel…"))
        self.pdf_button = QPushButton(self.tr("Export to PDF…"))
        self.excel_button.clicked.connect(lambda: self.export("xlsx"))
        self.pdf_button.clicked.connect(lambda: self.export("pdf"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.excel_button)
        buttons.addWidget(self.pdf_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(self.tr("Collection progress by village and group")))
        layout.addWidget(self.summary)
        layout.addLayout(buttons)
        split = QSplitter()
        split.addWidget(self.table)
        split.addWidget(self.chart_view)
        split.setSizes([700, 620])
        layout.addWidget(split, 1)
        layout.addWidget(self.result)

    def refresh(self) -> None:
        self.ctx.run(township_progress.progress, self._show,
                     lambda exc: self.summary.setText(getattr(exc, "message", str(exc))),
                     parent=self)

    def _show(self, data: dict[str, Any]) -> None:
        rows = []
        for v in data["villages"]:
            rows.append({**v, "group": self.tr("(whole village)")})
            rows += [{**g, "village": v["village"], "group": g["group"] or "—"}
                     for g in v["groups"]]
        self.model.set_rows(rows)
        totals = data["totals"]
        self.summary.setText(fmt(self.tr("%1: %2 enrolled, %3 subsidised, %4 collected, "
                                         "rewards %5"), data["label"],
                                 totals["enrolled"], totals["subsidised"],
                                 yuan(totals["amount_fen"]), yuan(totals["reward_fen"])))
        self._draw_chart(data["villages"])

    def _draw_chart(self, villages: list[dict[str, Any]]) -> None:
        """Enrolled beside the target per village; each village's completion rate is written
        under its name, where no bar can cover it."""
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        enrolled = QBarSet(self.tr("Enrolled"))
        target = QBarSet(self.tr("Target"))
        for bar_set, color in ((enrolled, "#2e7d32"), (target, "#90a4ae")):
            bar_set.setColor(QColor(color))
            # The theme's label colour is white, meant for labels inside the bars.
            bar_set.setLabelColor(QColor("#333"))
        # A whole township's villages do not fit under the bars with their full codes: they
        # share the township's prefix, so the part after it names each one.
        crowded = len(villages) > CHART_ROOMY_VILLAGES
        prefix = _shared_prefix([v["village"] for v in villages]) if crowded else ""
        labels = []
        for v in villages:
            enrolled.append(v["enrolled"])
            target.append(v["target"] or 0)
            rate = v["completion"]
            name = v["village"][len(prefix):] or v["village"]
            if crowded:
                # Qt shortens a label by the width of its whole markup, line breaks included:
                # crowded labels are one plain line, turned upright below.
                labels.append(f"{name} {_pct(rate)}")
                continue
            color = "#555" if rate is None else "#2e7d32" if rate >= 1 else "#b00020"
            labels.append(f"{name}<br><b style='color:{color}'>"
                          f"{self.tr('Completion')} {_pct(rate)}</b>")
        bars = QBarSeries()
        bars.append(enrolled)
        bars.append(target)
        bars.setLabelsVisible(not crowded)
        bars.setLabelsPosition(QBarSeries.LabelsPosition.LabelsOutsideEnd)
        bars.setLabelsFormat("@value")
        self.chart.addSeries(bars)
        categories = QBarCategoryAxis()
        categories.append(labels)
        if crowded:
            categories.setLabelsAngle(-90)
        persons = QValueAxis()
        persons.setLabelFormat("%d")
        # Head room above the tallest bar for the number written on top of it.
        persons.setRange(0, max([v["enrolled"] for v in villages]
                                + [v["target"] or 0 for v in villages] + [1]) * 1.12)
        persons.applyNiceNumbers()
        self.chart.addAxis(categories, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(persons, Qt.AlignmentFlag.AlignLeft)
        bars.attachAxis(categories)
        bars.attachAxis(persons)
        self.chart.setTitle(self.tr("Enrolled and target by village"))

    def export(self, suffix: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export progress"),
                                              f"progress.{suffix}", f"*.{suffix}")
        if path:
            self.ctx.run(lambda ws: township_progress.export_progress(ws, path),
                         lambda r: self.result.setText(fmt(self.tr("Saved %1."), r["file"])),
                         parent=self)


def add_township_pages(tabs: QTabWidget, ctx: AppContext) -> list[Page]:
    """The township's pages, added after the collector's screens (whose positions the main
    window relies on) and shown first."""
    pages: list[tuple[Page, str]] = [
        (TownshipBooksPage(ctx), translate("township", "Book issuance")),
        (TownshipDepositsPage(ctx), translate("township", "Deposit matching")),
        (TownshipReconcilePage(ctx), translate("township", "Cross-village reconciliation")),
        (TownshipProgressPage(ctx), translate("township", "Village progress")),
    ]
    for page, title in pages:
        tabs.addTab(page, title)
    tabs.setCurrentWidget(pages[0][0])
    return [page for page, _ in pages]
