"""Messages that follow the form: a refusal is said before any question is
asked, and changes or goes away as soon as the checklist changes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from counter_app.ui.context import AppContext
from counter_app.ui.intake.decision_dialogs import DeferredDialog
from counter_app.ui.intake.widget import IntakeWidget
from tests.intake_fixtures import (
    ID_1,
    app_fixture,
    choose,
    idle,
    mark_all_original,
    row_of,
    rows,
    set_state_by_keys,
    type_into,
    type_text,
    widget_fixture,
)

__all__ = ["app_fixture", "widget_fixture"]

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]

CTRL = Qt.KeyboardModifier.ControlModifier
PREMISES = "经营场所使用证明"


def _start(qtbot: QtBot, w: IntakeWidget) -> None:
    choose(qtbot, w, "gtgsh", "XK00101001")
    type_into(qtbot, w, "name", "李子墨")
    type_into(qtbot, w, "id_number", ID_1)
    idle(qtbot, w.app)  # earlier materials of this applicant looked up


def test_not_all_received_goes_away_when_everything_is_in(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    _start(qtbot, widget)
    names = [r.material.name for r in widget.table.rows]
    qtbot.keyClick(widget.table, Qt.Key.Key_Return, CTRL)
    error = widget.materials_error
    assert error.isVisible()
    assert error.text().startswith("材料未收齐，不能直接受理：")
    assert all(n in error.text() for n in names)
    # one received: the message names only the others
    set_state_by_keys(qtbot, widget, names[0], "已收原件")
    assert names[0] not in error.text() and names[1] in error.text()
    mark_all_original(qtbot, widget)
    assert error.isHidden() and error.text() == ""
    assert widget.top_error.isHidden()
    with qtbot.waitSignal(widget.decided, timeout=5000):
        qtbot.keyClick(widget.table, Qt.Key.Key_Return, CTRL)
    idle(qtbot, app)


def test_deferred_refuses_before_asking_the_promise_date(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    _start(qtbot, widget)
    mark_all_original(qtbot, widget)
    # nothing marked 容缺: refused at once, no date asked
    qtbot.keyClick(widget.table, Qt.Key.Key_F6)
    idle(qtbot, app)
    assert widget.flow.dialog is None
    assert widget.materials_error.text() == "容缺受理需至少标记一项容缺材料。"
    # a material that may not be deferred, missing: named before any dialog
    other = next(
        r.material.name for r in widget.table.rows if not r.material.deferrable
    )
    set_state_by_keys(qtbot, widget, other, "缺少")
    set_state_by_keys(qtbot, widget, PREMISES, "容缺后补")
    # the message on screen already says what now stands in the way
    refusal = f"以下材料不允许容缺，须当场提交：{other}"
    assert widget.materials_error.text() == refusal
    qtbot.keyClick(widget.table, Qt.Key.Key_F6)
    idle(qtbot, app)
    assert widget.flow.dialog is None
    assert widget.materials_error.text() == refusal
    set_state_by_keys(qtbot, widget, other, "已收原件")
    assert widget.materials_error.isHidden()
    qtbot.keyClick(widget.table, Qt.Key.Key_F6)
    qtbot.waitUntil(
        lambda: isinstance(widget.flow.dialog, DeferredDialog), timeout=5000
    )
    assert PREMISES in widget.flow.dialog.findChild(type(widget.result)).text()
    with qtbot.waitSignal(widget.decided, timeout=5000):
        qtbot.keyClick(widget.flow.dialog, Qt.Key.Key_Return)
    [stored] = rows(app, "SELECT decision FROM applications")
    assert stored == {"decision": "accept_deferred"}
    idle(qtbot, app)


def test_defect_description_message_goes_when_written(
    qtbot: QtBot, widget: IntakeWidget
) -> None:
    _start(qtbot, widget)
    mark_all_original(qtbot, widget)
    set_state_by_keys(qtbot, widget, PREMISES, "需补正")
    qtbot.keyClick(widget.table, Qt.Key.Key_F8)
    assert "需补正的具体问题" in widget.materials_error.text()
    assert widget.flow.dialog is None
    type_text(qtbot, widget.table, "过期")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)  # the cell editor
    # the delegate commits on the next turn of the event loop
    row = row_of(widget, PREMISES)
    qtbot.waitUntil(lambda: widget.table.states[row].problem == "过期", timeout=2000)
    assert widget.materials_error.isHidden()
    assert widget.table.hasFocus()
