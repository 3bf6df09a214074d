"""Look of the workspace: normal, large font, high contrast. Applied to the
whole QApplication so dialogs opened later follow it."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

NORMAL_POINT_SIZE = 11
LARGE_POINT_SIZE = 16
FONT_FAMILIES = ["Noto Sans CJK SC", "WenQuanYi Micro Hei", "HanaMinA", "HanaMinB"]

# Text colours beside the palette, by meaning: (normal theme, high
# contrast). Each reaches WCAG 2.1 AA (4.5:1) on the normal theme's
# backgrounds and 7:1 on black; tests/test_ui_contrast.py measures them.
TONES: dict[str, tuple[str, str]] = {
    "error": ("#b00020", "#ffff00"),
    "warning": ("#8a4500", "#ffd27f"),
    "ok": ("#1b5e20", "#7cfc00"),
}
# The palette pairs text is drawn in: (text role, background role).
_R = QPalette.ColorRole
TEXT_PAIRS = [
    (_R.WindowText, _R.Window),
    (_R.Text, _R.Base),
    (_R.Text, _R.AlternateBase),
    (_R.ButtonText, _R.Button),
    (_R.HighlightedText, _R.Highlight),
    (_R.ToolTipText, _R.ToolTipBase),
    (_R.PlaceholderText, _R.Base),
    (_R.Link, _R.Base),
]
# backgrounds a tone is drawn on (labels, table cells, alternate rows)
TONE_BACKGROUNDS = [_R.Window, _R.Base, _R.AlternateBase]

_current = {"high_contrast": False}

_BASE_QSS = """
QLabel#ticketLabel { font-size: 28pt; font-weight: bold; }
QLabel#result { font-size: 15px; }
QTableView { gridline-color: #d0d0d0; }
*:focus { outline: 2px solid #1a73e8; }
"""

_CONTRAST_QSS = """
* { background: black; color: white; }
QLabel#fieldError { font-weight: bold; }
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


def tone(name: str) -> QColor:
    """The colour of a text tone in the theme now applied."""
    normal, contrast = TONES[name]
    return QColor(contrast if _current["high_contrast"] else normal)


def _tone_qss(high_contrast: bool) -> str:
    """``tone`` property of a widget -> its colour (error labels and the
    like set ``setProperty("tone", "error")``)."""
    rules = [
        f'*[tone="{name}"] {{ color: {pair[1] if high_contrast else pair[0]}; }}'
        for name, pair in TONES.items()
    ]
    # older names used by object name
    rules.append(f"QLabel#fieldError {{ color: {TONES['error'][high_contrast]}; }}")
    rules.append(f"QLabel#syncWarning {{ color: {TONES['warning'][high_contrast]}; }}")
    return "\n".join(rules) + "\n"


def apply_theme(app: QApplication, options: ThemeOptions) -> None:
    app.setStyle(QStyleFactory.create("Fusion"))
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPointSize(LARGE_POINT_SIZE if options.large_font else NORMAL_POINT_SIZE)
    app.setFont(font)
    _current["high_contrast"] = options.high_contrast
    if options.high_contrast:
        app.setPalette(_contrast_palette())
        app.setStyleSheet(_BASE_QSS + _CONTRAST_QSS + _tone_qss(True))
    else:
        app.setPalette(_normal_palette(app))
        app.setStyleSheet(_BASE_QSS + _tone_qss(False))


def _normal_palette(app: QApplication) -> QPalette:
    p = app.style().standardPalette()
    # Fusion's placeholder grey is under 4.5:1 on white
    p.setColor(QPalette.ColorRole.PlaceholderText, QColor("#6b6b6b"))
    # and white on its selection blue is 3.7:1: a darker blue
    p.setColor(QPalette.ColorRole.Highlight, QColor("#1a5fb4"))
    return p


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
    p.setColor(QPalette.ColorRole.PlaceholderText, QColor("#c8c8c8"))
    p.setColor(QPalette.ColorRole.ToolTipBase, black)
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
