"""Cross-village reconciliation (票款人三线合一): receipts, money and collectors of every
village, the problems to chase, and one collector's receipts."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QTabWidget, QVBoxLayout

from app.services.township import reconcile as township_reconcile
from ui.changes import Changes
from ui.common import AppContext, Page, fmt, heading, selected_row, table_view, yuan
from ui.models import ALERT, RIGHT, Column, RowsModel


class TownshipReconcilePage(Page):
    # Replays every village's journal against the books issued and the bank's credits.
    shows = Changes.TOWNSHIP | Changes.SYNC

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

    def refresh(self, changes: Changes = Changes.EVERYTHING) -> None:
        self.ctx.run(township_reconcile.reconcile_villages, self._show, parent=self)

    def _show(self, report: dict[str, Any]) -> None:
        self.report = report
        self.model.set_rows([{"village": v["village"], **c} for v in report["villages"]
                             for c in v["collectors"]])
        self.problems.setText("\n".join(f"⚠ {p['village']} {p['collector']}：{p['message']}"
                                        for p in report["problems"]) or self.tr("No problems."))
        self.detail_tabs.setTabText(1, fmt(self.tr("Problems (%1)"), len(report["problems"])))

    def drill_down(self) -> None:
        row = selected_row(self.table, self.model)
        if row is None:
            return
        village, collector = row["village"], row["collector"]
        self.ctx.run(lambda ws: township_reconcile.village_receipts(ws, village, collector),
                     self.receipts.set_rows, parent=self)

