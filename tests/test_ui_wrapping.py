"""Rows that wrap instead of cutting or widening: the rating reasons, the
decision buttons and the item's questions, in large English print (the
longest labels) — each widget as wide as its words and inside the window."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from counter_app import i18n
from counter_app.ui.theme import ThemeOptions, apply_theme
from counter_app.ui.workspace import Workspace
from tests.workspace_fixtures import demo_store, ws

__all__ = ["demo_store", "ws"]
pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


@pytest.fixture
def large_english() -> Iterator[None]:
    qt = QApplication.instance()
    assert isinstance(qt, QApplication)
    i18n.set_language("en")
    apply_theme(qt, ThemeOptions(large_font=True))
    yield
    apply_theme(qt, ThemeOptions())
    i18n.set_language("zh_CN")


def whole(widget: QWidget) -> bool:
    return widget.width() >= widget.sizeHint().width()


def test_rating_reasons_wrap_at_the_width_a_dialog_opens_with(
    qtbot: QtBot, large_english: None, ws: Workspace
) -> None:
    from counter_app.ui.evaluation_dialog import EvaluationDialog

    dialog = EvaluationDialog(ws.app, application_id="x", parent=ws.window)
    dialog.show()
    # Qt opens a window at most two thirds of the screen wide: 1,066 px on
    # the counter's 1600×1000 screen
    dialog.resize(1066, dialog.height())
    qtbot.waitExposed(dialog)
    qtbot.wait(30)
    for reason, box in dialog.reason_boxes:
        assert whole(box), reason
        assert dialog.rect().contains(QRect(box.mapTo(dialog, QPoint()), box.size()))
    dialog.close()


def test_intake_buttons_and_questions_wrap_inside_the_window(
    qtbot: QtBot, large_english: None, ws: Workspace
) -> None:
    window = ws.window
    window.resize(1280, 800)
    window.tabs.setCurrentIndex(0)
    intake = window.intake
    intake.load_selection(("XK00101001",), "", answers={})
    qtbot.waitUntil(lambda: intake.selection is not None, timeout=10_000)
    qtbot.wait(50)
    view = window.intake_scroll.viewport()
    shown = QRect(QPoint(), view.size())
    parts = [
        *intake.buttons.values(),
        intake.all_button,
        intake.consult_button,
        intake.next_button,
        *intake.conditions.boxes.values(),
    ]
    for part in parts:
        assert whole(part), part.text()
        where = QRect(part.mapTo(view, QPoint()), part.size())
        assert where.right() <= shown.right(), part.text()  # no sideways scroll


def test_long_id_type_names_do_not_widen_the_form(
    qtbot: QtBot, large_english: None, ws: Workspace
) -> None:
    """A permit's full English title is the widest ID type; it used to set
    the applicant form's minimum width (728 px in large print under X), so
    the intake scrolled sideways and cut the side panel."""
    window = ws.window
    window.resize(1280, 800)
    window.tabs.setCurrentIndex(0)
    form = window.intake.applicant
    combo = form.id_type
    longest = max(
        combo.fontMetrics().horizontalAdvance(combo.itemText(i))
        for i in range(combo.count())
    )
    assert combo.minimumSizeHint().width() < longest
    qtbot.wait(50)
    scroll = window.intake_scroll
    assert scroll.horizontalScrollBar().maximum() == 0  # nothing sideways
    side = window.intake.side
    right = side.mapTo(scroll.viewport(), QPoint(side.width(), 0)).x()
    assert right <= scroll.viewport().width()
