"""WCAG 2.1 contrast of every text/background pair the themes draw text in:
at least 4.5:1 in the normal theme (AA), 7:1 in high contrast (AAA) — and
the colours reach the widgets (the result line is no longer dark green on
black)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from counter_app.ui.context import AppContext
from counter_app.ui.intake.widget import IntakeWidget
from counter_app.ui.theme import (
    TEXT_PAIRS,
    TONE_BACKGROUNDS,
    TONES,
    ThemeOptions,
    apply_theme,
    tone,
)
from tests.intake_fixtures import app_fixture, choose, widget_fixture

__all__ = ["app_fixture", "widget_fixture"]
pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


def luminance(c: QColor) -> float:
    """Relative luminance, WCAG 2.1 §1.4.3 (sRGB)."""

    def channel(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(c.red())
        + 0.7152 * channel(c.green())
        + 0.0722 * channel(c.blue())
    )


def contrast(a: QColor, b: QColor) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_formula_on_known_pairs() -> None:
    assert contrast(QColor("black"), QColor("white")) == pytest.approx(21.0)
    assert contrast(QColor("#777777"), QColor("white")) == pytest.approx(4.48, 0.01)
    # the old result line: #064 on the high-contrast black
    assert contrast(QColor("#006644"), QColor("black")) < 4.5


@pytest.fixture(params=[False, True], ids=["normal", "high-contrast"])
def high(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[bool]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, ThemeOptions(high_contrast=request.param))
    yield bool(request.param)
    apply_theme(app, ThemeOptions())


def test_every_text_pair_meets_wcag(high: bool) -> None:
    palette = QApplication.palette()
    least = 7.0 if high else 4.5
    low = []
    for fg, bg in TEXT_PAIRS:
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            ratio = contrast(palette.color(group, fg), palette.color(group, bg))
            if ratio < least:
                low.append(f"{fg.name}/{bg.name} ({group.name}): {ratio:.2f}")
    for name in TONES:
        for bg in TONE_BACKGROUNDS:
            ratio = contrast(tone(name), palette.color(bg))
            if ratio < least:
                low.append(f"tone {name}/{bg.name}: {ratio:.2f}")
    assert low == []


def test_the_widgets_draw_in_the_tones(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget, high: bool
) -> None:
    choose(qtbot, widget, "gtgsh", "XK00101001")
    widget.result.setText("编号 1")
    widget.result.style().polish(widget.result)
    shown = widget.result.palette().color(widget.result.foregroundRole())
    assert shown == tone("ok")
    background = QApplication.palette().color(QPalette.ColorRole.Window)
    assert contrast(shown, background) >= (7.0 if high else 4.5)
    state = widget.table.item(0, 2)  # 缺少: the error tone
    assert state.foreground().color() == tone("error")
