"""Keyboard-first intake: Tab leaves the materials table, Enter walks the
applicant form, each decision has its own key, and the focus is where the
next keystroke belongs — driven by key events only."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from counter_app.ui.context import AppContext
from counter_app.ui.intake.decision_dialogs import (
    DeferredDialog,
    NoticeDialog,
    RejectDialog,
)
from counter_app.ui.intake.materials_table import STATE
from counter_app.ui.intake.widget import IntakeWidget
from tests.intake_fixtures import (
    ID_1,
    app_fixture,
    choose,
    idle,
    mark_all_original,
    rows,
    set_state_by_keys,
    type_into,
    type_text,
    widget_fixture,
)

__all__ = ["app_fixture", "widget_fixture"]

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]

SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def focused() -> object:
    return QApplication.focusWidget()


def test_tab_and_shift_tab_leave_the_materials_table(
    qtbot: QtBot, widget: IntakeWidget
) -> None:
    choose(qtbot, widget, "gtgsh", "XK00101001")
    table = widget.table
    table.setFocus()
    table.setCurrentCell(0, STATE)
    qtbot.keyClick(table, Qt.Key.Key_Right)  # arrows move inside
    assert table.currentColumn() == STATE + 1 and focused() is table
    qtbot.keyClick(table, Qt.Key.Key_Down)
    assert table.currentRow() == 1 and focused() is table
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    assert focused() is widget.buttons[next(iter(widget.buttons))]
    qtbot.keyClick(focused(), Qt.Key.Key_Backtab, SHIFT)
    assert focused() is table
    qtbot.keyClick(table, Qt.Key.Key_Backtab, SHIFT)
    # back into the applicant form: its last visible field
    assert focused() is widget.applicant.assisted
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Tab, CTRL)
    assert focused() is not table


def test_tab_order_follows_the_form_and_enter_advances(
    qtbot: QtBot, widget: IntakeWidget
) -> None:
    choose(qtbot, widget, "gtgsh", "XK00101001")
    a = widget.applicant
    assert focused() is a.fields["name"]  # the item chosen, the name is next
    a.kind.setFocus()
    qtbot.keyClick(a.kind, Qt.Key.Key_Tab)
    assert focused() is a.fields["name"]  # not 帮办代办
    type_text(qtbot, a.fields["name"], "李子墨")
    qtbot.keyClick(a.fields["name"], Qt.Key.Key_Return)
    # the usual 居民身份证: Enter goes past the type to the number …
    assert focused() is a.fields["id_number"]
    qtbot.keyClick(focused(), Qt.Key.Key_Backtab, SHIFT)  # … Shift+Tab back
    assert focused() is a.id_type
    qtbot.keyClick(a.id_type, Qt.Key.Key_Down)  # another type: Enter stops there
    a.fields["name"].setFocus()
    qtbot.keyClick(a.fields["name"], Qt.Key.Key_Return)
    assert focused() is a.id_type
    qtbot.keyClick(a.id_type, Qt.Key.Key_Up)
    qtbot.keyClick(a.id_type, Qt.Key.Key_Return)
    assert focused() is a.fields["id_number"]
    # a wrong ID keeps the focus until it is fixed
    qtbot.keyClicks(a.fields["id_number"], "123")
    qtbot.keyClick(a.fields["id_number"], Qt.Key.Key_Return)
    assert focused() is a.fields["id_number"]
    assert a.errors["id_number"].isVisible()
    a.fields["id_number"].clear()
    qtbot.keyClicks(a.fields["id_number"], ID_1)
    qtbot.keyClick(a.fields["id_number"], Qt.Key.Key_Return)
    assert focused() is a.fields["phone"]
    assert a.errors["id_number"].isHidden()
    qtbot.keyClicks(a.fields["phone"], "13912345678")
    qtbot.keyClick(a.fields["phone"], Qt.Key.Key_Enter)
    assert focused() is a.fields["address"]
    qtbot.keyClick(a.fields["address"], Qt.Key.Key_Return)
    assert focused() is a.assisted
    qtbot.keyClick(a.assisted, Qt.Key.Key_Return)
    assert focused() is widget.table
    # Shift+Tab walks the same way back
    qtbot.keyClick(widget.table, Qt.Key.Key_Backtab, SHIFT)
    assert focused() is a.assisted


@pytest.mark.parametrize(
    ("key", "dialog_type"),
    [
        (Qt.Key.Key_F6, DeferredDialog),
        (Qt.Key.Key_F8, NoticeDialog),
        (Qt.Key.Key_F9, RejectDialog),
    ],
)
def test_each_decision_has_its_key(
    qtbot: QtBot, widget: IntakeWidget, key: Qt.Key, dialog_type: type
) -> None:
    choose(qtbot, widget, "gtgsh", "XK00101001")
    mark_all_original(qtbot, widget)
    set_state_by_keys(qtbot, widget, "经营场所使用证明", "容缺后补")
    qtbot.keyClick(widget.table, key)
    qtbot.waitUntil(lambda: isinstance(widget.flow.dialog, dialog_type), timeout=5000)
    dialog = widget.flow.dialog
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: widget.flow.dialog is None, timeout=5000)


def test_commitment_key_and_labels(qtbot: QtBot, widget: IntakeWidget) -> None:
    from counter_app.domain.status import Decision

    for decision, key in (
        (Decision.ACCEPT, "Ctrl+Enter"),
        (Decision.ACCEPT_DEFERRED, "F6"),
        (Decision.ACCEPT_COMMITMENT, "F7"),
        (Decision.NOTICE, "F8"),
        (Decision.REJECT, "F9"),
    ):
        assert widget.buttons[decision].text().endswith(f"({key})")
    keys = [k for k, _t in widget.shortcut_help()]
    assert {"Ctrl+Enter", "F6", "F7", "F8", "F9", "Ctrl+K"} <= set(keys)


def test_f7_only_where_the_item_allows_commitment(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    choose(qtbot, widget, "QT00102002", "QT00102002")  # 预包装食品备案
    qtbot.keyClick(widget.search.edit, Qt.Key.Key_F7)
    idle(qtbot, app)
    assert rows(app, "SELECT id FROM applications") == []
    widget.search.clear()
    choose(qtbot, widget, "gtgsh", "XK00101001")
    type_into(qtbot, widget, "name", "李子墨")
    type_into(qtbot, widget, "id_number", ID_1)
    # Everything in hand but the proof the promise replaces (经营场所使用证明).
    mark_all_original(qtbot, widget)
    set_state_by_keys(qtbot, widget, "经营场所使用证明", "缺少")
    widget.applicant.fields["id_number"].setFocus()
    with qtbot.waitSignal(widget.decided, timeout=5000):
        qtbot.keyClick(focused(), Qt.Key.Key_F7)
    [stored] = rows(app, "SELECT decision FROM applications")
    assert stored == {"decision": "accept_commitment"}
    assert focused() is widget.next_button
    idle(qtbot, app)


def test_after_sign_in_the_first_keys_go_to_the_item_search(
    qtbot: QtBot, app: AppContext
) -> None:
    from counter_app.ui.workspace import Workspace

    ws = Workspace(app, idle_lock_minutes=0)
    qtbot.addWidget(ws.window)
    ws.show()
    qtbot.waitExposed(ws.window)
    search = ws.window.intake.search.edit
    qtbot.waitUntil(lambda: focused() is search, timeout=5000)
    qtbot.keyClicks(focused(), "yyzz")
    assert search.text() == "yyzz"
    popup = ws.window.intake.search.popup
    qtbot.waitUntil(lambda: popup.count() > 0, timeout=5000)  # searched
    idle(qtbot, app)
    help_text = "\n".join(ws.window.shortcut_lines())
    for key in ("F6", "F7", "F8", "F9", "Ctrl+Enter", "Ctrl+K"):
        assert f"{key}\t" in help_text, key
    ws.close()
