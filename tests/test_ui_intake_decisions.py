from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from counter_app import clock
from counter_app.domain.workdays import due_date_or_provisional
from counter_app.store.calendar import load_calendar
from counter_app.ui.context import AppContext
from counter_app.ui.intake.decision_dialogs import NoticeDialog, RejectDialog
from counter_app.ui.intake.materials_table import PROBLEM
from counter_app.ui.intake.widget import IntakeWidget
from tests.intake_fixtures import (
    ID_1,
    app_fixture,
    choose,
    dialog_ok,
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


def _applicant(qtbot: QtBot, w: IntakeWidget) -> None:
    type_into(qtbot, w, "name", "李子墨")
    type_into(qtbot, w, "id_number", ID_1)


def _decide(qtbot: QtBot, w: IntakeWidget, name: str) -> None:
    qtbot.mouseClick(w.findChild(type(w.next_button), name), Qt.MouseButton.LeftButton)


def test_notice_lists_every_gap_and_stores_them(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    choose(qtbot, widget, "gtgsh", "XK00101001")
    _applicant(qtbot, widget)
    mark_all_original(qtbot, widget)
    set_state_by_keys(qtbot, widget, "经营场所使用证明", "缺少")
    set_state_by_keys(qtbot, widget, "个体工商户登记（备案）申请书", "需补正")
    _decide(qtbot, widget, "decide_notice")
    # a defect without its description is refused before anything is stored
    assert "需补正的具体问题" in widget.materials_error.text()
    assert widget.table.currentColumn() == PROBLEM
    type_text(qtbot, widget.table, "缺少经营者签字")
    qtbot.keyClick(widget.table, Qt.Key.Key_Return)
    _decide(qtbot, widget, "decide_notice")
    qtbot.waitUntil(lambda: isinstance(widget.flow.dialog, NoticeDialog))
    listed = widget.flow.dialog.list
    texts = [listed.item(i).text() for i in range(listed.count())]
    assert texts == [
        "个体工商户登记（备案）申请书：需补正（缺少经营者签字）",
        "经营场所使用证明：缺少",
    ]
    with qtbot.waitSignal(widget.decided, timeout=5000):
        dialog_ok(qtbot, widget)
    [app_row] = rows(app, "SELECT * FROM applications")
    assert app_row["status"] == "notified_to_supplement"
    assert app_row["notice_deadline"]
    mats = {m["name"]: m for m in rows(app, "SELECT * FROM application_materials")}
    assert mats["个体工商户登记（备案）申请书"]["state"] == "defective"
    assert mats["个体工商户登记（备案）申请书"]["problem"] == "缺少经营者签字"
    assert mats["经营场所使用证明"]["state"] == "missing"
    idle(qtbot, app)


def test_reject_stores_reason_and_competent_organ(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    choose(qtbot, widget, "gtgsh", "XK00101001")
    _applicant(qtbot, widget)
    _decide(qtbot, widget, "decide_reject")
    qtbot.waitUntil(lambda: isinstance(widget.flow.dialog, RejectDialog))
    dialog = widget.flow.dialog
    dialog.reason.setCurrentIndex(dialog.reason.findData("not_competent"))
    box = dialog.findChild(QDialogButtonBox)
    qtbot.mouseClick(
        box.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )
    assert "有权受理的机关" in dialog.error.text()  # asked, not stored
    assert rows(app, "SELECT id FROM applications") == []
    type_text(qtbot, dialog.organ, "区市场监督管理局")
    with qtbot.waitSignal(widget.decided, timeout=5000):
        dialog_ok(qtbot, widget)
    [app_row] = rows(app, "SELECT * FROM applications")
    assert app_row["status"] == "rejected"
    assert app_row["reason_code"] == "not_competent"
    assert "申请事项不属于本机关职权范围" in app_row["reason"]
    assert app_row["competent_organ"] == "区市场监督管理局"
    idle(qtbot, app)


def test_deferred_acceptance_stores_promise_date(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    choose(qtbot, widget, "gtgsh", "XK00101001")
    _applicant(qtbot, widget)
    mark_all_original(qtbot, widget)
    set_state_by_keys(qtbot, widget, "经营场所使用证明", "容缺后补")
    _decide(qtbot, widget, "decide_accept_deferred")
    qtbot.waitUntil(lambda: widget.flow.dialog is not None)
    chosen = widget.flow.dialog.promise_date()
    five = due_date_or_provisional(load_calendar(app.store.db), clock.today(), 5)
    assert chosen == five.date  # default: five working days from today
    with qtbot.waitSignal(widget.decided, timeout=5000):
        dialog_ok(qtbot, widget)
    [app_row] = rows(app, "SELECT * FROM applications")
    assert app_row["status"] == "submitted"
    assert app_row["decision"] == "accept_deferred"
    assert app_row["promise_date"] == chosen.isoformat()
    assert "编号" in widget.result.text()
    idle(qtbot, app)


def test_invalid_id_shows_error_beside_field_and_keeps_the_form(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    choose(qtbot, widget, "gtgsh", "XK00101001")
    type_into(qtbot, widget, "name", "李子墨")
    wrong = ID_1[:-1] + ("0" if ID_1[-1] != "0" else "1")
    type_into(qtbot, widget, "id_number", wrong)
    error = widget.applicant.errors["id_number"]
    assert (error.isVisible() and "校验" in error.text()) or error.text()
    assert widget.applicant.id_info.text() == ""
    mark_all_original(qtbot, widget)
    qtbot.keyClick(widget.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    idle(qtbot, app)
    assert rows(app, "SELECT id FROM applications") == []
    assert error.isVisible() and error.text()
    assert widget.applicant.fields["name"].text() == "李子墨"
    assert widget.applicant.fields["id_number"].text() == wrong
    assert all(
        s.state.value == ("original" if r.material.originals else "copy")
        for r, s in zip(widget.table.rows, widget.table.states, strict=True)
    )
    # corrected, the same form goes through
    edit = widget.applicant.fields["id_number"]
    edit.clear()
    type_into(qtbot, widget, "id_number", ID_1)
    assert not error.isVisible()
    assert "1985-03-14" in widget.applicant.id_info.text()
    with qtbot.waitSignal(widget.decided, timeout=5000):
        qtbot.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert len(rows(app, "SELECT id FROM applications")) == 1
    idle(qtbot, app)


def test_phone_checked_when_leaving_the_field(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    type_into(qtbot, widget, "phone", "1381234")
    error = widget.applicant.errors["phone"]
    assert error.isVisible() and error.text()
    assert widget.applicant.fields["phone"].text() == "1381234"
    widget.applicant.fields["phone"].clear()
    type_into(qtbot, widget, "phone", "025-84561234")
    assert not error.isVisible()


def test_conditions_retailor_and_show_agent(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    choose(qtbot, widget, "gtgsh", "XK00101001")
    names = [r.material.name for r in widget.table.rows]
    assert "授权委托书" not in names
    box = widget.conditions.boxes["agent"]
    assert box.text() == "由代理人（受托人）办理？"
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)
    assert widget.applicant.agent_box.isVisible()
    names = [r.material.name for r in widget.table.rows]
    assert {"授权委托书", "代理人居民身份证"} <= set(names)
    _applicant(qtbot, widget)
    mark_all_original(qtbot, widget)
    qtbot.keyClick(widget.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    idle(qtbot, app)
    assert "代理人姓名" in widget.applicant.errors["agent_name"].text()
    type_into(qtbot, widget, "agent_name", "王五")
    type_into(qtbot, widget, "agent_id_number", ID_1)
    with qtbot.waitSignal(widget.decided, timeout=5000):
        qtbot.keyClick(
            widget.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
        )
    [app_row] = rows(app, "SELECT * FROM applications")
    assert json.loads(app_row["answers"]) == {"agent": True}
    assert app_row["agent_name"] == "王五"
    assert row_of(widget, "授权委托书") >= 0
    idle(qtbot, app)
