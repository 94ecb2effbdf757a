"""Cross-village reconciliation (票款人三线合一): receipts, money and collectors of every
village, the problems to chase, and one collector's receipts.

Selecting a collector shows their receipts and their problems (with those of their whole
village, which have no collector); 显示所有村的问题 shows every village's."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QSplitter, QTabWidget, QVBoxLayout, QWidget

from app.services.township import reconcile as township_reconcile
from ui.changes import Changes
from ui.common import AppContext, Page, fmt, heading, selected_row, yuan
from ui.models import ALERT, RIGHT, Column, RowsModel
from ui.township_tables import township_table

PROBLEMS_TAB = 1


class TownshipReconcilePage(Page):
    # Replays every village's journal against the books issued and the bank's credits.
    shows = Changes.TOWNSHIP | Changes.SYNC | Changes.SETTINGS  # village names

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.model = RowsModel([
            Column(self.tr("Village"), lambda r: r["village_name"]),
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
        self.problems = RowsModel([
            Column(self.tr("Village"), lambda r: r["village_name"]),
            Column(self.tr("Collector"), lambda r: r["collector"] or "—"),
            Column(self.tr("Receipt"), lambda r: r.get("receipt") or ""),
            Column(self.tr("Problem"), lambda r: r["message"], color=lambda r: ALERT),
        ], key=lambda r: r["position"])
        self.table = township_table(self.model, stretch_column=0)
        self.receipt_table = township_table(self.receipts, stretch_column=5)
        self.problem_table = township_table(self.problems, stretch_column=3)
        self.problem_table.setWordWrap(True)
        self.all_problems = QCheckBox(self.tr("Problems of every village"))
        self.all_problems.toggled.connect(lambda _on: self._show_problems())
        problem_page = QWidget()
        problem_layout = QVBoxLayout(problem_page)
        problem_layout.setContentsMargins(0, 4, 0, 0)
        problem_layout.addWidget(self.all_problems)
        problem_layout.addWidget(self.problem_table, 1)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self.drill_down())
        tabs = QTabWidget()
        tabs.addTab(self.receipt_table, self.tr("Receipts of the selected collector"))
        tabs.addTab(problem_page, self.tr("Problems"))
        self.detail_tabs = tabs
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(tabs)
        # A township has a few collectors and many receipts and problems: the detail gets more.
        split.setSizes([240, 460])
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

    def refresh(self, changes: Changes = Changes.EVERYTHING) -> None:
        self.ctx.run(township_reconcile.reconcile_villages, self._show, parent=self)

    def _show(self, report: dict[str, Any]) -> None:
        chosen = selected_row(self.table, self.model)
        self.report = report
        self.model.set_rows([{"village": v["village"], "village_name": v["village_name"], **c}
                             for v in report["villages"] for c in v["collectors"]])
        # The same collector stays selected across a refresh; at first, the first one.
        again = None if chosen is None else \
            self.model.position_of((chosen["village"], chosen["collector"]))
        if self.model.rowCount():
            self.table.selectRow(again or 0)
        else:
            self._show_problems()

    def _show_problems(self) -> None:
        """The selected collector's problems and their village's, or every village's."""
        problems = self.report["problems"] if self.report else []
        row = selected_row(self.table, self.model)
        if row is not None and not self.all_problems.isChecked():
            problems = [p for p in problems if p["village"] == row["village"]
                        and p["collector"] in (row["collector"], "")]
        self.problems.set_rows({**p, "position": i} for i, p in enumerate(problems))
        self.problem_table.resizeRowsToContents()
        self.detail_tabs.setTabText(PROBLEMS_TAB, fmt(self.tr("Problems (%1)"), len(problems)))

    def drill_down(self) -> None:
        self._show_problems()
        row = selected_row(self.table, self.model)
        if row is None:
            return
        village, collector = row["village"], row["collector"]
        self.ctx.run(lambda ws: township_reconcile.village_receipts(ws, village, collector),
                     self.receipts.set_rows, parent=self)

