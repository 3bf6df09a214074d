"""Look of the workspace: normal, large font, high contrast. Applied to the
whole QApplication so dialogs opened later follow it."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

NORMAL_POINT_SIZE = 11
LARGE_POINT_SIZE = 16
FONT_FAMILIES = ["Noto Sans CJK SC", "WenQuanYi Micro Hei", "HanaMinA", "HanaMinB"]

_BASE_QSS = """
QLabel#ticketLabel { font-size: 28pt; font-weight: bold; }
QLabel#fieldError { color: #b00020; }
QLabel#syncWarning { color: #b35c00; }
QTableView { gridline-color: #d0d0d0; }
*:focus { outline: 2px solid #1a73e8; }
"""

_CONTRAST_QSS = """
* { background: black; color: white; }
QLabel#fieldError { color: #ffff00; font-weight: bold; }
QLabel#syncWarning { color: #ffff00; }
QPushButton, QLineEdit, QComboBox, QSpinBox, QDateEdit, QPlainTextEdit,
QTextEdit, QTableView, QListWidget, QTabBar::tab {
    border: 2px solid white;
}
*:focus { border: 3px solid #ffff00; }
QPushButton:disabled, QLineEdit:disabled, QPlainTextEdit:disabled,
QCheckBox:disabled, QRadioButton:disabled {
    color: #9a9a9a; border-color: #5a5a5a;
}
QCheckBox::indicator, QRadioButton::indicator {
    width: 14px; height: 14px; border: 2px solid white; background: black;
}
QCheckBox::indicator:checked, QRadioButton::indicator:checked {
    background: #ffff00;
}
QTableView::item:selected, QTabBar::tab:selected, QListWidget::item:selected {
    background: #ffff00; color: black;
}
QHeaderView::section { background: black; color: white; border: 1px solid white; }
"""


@dataclass(frozen=True)
class ThemeOptions:
    large_font: bool = False
    high_contrast: bool = False


def apply_theme(app: QApplication, options: ThemeOptions) -> None:
    app.setStyle(QStyleFactory.create("Fusion"))
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPointSize(LARGE_POINT_SIZE if options.large_font else NORMAL_POINT_SIZE)
    app.setFont(font)
    if options.high_contrast:
        app.setPalette(_contrast_palette())
        app.setStyleSheet(_BASE_QSS + _CONTRAST_QSS)
    else:
        app.setPalette(app.style().standardPalette())
        app.setStyleSheet(_BASE_QSS)


def _contrast_palette() -> QPalette:
    p = QPalette()
    black, white, yellow = QColor("black"), QColor("white"), QColor("#ffff00")
    for role in (
        QPalette.ColorRole.Window,
        QPalette.ColorRole.Base,
        QPalette.ColorRole.AlternateBase,
        QPalette.ColorRole.Button,
    ):
        p.setColor(role, black)
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.ToolTipText,
    ):
        p.setColor(role, white)
    p.setColor(QPalette.ColorRole.Highlight, yellow)
    p.setColor(QPalette.ColorRole.HighlightedText, black)
    p.setColor(QPalette.ColorRole.Link, yellow)
    return p


def options_from_settings(values: object) -> ThemeOptions:
    """Read the theme switches from a QSettings."""
    from PySide6.QtCore import QSettings

    assert isinstance(values, QSettings)
    return ThemeOptions(
        large_font=_truthy(values.value("ui/large_font", False)),
        high_contrast=_truthy(values.value("ui/high_contrast", False)),
    )


def _truthy(value: object) -> bool:
    return value in (True, "true", "1", 1)
