from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from counter_app.domain.status import Decision
from counter_app.services.applications import decide
from counter_app.services.intake import (
    Applicant,
    IntakeForm,
    MaterialEntry,
    MaterialState,
)
from counter_app.store.catalog import get_item
from counter_app.ui.context import AppContext
from counter_app.ui.intake.widget import IntakeWidget
from tests.intake_fixtures import (
    CLERK,
    ID_1,
    app_fixture,
    choose,
    close_documents,
    idle,
    mark_all_original,
    row_of,
    rows,
    set_state_by_keys,
    type_into,
    widget_fixture,
)

__all__ = ["app_fixture", "widget_fixture"]

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]

CTRL = Qt.KeyboardModifier.ControlModifier


def test_consultation_is_logged_and_becomes_an_application(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    choose(qtbot, widget, "gtgsh", "XK00101001")
    widget.conditions.boxes["rented_premises"].setChecked(True)
    type_into(qtbot, widget, "name", "赵敏")
    type_into(qtbot, widget, "phone", "13912345678")
    qtbot.keyClick(widget.applicant.fields["phone"], Qt.Key.Key_K, CTRL)
    qtbot.waitUntil(lambda: widget.side.consultations.count() == 1, timeout=5000)
    [logged] = rows(app, "SELECT * FROM consultations")
    assert json.loads(logged["answers"]) == {"rented_premises": True}
    assert logged["applicant_name"] == "赵敏"
    assert logged["item_code"] == "XK00101001"
    close_documents(qtbot, widget)

    qtbot.mouseClick(widget.next_button, Qt.MouseButton.LeftButton)
    assert widget.selection is None
    assert widget.applicant.fields["name"].text() == ""
    widget.side.consultations.setCurrentRow(0)
    qtbot.mouseClick(widget.side.convert_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: widget.selection is not None, timeout=5000)
    idle(qtbot, app)
    assert widget.conditions.boxes["rented_premises"].isChecked()
    assert "房屋租赁合同" in [r.material.name for r in widget.table.rows]
    assert widget.applicant.fields["name"].text() == "赵敏"
    assert widget.applicant.fields["phone"].text() == "13912345678"
    type_into(qtbot, widget, "id_number", ID_1)
    mark_all_original(qtbot, widget)
    with qtbot.waitSignal(widget.decided, timeout=5000):
        qtbot.keyClick(widget.table, Qt.Key.Key_Return, CTRL)
    [application] = rows(app, "SELECT * FROM applications")
    assert application["consultation_id"] == logged["id"]
    assert application["applicant_name"] == "赵敏"
    [linked] = rows(app, "SELECT application_id FROM consultations")
    assert linked["application_id"] == application["id"]
    idle(qtbot, app)


def test_bundle_collects_shared_materials_once(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    choose(qtbot, widget, "csyjs", "YJS-CS-001")  # 出生一件事
    names = [r.material.name for r in widget.table.rows]
    assert names.count("居民身份证") == 1
    assert names.count("出生医学证明") == 1
    id_row = next(r for r in widget.table.rows if r.material.name == "居民身份证")
    assert len(id_row.item_codes) == 4
    type_into(qtbot, widget, "name", "孙悦")
    type_into(qtbot, widget, "id_number", ID_1)
    mark_all_original(qtbot, widget)
    with qtbot.waitSignal(widget.decided, timeout=5000) as sig:
        qtbot.keyClick(widget.table, Qt.Key.Key_Return, CTRL)
    assert len(sig.args[0]) == 4
    stored = rows(app, "SELECT * FROM applications ORDER BY acceptance_no")
    assert [a["item_code"] for a in stored] == list(widget.selection.item_codes)
    assert len({a["group_id"] for a in stored}) == 1 and stored[0]["group_id"]
    assert {a["bundle_code"] for a in stored} == {"YJS-CS-001"}
    assert {a["status"] for a in stored} == {"submitted"}
    for a in stored:
        assert a["acceptance_no"] in widget.result.text()
    idle(qtbot, app)


def test_returning_applicant_is_offered_earlier_materials(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    item = get_item(app.store.db, "GG00401001")  # 社会保障卡申领
    earlier = IntakeForm(
        item_codes=[item.code],
        applicant=Applicant(name="钱多多", id_number=ID_1),
        materials=[
            MaterialEntry(m.key, MaterialState.ORIGINAL, 1)
            for m in item.materials_for({})
        ],
    )
    [first] = decide(app.store, CLERK, earlier, Decision.ACCEPT)
    choose(qtbot, widget, "GG00402001", "GG00402001")  # 养老保险参保登记
    assert widget.table.offers == {}
    type_into(qtbot, widget, "name", "钱多多")
    type_into(qtbot, widget, "id_number", ID_1)
    qtbot.waitUntil(lambda: "居民身份证" in widget.table.offers, timeout=5000)
    assert set(widget.table.offers) == {"居民身份证"}
    name_cell = widget.table.item(row_of(widget, "居民身份证"), 0).text()
    assert "可免提交" in name_cell and first.acceptance_no in name_cell
    mark_all_original(qtbot, widget)
    set_state_by_keys(qtbot, widget, "居民身份证", "免提交")
    with qtbot.waitSignal(widget.decided, timeout=5000):
        qtbot.keyClick(widget.table, Qt.Key.Key_Return, CTRL)
    latest = rows(
        app,
        "SELECT m.state, m.reused_from FROM application_materials m"
        " JOIN applications a ON a.id = m.application_id"
        " WHERE a.item_code = 'GG00402001' AND m.material_key = 'id_card'",
    )
    assert latest[0]["state"] == "reused"
    assert first.acceptance_no in latest[0]["reused_from"]
    idle(qtbot, app)


def test_draft_autosaves_and_resumes(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    widget.keeper.timer.setInterval(200)
    choose(qtbot, widget, "gtgsh", "XK00101001")
    type_into(qtbot, widget, "name", "吴用")
    type_into(qtbot, widget, "id_number", ID_1)
    mark_all_original(qtbot, widget)
    qtbot.waitUntil(lambda: bool(rows(app, "SELECT id FROM drafts")), timeout=5000)
    idle(qtbot, app)
    other = IntakeWidget(app)
    qtbot.addWidget(other)
    other.show()
    other.side.refresh()
    qtbot.waitUntil(lambda: other.side.drafts.count() == 1, timeout=5000)
    assert "吴用" in other.side.drafts.item(0).text()
    qtbot.mouseClick(other.side.resume_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: other.selection is not None, timeout=5000)
    idle(qtbot, app)
    assert other.applicant.fields["name"].text() == "吴用"
    assert [s.state for s in other.table.states] == [
        s.state for s in widget.table.states
    ]
    with qtbot.waitSignal(other.decided, timeout=5000):
        qtbot.keyClick(other.table, Qt.Key.Key_Return, CTRL)
    idle(qtbot, app)
    assert rows(app, "SELECT id FROM drafts") == []
    widget.new_intake()


def test_bundle_consultation_converts_to_linked_applications(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    choose(qtbot, widget, "kbcyd", "YJS-KD-001")  # 开办餐饮店一件事
    qtbot.mouseClick(widget.consult_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: widget.side.consultations.count() == 1, timeout=5000)
    [logged] = rows(app, "SELECT * FROM consultations")
    assert logged["bundle_code"] == "YJS-KD-001" and logged["item_code"] is None
    close_documents(qtbot, widget)
    qtbot.mouseClick(widget.next_button, Qt.MouseButton.LeftButton)
    widget.side.consultations.setCurrentRow(0)
    qtbot.mouseClick(widget.side.convert_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: widget.selection is not None, timeout=5000)
    idle(qtbot, app)
    assert widget.selection.bundle_code == "YJS-KD-001"
    type_into(qtbot, widget, "name", "孙悦")
    type_into(qtbot, widget, "id_number", ID_1)
    mark_all_original(qtbot, widget)
    with qtbot.waitSignal(widget.decided, timeout=5000) as sig:
        qtbot.keyClick(widget.table, Qt.Key.Key_Return, CTRL)
    assert len(sig.args[0]) == 2
    stored = rows(app, "SELECT group_id, consultation_id FROM applications")
    assert len({a["group_id"] for a in stored}) == 1
    assert {a["consultation_id"] for a in stored} == {logged["id"]}
    idle(qtbot, app)
