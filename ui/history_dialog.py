"""A household's payment history (缴费记录): which receipt covered whom, when, and whether it
was voided or refunded since. Opened from the collect view (Alt+J)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.domain.roster import REFUND_REASONS
from app.services.views.history import PAID, REFUNDED, HistoryLine, household_history
from ui.common import AppContext, fmt, heading, method_names, table_view, yuan
from ui.models import MUTED, RIGHT, Column, RowsModel


class HistoryDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget, household_no: str,
                 head_name: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(fmt(self.tr("Payment history of household %1"), household_no))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(980, 440)
        methods = method_names()
        self.model = RowsModel([
            Column(self.tr("Year"), lambda r: r["benefit_year"], RIGHT),
            Column(self.tr("Date"), lambda r: r["collected_at"].strftime("%Y-%m-%d %H:%M")),
            Column(self.tr("Receipt"), lambda r: r["receipt"] or self.tr("fully subsidised")),
            Column(self.tr("Name"), lambda r: r["name"]),
            Column(self.tr("ID number"), lambda r: r["id_masked"]),
            Column(self.tr("Paid"), lambda r: yuan(r["payable_fen"]), RIGHT),
            Column(self.tr("Method"), lambda r: methods.get(r["method"], "")),
            Column(self.tr("State"), self._state,
                   color=lambda r: MUTED if r["state"] != PAID else None),
        ], key=lambda r: (r["receipt"], r["person_id"], r["collected_at"]), parent=self)
        self.table = table_view(self.model, stretch_column=7)
        self.summary = QLabel()
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(fmt(self.tr("Household %1 · head %2"), household_no,
                                     head_name), 13))
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        ctx.run(lambda ws: household_history(ws, household_no), self._show, parent=self)

    def _state(self, row: dict[str, Any]) -> str:
        if row["state"] == PAID:
            return self.tr("paid")
        if row["state"] == REFUNDED:
            return fmt(self.tr("refunded %1 on %2 (%3)"), yuan(row["refund_fen"]),
                       row["refunded_at"].strftime("%Y-%m-%d"),
                       REFUND_REASONS.get(row["refund_reason"], row["refund_reason"]))
        return fmt(self.tr("receipt voided: %1"), row["void_reason"])

    def _show(self, lines: list[HistoryLine]) -> None:
        self.model.set_rows(asdict(line) for line in lines)
        receipts = {line.receipt for line in lines if line.receipt}
        self.summary.setText(fmt(self.tr("%1 line(s) on %2 receipt(s)"), len(lines),
                                 len(receipts)) if lines
                             else self.tr("No payment recorded for this household yet."))
