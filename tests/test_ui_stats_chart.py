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
from counter_app.ui.supervisor.stats_view import DIALOG_SIZE, SERIES, StatsView
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


def stats_dialog(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> tuple[QDialog, StatsView]:
    """The statistics as 负责人 → 统计… opens them, at the dialog's first
    size, the report loaded."""
    app = AppContext(
        store=store,
        tasks=TaskRunner(),
        messages=MessageBridge(),
        settings=ui_settings(tmp_path),
        user=demo_context(store, "chief01"),
    )
    dialog = QDialog()
    qtbot.addWidget(dialog)
    view = StatsView(app, dialog)
    QVBoxLayout(dialog).addWidget(view)
    dialog.resize(*DIALOG_SIZE)
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        dialog.show()
    return dialog, view


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
    _dialog, view = stats_dialog(qtbot, demo_store, tmp_path)
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
        assert step == 1  # a month fits whole at the dialog's first size
    # the value axis runs to the tallest bar drawn (a decision's count)
    top = max(getattr(r, key) for r in view.report.by_day for key, _label in SERIES)
    assert str(top) in texts and "0" in texts  # the value axis too
    view.app.tasks.wait()


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


def test_a_month_of_working_days_fits_whole(
    qtbot: QtBot, demo_store: Store, tmp_path: Path, large: bool
) -> None:
    """September 2026: 22 weekdays and the make-up Sunday before 国庆, drawn
    in the statistics dialog at its first size."""
    _dialog, view = stats_dialog(qtbot, demo_store, tmp_path)
    first = date(2026, 9, 1)
    days = [first + timedelta(days=i) for i in range(30)]
    labels = [d.strftime("%m-%d") for d in days if d.weekday() < 5 or d.day == 20]
    assert len(labels) == 23
    view.chart_view.set_rows(labels, [("受理", [3] * len(labels))])
    qtbot.wait(50)
    texts = drawn(view.chart_view)
    assert not [t for t in texts if "…" in t or "..." in t], texts
    step = view.chart_view.step
    assert sorted(t for t in texts if t in labels) == labels[::step]
    assert step == (2 if large else 1)
    view.app.tasks.wait()


@pytest.mark.parametrize(
    ("top", "height", "labels"),
    [
        (12, 400, ["0", "3", "6", "9", "12"]),
        (9, 400, ["0", "3", "6", "9"]),
        (7, 400, ["0", "7"]),  # never 1.75 drawn as "1"
        (12, 90, None),  # a short chart: fewer, never "..."
    ],
)
def test_value_labels_are_whole_counts_that_fit(
    qtbot: QtBot, top: int, height: int, labels: list[str] | None
) -> None:
    chart = VolumeChart()
    qtbot.addWidget(chart)
    chart.setMinimumHeight(0)
    chart.set_rows(["11-02", "11-03"], [("受理", [top, 1])])
    chart.setMinimumHeight(0)
    chart.resize(400, height + 120)
    chart.show()
    qtbot.waitExposed(chart)
    qtbot.waitUntil(lambda: abs(chart.chart_.plotArea().height() - height) < 60)
    qtbot.wait(50)
    texts = drawn(chart)
    assert not [t for t in texts if "..." in t], texts
    values = sorted(int(t) for t in texts if t.isdigit())
    if labels is not None:
        assert values == [int(v) for v in labels]
    else:
        assert 2 <= len(values) < 5 and values[0] == 0 and values[-1] == top
        assert len({b - a for a, b in pairwise(values)}) == 1  # evenly spaced
