from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from counter_app.ui.context import AppContext
from counter_app.ui.intake.widget import IntakeWidget
from tests.intake_fixtures import (
    ID_1,
    app_fixture,
    choose,
    idle,
    mark_all_original,
    rows,
    type_into,
    widget_fixture,
)

__all__ = ["app_fixture", "widget_fixture"]

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


def test_accept_by_keyboard_stores_application(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    choose(qtbot, widget, "gtgsh", "XK00101001")
    assert "市场监督" in widget.search.info.text() or widget.search.info.text()
    type_into(qtbot, widget, "name", "李子墨")
    type_into(qtbot, widget, "id_number", ID_1)
    assert "1985-03-14" in widget.applicant.id_info.text()
    type_into(qtbot, widget, "phone", "13812345678")
    widget.table.setFocus()
    mark_all_original(qtbot, widget)
    with qtbot.waitSignal(widget.decided, timeout=5000) as sig:
        qtbot.keyClick(
            widget.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
        )
    results = sig.args[0]
    assert len(results) == 1
    stored = rows(app, "SELECT * FROM applications")
    assert len(stored) == 1
    assert stored[0]["applicant_name"] == "李子墨"
    assert stored[0]["status"] == "submitted"
    assert stored[0]["id_number"] == ID_1
    assert stored[0]["intake_seconds"] is not None
    mats = rows(app, "SELECT state, originals, copies FROM application_materials")
    # Copy-only materials are received as copies, never as 已收原件 with 0.
    assert mats and all(
        m["state"] == ("original" if m["originals"] else "copy") for m in mats
    )
    assert any(m["state"] == "copy" for m in mats)
    assert results[0].acceptance_no in widget.result.text()
    idle(qtbot, app)
