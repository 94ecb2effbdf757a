"""Bar charts as the progress pages draw them: one chart, redrawn whole on every refresh."""

from __future__ import annotations

from PySide6.QtCharts import QAbstractAxis, QAbstractBarSeries, QChart, QChartView
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QPainter


def chart_view() -> tuple[QChart, QChartView]:
    """A still chart (no animation) with its legend below, in an antialiased view."""
    chart = QChart()
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    chart.setMargins(QMargins(4, 4, 4, 4))
    view = QChartView(chart)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    return chart, view


def clear(chart: QChart) -> None:
    """Remove the series and axes of the last drawing."""
    chart.removeAllSeries()
    for axis in chart.axes():
        chart.removeAxis(axis)


def show_bars(chart: QChart, bars: QAbstractBarSeries, categories: QAbstractAxis,
              values: QAbstractAxis, title: str) -> None:
    """Put ``bars`` on ``chart`` over ``categories`` (below) against ``values`` (left)."""
    chart.addSeries(bars)
    chart.addAxis(categories, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
    bars.attachAxis(categories)
    bars.attachAxis(values)
    chart.setTitle(title)
