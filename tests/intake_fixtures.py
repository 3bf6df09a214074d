"""Shared set-up for the intake screen tests: a seeded store in tmp_path, a
real TaskRunner, MessageBridge and QSettings, and helpers that drive the
widget through the keyboard."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from counter_app.domain.identifiers import make_resident_id
from counter_app.services.context import DeskContext
from counter_app.services.setup import ensure_seeded
from counter_app.store.db import Store
from counter_app.ui.context import AppContext
from counter_app.ui.intake.widget import IntakeWidget
from counter_app.ui.messages import MessageBridge
from counter_app.ui.tasks import TaskRunner

CLERK = DeskContext(
    username="clerk01",
    display_name="王晓明",
    role="clerk",
    site_code="320102001",
    window_code="01",
)
ID_1 = make_resident_id("320102", date(1985, 3, 14), 123)
ID_2 = make_resident_id("110105", date(1992, 7, 1), 456)


def make_app(data_dir: Path, *, key: bytes | None = None) -> AppContext:
    store = Store.open(data_dir, key=key)
    ensure_seeded(store)
    settings = QSettings(str(data_dir / "ui.ini"), QSettings.Format.IniFormat)
    return AppContext(
        store=store,
        tasks=TaskRunner(),
        messages=MessageBridge(),
        settings=settings,
        user=CLERK,
    )


@pytest.fixture(name="app")
def app_fixture(tmp_path: Path, qtbot: QtBot) -> Iterator[AppContext]:
    ctx = make_app(tmp_path / "data")
    yield ctx
    ctx.tasks.wait()
    ctx.store.close()


@pytest.fixture(name="widget")
def widget_fixture(app: AppContext, qtbot: QtBot) -> IntakeWidget:
    w = IntakeWidget(app)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    # active, whatever window an earlier test left active: focus needs it
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=5000)
    return w


def idle(qtbot: QtBot, app: AppContext) -> None:
    qtbot.waitUntil(lambda: not app.tasks.busy(), timeout=5000)


def choose(qtbot: QtBot, w: IntakeWidget, text: str, code: str) -> None:
    """Type into the search, move down to ``code`` and press Enter."""
    w.search.edit.setFocus()
    qtbot.keyClicks(w.search.edit, text)
    popup = w.search.popup
    qtbot.waitUntil(
        lambda: any(
            popup.item(i).data(Qt.ItemDataRole.UserRole).code == code
            for i in range(popup.count())
        ),
        timeout=5000,
    )
    while popup.currentItem().data(Qt.ItemDataRole.UserRole).code != code:
        qtbot.keyClick(w.search.edit, Qt.Key.Key_Down)
    qtbot.keyClick(w.search.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: (
            w.selection is not None
            and code in (w.selection.bundle_code, *w.selection.item_codes)
        ),
        timeout=5000,
    )
    idle(qtbot, w.app)


def type_text(qtbot: QtBot, target: QWidget, text: str) -> None:
    """Type like a clerk: ASCII as key presses, Chinese as input-method
    commits (what a pinyin IME delivers)."""
    focused = QApplication.focusWidget()
    if focused is not target and not target.isAncestorOf(focused):
        target.setFocus()
    for ch in text:
        focused = QApplication.focusWidget()
        if focused is None or not (focused is target or target.isAncestorOf(focused)):
            focused = target
        if ch.isascii():
            qtbot.keyClicks(focused, ch)
        else:
            event = QInputMethodEvent()
            event.setCommitString(ch)
            QApplication.sendEvent(focused, event)


def type_into(qtbot: QtBot, w: IntakeWidget, field: str, text: str) -> None:
    edit = w.applicant.fields[field]
    type_text(qtbot, edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Tab)


def mark_all_original(qtbot: QtBot, w: IntakeWidget) -> None:
    qtbot.keyClick(
        w.table,
        Qt.Key.Key_A,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )


def rows(app: AppContext, sql: str, *params: object) -> list[dict[str, object]]:
    return list(app.store.db.query(sql, list(params)))


def row_of(w: IntakeWidget, name: str) -> int:
    return next(i for i, r in enumerate(w.table.rows) if r.material.name == name)


def set_state_by_keys(qtbot: QtBot, w: IntakeWidget, name: str, label: str) -> None:
    """Press Space on the row until its state reads ``label``."""
    from counter_app.ui.intake.materials_table import STATE

    i = row_of(w, name)
    w.table.setFocus()
    w.table.setCurrentCell(i, STATE)
    for _n in range(10):
        if w.table.item(i, STATE).text() == label:
            return
        qtbot.keyClick(w.table, Qt.Key.Key_Space)
    raise AssertionError(f"state {label} not reachable for {name}")


def dialog_ok(qtbot: QtBot, w: IntakeWidget) -> None:
    from PySide6.QtWidgets import QDialogButtonBox

    qtbot.waitUntil(lambda: w.flow.dialog is not None, timeout=5000)
    dialog = w.flow.dialog
    assert dialog is not None
    box = dialog.findChild(QDialogButtonBox)
    qtbot.mouseClick(
        box.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )


def close_documents(qtbot: QtBot, w: IntakeWidget) -> None:
    """Close the print previews a decision or consultation opened, as the
    clerk does before the next keystroke, and give the form focus back."""
    from PySide6.QtWidgets import QDialog

    for dialog in w.findChildren(QDialog):
        if dialog.isVisible():
            dialog.close()
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w.window(), timeout=5000)
