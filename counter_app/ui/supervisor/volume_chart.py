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
from PySide6.QtGui import QFontMetrics, QFontMetricsF, QPainter, QResizeEvent
from PySide6.QtWidgets import QWidget

# QtCharts gives each label of an axis the same room, the axis's width over
# (labels + 1) less a padding of 4 pixels on both sides, and cuts a text
# wider than that (its advance and a 1-pixel margin each side) to "11-…"
# (horizontalaxis.cpp, chartpresenter.cpp).
LABEL_PADDING = 4
TEXT_MARGIN = 1
DATE_SCALE = 0.9


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
        self.values_axis = QValueAxis()
        self.top = 1
        self.chart_.plotAreaChanged.connect(lambda _r: self._fit_labels())

    def minimum_height(self) -> int:
        """Room for three value labels, the date labels and the legend in
        the font now applied (large print needs more)."""
        line = QFontMetrics(self.font()).height()
        return 6 * line + 3 * (line + 2 * TEXT_MARGIN + 2 * LABEL_PADDING)

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
        # labels under the bars a step smaller than the text, as on most
        # charts: a month of working days then fits whole in the dialog
        small = self.font()
        if small.pointSizeF() > 0:  # a font sized in pixels stays as it is
            small.setPointSizeF(small.pointSizeF() * DATE_SCALE)
        self.x_axis.setLabelsFont(small)
        self.top = max(1, top)
        self.values_axis = QValueAxis()
        self.values_axis.setRange(0, self.top)
        self.values_axis.setLabelFormat("%d")
        self.values_axis.setTickCount(2)
        chart.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(self.values_axis, Qt.AlignmentFlag.AlignLeft)
        bars.attachAxis(self.x_axis)
        bars.attachAxis(self.values_axis)
        self.setMinimumHeight(self.minimum_height())
        self._fit_labels()

    def label_step(self, width: float) -> int:
        """Every how many bars a label fits in ``width`` pixels of plot."""
        if not self.labels or width <= 0:
            return 1
        metrics = QFontMetricsF(
            self.x_axis.labelsFont() if self.x_axis else self.font()
        )
        need = max(metrics.horizontalAdvance(t) for t in self.labels) + 2 * TEXT_MARGIN
        for step in range(1, len(self.labels)):
            shown = math.ceil(len(self.labels) / step)
            if need <= width / (shown + 1) - 2 * LABEL_PADDING:
                return step
        return len(self.labels)

    def value_ticks(self, height: float) -> int:
        """How many value labels fit ``height`` pixels of plot (the value
        axis, like the date axis, gives each an equal share less the padding
        and cuts a taller one to "..."): at most five, each a whole count."""
        line = QFontMetricsF(self.values_axis.labelsFont()).height()
        fit = int(height // (line + 2 * TEXT_MARGIN + 2 * LABEL_PADDING))
        for ticks in range(min(self.top, 4) + 1, 2, -1):
            if ticks <= fit and self.top % (ticks - 1) == 0:
                return ticks
        return 2  # 0 and the tallest bar

    def _fit_labels(self) -> None:
        axis = self.x_axis
        if axis is None:
            return
        ticks = self.value_ticks(self.chart_.plotArea().height())
        if ticks != self.values_axis.tickCount():
            self.values_axis.setTickCount(ticks)
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
