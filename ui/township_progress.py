"""Village progress (各村进度): enrolment against the targets by village and group, rewards,
a chart, the exports for the county, and the villages' names (设置村名) every page shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QValueAxis
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
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
from app.services.township import progress as township_progress
from ui import charts
from ui.changes import Changes
from ui.common import ActionDialog, AppContext, Page, fmt, heading, yuan
from ui.models import RIGHT, Column, RowsModel
from ui.township_tables import township_table

CHART_ROOMY_VILLAGES = 6  # more than this and the chart's labels are shortened


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"



def _shared_prefix(names: list[str]) -> str:
    # What the smallest and largest name share, every name between them shares too.
    first, last = min(names, default=""), max(names, default="")
    size = next((i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b),
                min(len(first), len(last)))
    return first[:size]



class VillageNameDialog(ActionDialog):
    """设置村名: the name every page and paper shows for a village code."""

    changes = Changes.SETTINGS  # names are the township's settings, shown on every page

    def __init__(self, ctx: AppContext, parent: QWidget, villages: list[dict[str, Any]]) -> None:
        super().__init__(ctx, parent, self.tr("Name a village"), self.tr("Save"))
        self.village = QComboBox()
        self.village.setEditable(True)  # a village not heard from yet can be named too
        # A correction starts from the name shown now; a village without one starts empty.
        known = {v["village"]: v["name"] for v in villages if v["name"] != v["village"]}
        for v in villages:
            self.village.addItem(f"{v['village']}  {v['name']}", v["village"])
        self.name = QLineEdit()
        self.name.setPlaceholderText(self.tr("e.g. 东关村"))
        self.village.currentIndexChanged.connect(
            lambda i: self.name.setText(known.get(self.village.itemData(i), "")))
        self.name.setText(known.get(self.village.currentData(), ""))
        self.form.addRow(self.tr("Village code"), self.village)
        self.form.addRow(self.tr("Village name"), self.name)

    def action(self) -> Callable[[Workspace], Any] | None:
        index = self.village.currentIndex()
        typed = self.village.currentText().strip()
        chosen = self.village.itemData(index) if index >= 0 and \
            self.village.itemText(index) == typed else typed
        code, name = str(chosen or "").strip(), self.name.text().strip()
        if not code or not name:
            self.say(self.tr("Enter the village code and its name."))
            return None
        return lambda ws: township_progress.set_village_name(ws, village=code, name=name)


class TownshipProgressPage(Page):
    # The villages' enrolment (their journals) against the targets of the campaign.
    shows = Changes.SYNC | Changes.CAMPAIGN | Changes.SETTINGS

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.model = RowsModel([
            Column(self.tr("Village"), lambda r: r.get("name") or r["village"]),
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
        self.table = township_table(self.model, stretch_column=0)
        self.villages: list[dict[str, Any]] = []
        self.dialog: ActionDialog | None = None
        self.chart, self.chart_view = charts.chart_view()
        self.chart_view.setMinimumWidth(420)
        self.summary = QLabel()
        self.result = QLabel()
        self.excel_button = QPushButton(self.tr("Export to Excel…"))
        self.pdf_button = QPushButton(self.tr("Export to PDF…"))
        self.excel_button.clicked.connect(lambda: self.export("xlsx"))
        self.pdf_button.clicked.connect(lambda: self.export("pdf"))
        self.name_button = QPushButton(self.tr("Name a village…"))
        self.name_button.clicked.connect(self.name_village)
        buttons = QHBoxLayout()
        buttons.addWidget(self.excel_button)
        buttons.addWidget(self.pdf_button)
        buttons.addWidget(self.name_button)
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

    def refresh(self, changes: Changes = Changes.EVERYTHING) -> None:
        self.ctx.run(township_progress.progress, self._show,
                     lambda exc: self.summary.setText(getattr(exc, "message", str(exc))),
                     parent=self)

    def _show(self, data: dict[str, Any]) -> None:
        self.villages = data["villages"]
        rows = []
        for v in data["villages"]:
            rows.append({**v, "group": self.tr("(whole village)")})
            rows += [{**g, "village": v["village"], "name": v["name"], "group": g["group"] or "—"}
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
        charts.clear(self.chart)
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
            name = v["name"] if v.get("name") not in (None, v["village"]) \
                else v["village"][len(prefix):] or v["village"]
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
        charts.show_bars(self.chart, bars, categories, persons,
                         self.tr("Enrolled and target by village"))

    def name_village(self) -> None:
        dialog = VillageNameDialog(self.ctx, self, self.villages)
        dialog.succeeded.connect(lambda r: self.result.setText(fmt(
            self.tr("%1 is now shown as %2."), r["village"], r["name"])))
        self.dialog = dialog
        dialog.open()

    def export(self, suffix: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export progress"),
                                              f"progress.{suffix}", f"*.{suffix}")
        if path:
            self.ctx.run(lambda ws: township_progress.export_progress(ws, path),
                         lambda r: self.result.setText(fmt(self.tr("Saved %1."), r["file"])),
                         parent=self)

