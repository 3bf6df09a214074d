"""Every intake decision and the consultation by keyboard alone: the item
search, the applicant form, the materials, the decision's key and its
dialog, the paper it offers, and the next applicant — key events only, the
focus checked after each step."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from counter_app.ui.context import AppContext
from counter_app.ui.documents import DocumentDialog
from counter_app.ui.intake.decision_dialogs import (
    DeferredDialog,
    NoticeDialog,
    RejectDialog,
)
from counter_app.ui.intake.materials_table import STATE
from counter_app.ui.intake.widget import IntakeWidget
from tests.intake_fixtures import ID_1, app_fixture, idle, rows, type_text

__all__ = ["app_fixture"]

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
NONE = Qt.KeyboardModifier.NoModifier


@pytest.fixture(name="widget")
def keyboard_widget(app: AppContext, qtbot: QtBot) -> IntakeWidget:
    w = IntakeWidget(app)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()  # the window manager's part
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.search.edit, timeout=5000)
    return w


def focused() -> QWidget | None:
    return QApplication.focusWidget()


def key(qtbot: QtBot, k: Qt.Key, mod: Qt.KeyboardModifier = NONE) -> None:
    target = focused()
    assert target is not None, "no widget has the focus"
    qtbot.keyClick(target, k, mod)


def search_and_choose(qtbot: QtBot, w: IntakeWidget, text: str, code: str) -> None:
    assert focused() is w.search.edit
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
        key(qtbot, Qt.Key.Key_Down)
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.selection is not None, timeout=5000)
    idle(qtbot, w.app)
    assert focused() is w.applicant.fields["name"]


def applicant_by_keys(qtbot: QtBot, w: IntakeWidget) -> None:
    """Name, ID number (Enter passes the usual ID type), phone, address (empty), 帮办代办
    (unticked): Enter after each, the focus lands in the materials."""
    a = w.applicant
    type_text(qtbot, a.fields["name"], "李子墨")
    key(qtbot, Qt.Key.Key_Return)  # past the usual 居民身份证
    assert focused() is a.fields["id_number"]
    qtbot.keyClicks(focused(), ID_1)
    key(qtbot, Qt.Key.Key_Return)
    assert focused() is a.fields["phone"]
    qtbot.keyClicks(focused(), "13812345678")
    for _field in ("phone", "address", "assisted"):
        key(qtbot, Qt.Key.Key_Return)
    assert focused() is w.table


def all_received(qtbot: QtBot, w: IntakeWidget) -> None:
    key(qtbot, Qt.Key.Key_A, CTRL | SHIFT)
    assert focused() is w.table
    assert not w.table.outstanding()


def set_row_state(qtbot: QtBot, w: IntakeWidget, name: str, label: str) -> None:
    """Arrows to the material's state cell, Space until it reads ``label``."""
    table = w.table
    assert focused() is table
    target = next(i for i, r in enumerate(table.rows) if r.material.name == name)
    while table.currentColumn() < STATE:
        key(qtbot, Qt.Key.Key_Right)
    while table.currentColumn() > STATE:
        key(qtbot, Qt.Key.Key_Left)
    while table.currentRow() < target:
        key(qtbot, Qt.Key.Key_Down)
    while table.currentRow() > target:
        key(qtbot, Qt.Key.Key_Up)
    for _n in range(10):
        if table.item(target, STATE).text() == label:
            return
        key(qtbot, Qt.Key.Key_Space)
    raise AssertionError(f"{label} not reached for {name}")


def close_paper(qtbot: QtBot, w: IntakeWidget, kind: str) -> None:
    """The paper opens over the form; Escape closes it."""
    qtbot.waitUntil(
        lambda: any(
            d.kind == kind and d.isVisible() for d in w.findChildren(DocumentDialog)
        ),
        timeout=10_000,
    )
    paper = next(d for d in w.findChildren(DocumentDialog) if d.isVisible())
    qtbot.waitUntil(lambda: QApplication.activeWindow() is paper, timeout=5000)
    key(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not paper.isVisible(), timeout=5000)
    w.activateWindow()  # the window manager's part, offscreen has none
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=5000)


def paper_then_next(qtbot: QtBot, w: IntakeWidget, kind: str) -> None:
    """The decision's paper opens over the form; Escape closes it, the focus
    is on 下一位, Space clears the form and the search takes the keys."""
    close_paper(qtbot, w, kind)
    assert focused() is w.next_button
    key(qtbot, Qt.Key.Key_Space)
    assert focused() is w.search.edit
    assert w.selection is None and w.applicant.fields["name"].text() == ""
    idle(qtbot, w.app)


def dialog_of(qtbot: QtBot, w: IntakeWidget, kind: type) -> QWidget:
    qtbot.waitUntil(lambda: isinstance(w.flow.dialog, kind), timeout=5000)
    dialog = w.flow.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5000)
    return dialog


def test_accept_by_keyboard(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    search_and_choose(qtbot, widget, "gtgsh", "XK00101001")
    applicant_by_keys(qtbot, widget)
    all_received(qtbot, widget)
    with qtbot.waitSignal(widget.decided, timeout=5000):
        key(qtbot, Qt.Key.Key_Return, CTRL)
    [stored] = rows(app, "SELECT decision, applicant_name, phone FROM applications")
    assert stored == {
        "decision": "accept",
        "applicant_name": "李子墨",
        "phone": "13812345678",
    }
    paper_then_next(qtbot, widget, "receipt")


def test_deferred_by_keyboard(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    search_and_choose(qtbot, widget, "gtgsh", "XK00101001")
    applicant_by_keys(qtbot, widget)
    all_received(qtbot, widget)
    set_row_state(qtbot, widget, "经营场所使用证明", "容缺后补")
    key(qtbot, Qt.Key.Key_F6)
    dialog = dialog_of(qtbot, widget, DeferredDialog)
    assert isinstance(dialog, DeferredDialog)
    assert focused() is dialog.date  # the promise date, proposed
    key(qtbot, Qt.Key.Key_Up)  # one day later
    promised = dialog.promise_date()
    with qtbot.waitSignal(widget.decided, timeout=5000):
        key(qtbot, Qt.Key.Key_Return)
    [stored] = rows(app, "SELECT decision FROM applications")
    assert stored == {"decision": "accept_deferred"}
    [promise] = rows(app, "SELECT promise_date FROM applications")
    assert promise == {"promise_date": promised.isoformat()}
    paper_then_next(qtbot, widget, "deferred")


def test_notice_by_keyboard(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    search_and_choose(qtbot, widget, "gtgsh", "XK00101001")
    applicant_by_keys(qtbot, widget)
    all_received(qtbot, widget)
    set_row_state(qtbot, widget, "经营场所使用证明", "需补正")
    key(qtbot, Qt.Key.Key_F8)  # a defective material needs its problem first
    assert widget.materials_error.isVisible()
    assert focused() is widget.table and widget.table.currentColumn() > STATE
    key(qtbot, Qt.Key.Key_F2)  # edit the cell, then the IME's text
    assert focused() is not widget.table and widget.table.isAncestorOf(focused())
    type_text(qtbot, focused(), "复印件不清晰")
    key(qtbot, Qt.Key.Key_Return)  # the cell is written
    qtbot.waitUntil(lambda: focused() is widget.table, timeout=5000)
    key(qtbot, Qt.Key.Key_F8)
    dialog = dialog_of(qtbot, widget, NoticeDialog)
    assert isinstance(dialog, NoticeDialog)
    assert dialog.list.count() == 1
    with qtbot.waitSignal(widget.decided, timeout=5000):
        key(qtbot, Qt.Key.Key_Return)
    [stored] = rows(app, "SELECT decision FROM applications")
    assert stored == {"decision": "notice"}
    [problem] = rows(app, "SELECT problem FROM application_materials"
                     " WHERE state = 'defective'")  # fmt: skip
    assert problem == {"problem": "复印件不清晰"}
    paper_then_next(qtbot, widget, "notice")


def test_reject_by_keyboard(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    search_and_choose(qtbot, widget, "gtgsh", "XK00101001")
    applicant_by_keys(qtbot, widget)
    key(qtbot, Qt.Key.Key_F9)
    dialog = dialog_of(qtbot, widget, RejectDialog)
    assert isinstance(dialog, RejectDialog)
    assert focused() is dialog.reason
    assert dialog.reason_code() == "not_competent"
    key(qtbot, Qt.Key.Key_Return)  # the competent organ is needed
    assert "有权受理的机关" in dialog.error.text()
    assert focused() is dialog.organ and dialog.isVisible()
    type_text(qtbot, dialog.organ, "市卫生健康委员会")
    with qtbot.waitSignal(widget.decided, timeout=5000):
        key(qtbot, Qt.Key.Key_Return)
    [stored] = rows(app, "SELECT decision, reason_code FROM applications")
    assert stored == {"decision": "reject", "reason_code": "not_competent"}
    paper_then_next(qtbot, widget, "rejection")


def test_consultation_by_keyboard_then_intake_from_it(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    search_and_choose(qtbot, widget, "gtgsh", "XK00101001")
    type_text(qtbot, widget.applicant.fields["name"], "赵敏")
    key(qtbot, Qt.Key.Key_K, CTRL)
    qtbot.waitUntil(lambda: widget.side.consultations.count() == 1, timeout=5000)
    [logged] = rows(app, "SELECT id, applicant_name FROM consultations")
    assert logged["applicant_name"] == "赵敏"
    close_paper(qtbot, widget, "checklist")
    # the form stays as it was: the applicant may apply at once
    assert focused() is widget.applicant.fields["name"]
    # The applicant applies: to today's consultations, Enter takes it over.
    key(qtbot, Qt.Key.Key_J, CTRL)
    assert focused() is widget.side.consultations
    assert widget.side.consultations.currentRow() == 0
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: widget.selection is not None, timeout=5000)
    idle(qtbot, app)
    assert widget.applicant.fields["name"].text() == "赵敏"
    assert focused() is widget.applicant.fields["id_number"]  # the first empty
