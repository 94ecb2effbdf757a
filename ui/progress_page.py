"""Progress (进度): enrolment by 村民小组, money collected, days left, households to visit."""

from __future__ import annotations

from typing import Any

from PySide6.QtCharts import QBarCategoryAxis, QBarSet, QStackedBarSeries, QValueAxis
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGridLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from app.services.views.status import progress
from ui import charts
from ui.changes import Changes
from ui.common import AppContext, Page, fmt, heading, table_view, yuan
from ui.models import RIGHT, Column, RowsModel


def _percent(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"


class ProgressPage(Page):
    """Double-click an unpaid household to open it in the collect view."""

    open_household = Signal(str)
    shows = Changes.ROSTER | Changes.PAYMENTS | Changes.CAMPAIGN

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.title = heading("", 14)
        self.figures: dict[str, QLabel] = {}
        figures = QGridLayout()
        for column, (key, title) in enumerate((
                ("enrolled", self.tr("Enrolled")), ("rate", self.tr("Enrolment rate")),
                ("collected", self.tr("Collected")), ("days", self.tr("Collection period")))):
            caption = QLabel(title)
            caption.setStyleSheet("color: #555;")
            value = heading("", 18)
            self.figures[key] = value
            figures.addWidget(caption, 0, column)
            figures.addWidget(value, 1, column)

        self.groups_model = RowsModel([
            Column(self.tr("Group"), lambda r: r["group"]),
            Column(self.tr("Households"), lambda r: r["households"], RIGHT),
            Column(self.tr("Insurable"), lambda r: r["persons"], RIGHT),
            Column(self.tr("Enrolled"), lambda r: r["enrolled"], RIGHT),
            Column(self.tr("Unpaid"), lambda r: r["unpaid"], RIGHT),
            Column(self.tr("Subsidised"), lambda r: r["subsidised"], RIGHT),
            Column(self.tr("Rate"), lambda r: _percent(r["enrolled"], r["persons"]), RIGHT),
        ], key=lambda r: r["group"], parent=self)
        self.groups = table_view(self.groups_model)

        self.chart, self.chart_view = charts.chart_view()
        self.chart_view.setMinimumHeight(220)

        self.unpaid_model = RowsModel([
            Column(self.tr("Household no."), lambda r: r["household_no"]),
            Column(self.tr("Head"), lambda r: r["head_name"]),
            Column(self.tr("Group"), lambda r: r["group"]),
            Column(self.tr("Phone"), lambda r: r["phone"]),
            Column(self.tr("Unpaid members"), lambda r: r["unpaid"], RIGHT),
            Column(self.tr("Payable"), lambda r: yuan(r["payable_fen"]), RIGHT),
        ], key=lambda r: r["household_no"], parent=self)
        self.unpaid = table_view(self.unpaid_model, stretch_column=3)
        self.unpaid.doubleClicked.connect(
            lambda index: self.open_household.emit(
                self.unpaid_model.row_at(index.row())["household_no"]))
        self.unpaid_title = heading("", 13)

        top = QSplitter()
        top.addWidget(self.groups)
        top.addWidget(self.chart_view)
        top.setSizes([560, 760])
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.unpaid_title)
        bottom_layout.addWidget(self.unpaid)
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(top)
        body.addWidget(bottom)
        body.setSizes([300, 300])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.title)
        layout.addLayout(figures)
        layout.addWidget(body, 1)

    def refresh(self, changes: Changes = Changes.EVERYTHING) -> None:
        self.ctx.run(progress, self._show, parent=self)

    def _show(self, data: dict[str, Any]) -> None:
        self.title.setText(fmt(self.tr("Collection progress — %1"), data["label"]))
        self.figures["enrolled"].setText(fmt(self.tr("%1 of %2"), data["enrolled"],
                                             data["persons"]))
        self.figures["rate"].setText(_percent(data["enrolled"], data["persons"]))
        self.figures["collected"].setText(yuan(data["collected_fen"]))
        if data["today"] < data["start"]:
            days = fmt(self.tr("starts %1"), data["start"].isoformat())
        elif data["days_left"] < 0:
            days = self.tr("ended")
        else:
            days = fmt(self.tr("%1 days left (until %2)"), data["days_left"],
                       data["end"].isoformat())
        self.figures["days"].setText(days)
        self.groups_model.set_rows(data["groups"])
        self.unpaid_model.set_rows(data["unpaid_households"])
        self.unpaid_title.setText(fmt(self.tr("Households still to visit: %1 (amounts at %2)"),
                                      len(data["unpaid_households"]), data["tier_name"]))
        self._draw_chart(data["groups"])

    def _draw_chart(self, groups: list[dict[str, Any]]) -> None:
        charts.clear(self.chart)
        enrolled = QBarSet(self.tr("Enrolled"))
        unpaid = QBarSet(self.tr("Unpaid"))
        enrolled.setColor(QColor("#2e7d32"))
        unpaid.setColor(QColor("#ef9a9a"))
        for row in groups:
            enrolled.append(row["enrolled"])
            unpaid.append(row["unpaid"])
        series = QStackedBarSeries()
        series.append(enrolled)
        series.append(unpaid)
        categories = QBarCategoryAxis()
        categories.append([row["group"] for row in groups])
        values = QValueAxis()
        values.setLabelFormat("%d")
        values.setRange(0, max([r["persons"] for r in groups] + [1]))
        values.applyNiceNumbers()
        charts.show_bars(self.chart, series, categories, values,
                         self.tr("Members enrolled and unpaid by group"))
