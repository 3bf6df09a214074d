"""The statistics chart's labels are whole ("11-02", never "11-…"), in
normal and large print: as many dates as fit under the bars, the value
axis readable — read from the text the chart actually draws."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QGraphicsSimpleTextItem,
    QGraphicsTextItem,
    QVBoxLayout,
)
from pytestqt.qtbot import QtBot

from counter_app.services.demo import demo_context
from counter_app.store.db import Store
from counter_app.ui.app import ui_settings
from counter_app.ui.context import AppContext
from counter_app.ui.messages import MessageBridge
from counter_app.ui.supervisor.stats_view import SERIES, StatsView
from counter_app.ui.supervisor.volume_chart import VolumeChart
from counter_app.ui.tasks import TaskRunner
from counter_app.ui.theme import ThemeOptions, apply_theme
from tests.workspace_fixtures import demo_store

__all__ = ["demo_store"]
pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


@pytest.fixture(params=[False, True], ids=["normal", "large"])
def large(request: pytest.FixtureRequest) -> Iterator[bool]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, ThemeOptions(large_font=request.param))
    yield request.param
    apply_theme(app, ThemeOptions())


def drawn(chart: VolumeChart) -> list[str]:
    """Every text the chart's scene draws (axis labels, legend)."""
    texts = []
    for item in chart.scene().items():
        if isinstance(item, QGraphicsTextItem):
            texts.append(item.toPlainText())
        elif isinstance(item, QGraphicsSimpleTextItem):
            texts.append(item.text())
    return [t for t in texts if t]


def test_daily_labels_whole_in_the_statistics_dialog(
    qtbot: QtBot, demo_store: Store, tmp_path: Path, large: bool
) -> None:
    app = AppContext(
        store=demo_store,
        tasks=TaskRunner(),
        messages=MessageBridge(),
        settings=ui_settings(tmp_path),
        user=demo_context(demo_store, "chief01"),
    )
    dialog = QDialog()  # as 负责人 → 统计… opens it
    qtbot.addWidget(dialog)
    view = StatsView(app, dialog)
    QVBoxLayout(dialog).addWidget(view)
    dialog.resize(1100, 700)
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        dialog.show()
    qtbot.wait(50)
    assert view.report is not None
    days = [r.label[5:] for r in view.report.by_day]
    assert len(days) >= 15  # a month of demo work
    texts = drawn(view.chart_view)
    assert not [t for t in texts if "…" in t or "..." in t], texts
    shown = [t for t in texts if t in days]
    step = view.chart_view.step
    assert sorted(shown) == days[::step]
    if not large:
        assert step == 1  # a month fits whole at the default size
    # the value axis runs to the tallest bar drawn (a decision's count)
    top = max(getattr(r, key) for r in view.report.by_day for key, _label in SERIES)
    assert str(top) in texts and "0" in texts  # the value axis too
    app.tasks.wait()


def test_a_long_range_shows_every_nth_date_whole(qtbot: QtBot, large: bool) -> None:
    chart = VolumeChart()
    qtbot.addWidget(chart)
    chart.resize(1000, 320)
    first = date(2026, 8, 1)
    labels = [(first + timedelta(days=i)).strftime("%m-%d") for i in range(90)]
    chart.set_rows(labels, [("受理", [i % 4 for i in range(90)])])
    chart.show()
    qtbot.waitExposed(chart)
    qtbot.wait(50)
    texts = drawn(chart)
    assert not [t for t in texts if "…" in t or "..." in t], texts
    shown = sorted(t for t in texts if t in labels)
    assert chart.step > 1 and shown == labels[:: chart.step]
    # and no two of them overlap
    boxes = sorted(
        (item.sceneBoundingRect() for item in chart.scene().items()
         if isinstance(item, QGraphicsTextItem) and item.toPlainText() in labels),
        key=lambda r: r.left(),
    )  # fmt: skip
    assert all(a.right() <= b.left() for a, b in pairwise(boxes))
