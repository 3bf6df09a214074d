"""The statistics' bar chart of volumes per day, window or clerk. Its labels
are never cut to "11-…": below the bars only as many labels as fit at the
chart's width (every second, third … day on a long range), the chart tall
enough for its font, so the value axis keeps its numbers too."""

from __future__ import annotations

import math

from PySide6.QtCharts import (
    QBarSeries,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QResizeEvent
from PySide6.QtWidgets import QWidget

# room around a label, so neighbours never touch (pixels)
LABEL_GAP = 12


class VolumeChart(QChartView):
    def __init__(self, parent: QWidget | None = None) -> None:
        self.chart_ = QChart()
        super().__init__(self.chart_, parent)
        self.chart_.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart_.setMargins(QMargins(4, 4, 4, 4))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.labels: list[str] = []
        self.step = 1
        self.x_axis: QCategoryAxis | None = None
        self.chart_.plotAreaChanged.connect(lambda _r: self._fit_labels())

    def minimum_height(self) -> int:
        """Room for five value labels, the date labels and the legend in
        the font now applied (large print needs more)."""
        return QFontMetrics(self.font()).height() * 10

    def set_rows(self, labels: list[str], series: list[tuple[str, list[int]]]) -> None:
        chart = self.chart_
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        bars = QBarSeries()
        bars.setBarWidth(0.8)
        top = 0
        for name, values in series:
            bar_set = QBarSet(name)
            bar_set.append([float(v) for v in values])
            top = max([top, *values])
            bars.append(bar_set)
        chart.addSeries(bars)
        self.labels = list(labels)
        self.step = 0  # the next fit draws the labels
        self.x_axis = QCategoryAxis()
        self.x_axis.setLabelsPosition(
            QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue
        )
        self.x_axis.setGridLineVisible(False)
        values_axis = QValueAxis()
        values_axis.setRange(0, max(1, top))
        values_axis.setLabelFormat("%d")
        values_axis.setTickCount(min(max(1, top), 4) + 1)
        chart.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(values_axis, Qt.AlignmentFlag.AlignLeft)
        bars.attachAxis(self.x_axis)
        bars.attachAxis(values_axis)
        self.setMinimumHeight(self.minimum_height())
        self._fit_labels()

    def label_step(self, width: float) -> int:
        """Every how many bars a label fits in ``width`` pixels of plot."""
        if not self.labels or width <= 0:
            return 1
        metrics = QFontMetrics(self.x_axis.labelsFont() if self.x_axis else self.font())
        need = max(metrics.horizontalAdvance(t) for t in self.labels) + LABEL_GAP
        return max(1, math.ceil(need / (width / len(self.labels))))

    def _fit_labels(self) -> None:
        axis = self.x_axis
        if axis is None:
            return
        step = self.label_step(self.chart_.plotArea().width())
        if step == self.step:
            return
        self.step = step
        for label in list(axis.categoriesLabels()):
            axis.remove(label)
        axis.setStartValue(-0.5)
        for i in range(0, len(self.labels), step):
            axis.append(self.labels[i], i)
        axis.setRange(-0.5, max(0, len(self.labels) - 1) + 0.5)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_labels()
