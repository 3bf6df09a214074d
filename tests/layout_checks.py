"""What a clerk would see as clipped or cramped, measured on real widgets:
text wider than the widget that shows it, a literal ``&`` where an
underlined letter was meant, and one Alt+letter used twice in a window."""

from __future__ import annotations

import re
from collections import defaultdict

from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QStyle,
    QTabBar,
    QTableWidget,
    QWidget,
)

MNEMONIC = re.compile(r"&([^&\s])")
SLACK = 1  # pixels of rounding


def plain(text: str) -> str:
    """The text as drawn: the underlined letter's ``&`` removed."""
    return MNEMONIC.sub(r"\1", text).replace("&&", "&")


def _name(w: QWidget) -> str:
    return f"{type(w).__name__}({w.objectName() or w.accessibleName()})"


def _shown(w: QWidget, root: QWidget) -> bool:
    return w.isVisibleTo(root) and w.width() > 0


def clipped(root: QWidget) -> list[str]:
    """Every text on ``root`` (and its visible children) that does not fit."""
    problems: list[str] = []
    for w in [root, *root.findChildren(QWidget)]:
        if not _shown(w, root):
            continue
        fm = w.fontMetrics()
        if isinstance(w, QLabel):
            text = w.text()
            rich = w.textFormat() == Qt.TextFormat.RichText or (
                w.textFormat() == Qt.TextFormat.AutoText
                and QtGui.Qt.mightBeRichText(text)
            )
            if not text or rich:
                continue
            if MNEMONIC.search(text) and w.buddy() is None:
                problems.append(f"{_name(w)} shows '&': {text!r}")
            if w.wordWrap():
                continue
            shown = plain(text) if w.buddy() is not None else text
            need = max(fm.horizontalAdvance(line) for line in shown.split("\n"))
            room = w.contentsRect().width() - 2 * w.margin()
            if need > room + SLACK:
                problems.append(f"{_name(w)} {shown!r}: {need} > {room}")
        elif isinstance(w, QAbstractButton) and w.text():
            need = w.sizeHint().width()
            if need > w.width() + SLACK:
                problems.append(f"{_name(w)} {plain(w.text())!r}: {need} > {w.width()}")
        elif (
            isinstance(w, QHeaderView) and w.orientation() == Qt.Orientation.Horizontal
        ):
            problems += _header(w)
        elif isinstance(w, QTabBar):
            if w.sizeHint().width() > w.width() + SLACK:
                texts = [w.tabText(i) for i in range(w.count())]
                problems.append(f"{_name(w)} tabs {texts!r} need scroll arrows")
        elif isinstance(w, QLineEdit) and w.text():  # as filled in on opening
            need = fm.horizontalAdvance(w.text()) + 8
            if need > w.contentsRect().width() + SLACK:
                problems.append(f"{_name(w)} {w.text()!r}: {need} > {w.width()}")
        if isinstance(w, QTableWidget):
            problems += _cells(w)
    return problems


def _header(h: QHeaderView) -> list[str]:
    model = h.model()
    if model is None or not h.isVisible():
        return []
    margin = h.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, h)
    fm = h.fontMetrics()
    out = []
    for i in range(h.count()):
        if h.isSectionHidden(i):
            continue
        text = str(model.headerData(i, Qt.Orientation.Horizontal) or "")
        need = fm.horizontalAdvance(text) + 2 * margin
        if text and need > h.sectionSize(i) + SLACK:
            out.append(f"header {text!r}: {need} > {h.sectionSize(i)}")
    return out


def _cells(t: QTableWidget) -> list[str]:
    fm = t.fontMetrics()
    out = []
    for col in range(t.columnCount()):
        if t.isColumnHidden(col):
            continue
        for row in range(min(t.rowCount(), 30)):
            item = t.item(row, col)
            if item is None or not item.text():
                continue
            need = fm.horizontalAdvance(item.text()) + 8
            if need > t.columnWidth(col) + SLACK:
                out.append(f"cell {item.text()!r}: {need} > {t.columnWidth(col)}")
                break
    return out


def duplicate_menu_letters(menu: QMenu) -> dict[str, list[str]]:
    """Alt+letters used by more than one item of one menu (every item the
    menu may show: the supervisor's items are hidden from a clerk)."""
    seen: dict[str, list[str]] = defaultdict(list)
    for action in menu.actions():
        m = MNEMONIC.search(action.text())
        if m:
            seen[m.group(1).upper()].append(f"menu item {plain(action.text())!r}")
    return {k: v for k, v in seen.items() if len(v) > 1}


def duplicate_accelerators(root: QWidget) -> dict[str, list[str]]:
    """Alt+letters used by more than one visible control of ``root``."""
    seen: dict[str, list[str]] = defaultdict(list)

    def add(text: str, where: str) -> None:
        m = MNEMONIC.search(text)
        if m:
            seen[m.group(1).upper()].append(f"{where} {plain(text)!r}")

    if isinstance(root, QMainWindow) and root.menuBar().isVisible():
        for action in root.menuBar().actions():
            if action.isVisible():
                add(action.text(), "menu")
                menu = action.menu()
                if menu is not None:  # its items, among themselves
                    inner = duplicate_menu_letters(menu)
                    for key, users in inner.items():
                        seen[f"{plain(action.text())}/{key}"].extend(users)
    for w in root.findChildren(QWidget):
        if not _shown(w, root) or w.window() is not root:
            continue
        if isinstance(w, QAbstractButton):
            add(w.text(), type(w).__name__)
        elif isinstance(w, QLabel) and w.buddy() is not None:
            add(w.text(), "label")
        elif isinstance(w, QTabBar):
            for i in range(w.count()):
                if w.isTabVisible(i):
                    add(w.tabText(i), "tab")
    return {k: v for k, v in seen.items() if len(v) > 1}
