"""F1 lists every shortcut of the window, and every key it lists works: it
is bound exactly once (Qt fires nothing on an ambiguous key), to something
enabled where it should be, and pressing it fires that binding."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QDialog, QPlainTextEdit
from pytestqt.qtbot import QtBot

from counter_app.domain.status import Decision
from counter_app.hall.local_queue import LocalQueue
from counter_app.services.demo import DEMO_PASSWORD
from counter_app.ui.documents import DocumentDialog
from counter_app.ui.intake.decision_flow import DECISION_KEYS
from counter_app.ui.intake.widget import IntakeWidget
from counter_app.ui.mainwindow import MainWindow
from counter_app.ui.qt_translations import install_qt_translations
from counter_app.ui.workspace import Workspace
from tests.intake_fixtures import choose
from tests.workspace_fixtures import demo_store, ws

__all__ = ["demo_store", "ws"]
pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]

PORTABLE = QKeySequence.SequenceFormat.PortableText
# Rows of F1 that name keys the widgets handle themselves rather than
# bindings; tests/test_ui_keyboard*.py drive each of them.
BEHAVIOURS = {"Enter", "Tab / Shift+Tab", "↑ ↓ ← →", "空格", "0–9"}


def normal(seq: QKeySequence) -> str:
    """The help writes Enter for both Enter keys (Return and keypad)."""
    return seq.toString(PORTABLE).replace("Return", "Enter")


def listed_keys(window: MainWindow) -> list[str]:
    return [line.split("\t", 1)[0] for line in window.shortcut_lines()]


def bindings(window: MainWindow) -> dict[str, list[QObject]]:
    """Every QAction and QShortcut of the window by its key."""
    found: dict[str, list[QObject]] = {}
    for obj in [window, *window.findChildren(QObject)]:
        if isinstance(obj, QShortcut):
            seqs = [obj.key()]
        elif isinstance(obj, QAction):
            seqs = obj.shortcuts()
        else:
            continue
        for seq in seqs:
            if not seq.isEmpty():
                found.setdefault(normal(seq), []).append(obj)
    return found


def test_f1_lists_every_binding_of_the_window(qtbot: QtBot, ws: Workspace) -> None:
    window = ws.window
    listed = listed_keys(window)
    assert len(listed) == len(set(listed)), "a key listed twice"
    assert set(bindings(window)) <= set(listed)
    unbound = set(listed) - set(bindings(window))
    assert unbound == BEHAVIOURS
    # the list is what the F1 dialog shows, one key per line
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F1)
    qtbot.waitUntil(
        lambda: isinstance(QApplication.activeWindow(), QDialog), timeout=5000
    )
    dialog = QApplication.activeWindow()
    text = dialog.findChild(QPlainTextEdit).toPlainText()
    assert [line.split("\t", 1)[0] for line in text.splitlines()] == listed
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)


def _fires(
    qtbot: QtBot, ws: Workspace, key: str, *, expect: Callable[[], bool] | None = None
) -> None:
    """Press ``key`` where the focus is: its one binding fires (and, for a
    decision, its button is clicked, which a disabled button never is)."""
    [binding] = bindings(ws.window)[key]
    assert binding.isEnabled(), key
    fired: list[str] = []
    signal = binding.triggered if isinstance(binding, QAction) else binding.activated
    signal.connect(lambda *_a: fired.append(key))
    combo = QKeySequence(key.replace("Enter", "Return"))[0]
    target = QApplication.focusWidget()
    assert target is not None and target.window() is ws.window, key
    qtbot.keyClick(target, combo.key(), combo.keyboardModifiers())
    assert fired == [key]
    if expect is not None:
        qtbot.waitUntil(expect, timeout=5000)
    signal.disconnect()


def _escape_dialog(qtbot: QtBot, ws: Workspace) -> None:
    """Escape closes the dialog the key opened; the window is active again."""
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None, timeout=5000)
    dialog = QApplication.activeModalWidget()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5000)
    qtbot.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    ws.window.activateWindow()  # the window manager's part, offscreen has none
    qtbot.waitUntil(lambda: QApplication.activeWindow() is ws.window, timeout=5000)


def _unlock(qtbot: QtBot, ws: Workspace) -> None:
    qtbot.waitUntil(lambda: ws.lock_dialog is not None, timeout=5000)
    dialog = ws.lock_dialog
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5000)
    qtbot.keyClicks(QApplication.focusWidget(), DEMO_PASSWORD)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not ws.locked, timeout=10_000)
    ws.window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is ws.window, timeout=5000)


def test_every_listed_key_works(qtbot: QtBot, ws: Workspace) -> None:
    window = ws.window
    intake = window.intake
    assert isinstance(intake, IntakeWidget)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    tabs = window.tabs
    # The window's own keys, from wherever the focus is.
    _fires(qtbot, ws, "F1")
    _escape_dialog(qtbot, ws)
    _fires(qtbot, ws, "Ctrl+F", expect=lambda: tabs.currentIndex() == 1)
    assert QApplication.focusWidget() is window.list_panel.search
    _fires(qtbot, ws, "F5")
    _fires(qtbot, ws, "Ctrl+N", expect=lambda: tabs.currentIndex() == 0)
    assert QApplication.focusWidget() is intake.search.edit
    # F2 calls the next ticket of the hall queue (the desk's own, not enrolled)
    ticket = LocalQueue(window.app.store).issue("A")
    qtbot.waitUntil(lambda: window.queue.next_button.isEnabled(), timeout=5000)
    _fires(
        qtbot,
        ws,
        "F2",
        expect=lambda: window.queue.ticket_label.text() == ticket.number,
    )
    _fires(qtbot, ws, "Ctrl+,")
    _escape_dialog(qtbot, ws)
    _fires(qtbot, ws, "Ctrl+Shift+L")
    _escape_dialog(qtbot, ws)
    _fires(qtbot, ws, "Ctrl+L", expect=lambda: ws.locked)
    _unlock(qtbot, ws)

    # The intake's keys: F7 only where the item allows a commitment.
    intake.search.edit.setFocus()
    choose(qtbot, intake, "QT00102002", "QT00102002")  # no commitment
    f7 = bindings(window)["F7"][0]
    clicked: list[Decision] = []
    intake.buttons[Decision.ACCEPT_COMMITMENT].clicked.connect(
        lambda: clicked.append(Decision.ACCEPT_COMMITMENT)
    )
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F7)
    assert clicked == [] and not intake.buttons[Decision.ACCEPT_COMMITMENT].isEnabled()
    assert f7.isEnabled()  # the key stays; the button it presses is off
    intake.search.edit.clear()
    intake.search.edit.setFocus()
    choose(qtbot, intake, "gtgsh", "XK00101001")
    _fires(qtbot, ws, "Ctrl+Shift+A", expect=lambda: not intake.table.outstanding())
    for decision in (Decision.ACCEPT_DEFERRED, Decision.NOTICE, Decision.REJECT):
        # each opens its dialog or says why not — through its enabled button
        button = intake.buttons[decision]
        assert button.isEnabled()
        with qtbot.waitSignal(button.clicked, timeout=5000):
            _fires(qtbot, ws, DECISION_KEYS[decision])
        if intake.flow.dialog is not None:
            _escape_dialog(qtbot, ws)
        intake.applicant.fields["name"].setFocus()
    _fires(qtbot, ws, "Ctrl+K", expect=lambda: intake.side.consultations.count() > 0)
    # the checklist's preview opens once its PDF is made: close it then
    qtbot.waitUntil(
        lambda: any(d.isVisible() for d in intake.findChildren(DocumentDialog)),
        timeout=10_000,
    )
    ws.app.tasks.wait()
    for dialog in intake.findChildren(QDialog):
        dialog.close()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    intake.applicant.fields["name"].setFocus()
    _fires(
        qtbot,
        ws,
        "Ctrl+J",
        expect=lambda: QApplication.focusWidget() is intake.side.consultations,
    )
    intake.applicant.fields["name"].setFocus()
    count = "SELECT COUNT(*) FROM applications"
    stored = ws.app.store.db.execute(count).fetchone()[0]
    for key, decision in (
        ("Ctrl+Enter", Decision.ACCEPT),  # the keypad's Enter; Return below
        ("Ctrl+Return", Decision.ACCEPT),
        ("F7", Decision.ACCEPT_COMMITMENT),
    ):
        button = intake.buttons[decision]
        assert button.isEnabled(), key
        with qtbot.waitSignal(button.clicked, timeout=5000):
            combo = QKeySequence(key)[0]
            qtbot.keyClick(
                QApplication.focusWidget(), combo.key(), combo.keyboardModifiers()
            )
        # no applicant typed: refused with the reason shown, nothing stored
        shown = [intake.top_error, *intake.applicant.errors.values()]
        qtbot.waitUntil(lambda s=shown: any(lb.isVisible() for lb in s), timeout=5000)
        intake.clear_errors()
    assert ws.app.store.db.execute(count).fetchone()[0] == stored
    ws.app.tasks.wait()
    # Quit last.
    _fires(qtbot, ws, "Ctrl+Q", expect=lambda: not window.isVisible())


def test_scan_keys_are_listed_with_their_panel(ws: Workspace) -> None:
    # as the Chinese app runs: with Qt's own catalogue (which names Up 上)
    assert install_qt_translations("zh_CN")
    try:
        lines = ws.window.shortcut_lines()
    finally:
        install_qt_translations("en")  # none, as the other tests expect
    for key in ("Del", "Ctrl+Up", "Ctrl+Down", "Ctrl+R"):
        [line] = [x for x in lines if x.split("\t")[0] == key]
        assert line.split("\t")[1].startswith("材料文件：")
