"""The intake checklist follows the files attached to a material before the
decision: 缺少 → 已收复印件 when files are chosen, back when all are removed."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from counter_app.services.intake import MaterialState
from counter_app.ui.context import AppContext
from counter_app.ui.intake.materials_table import SCAN, STATE
from counter_app.ui.intake.widget import IntakeWidget
from tests.intake_fixtures import (
    ID_1,
    app_fixture,
    choose,
    idle,
    row_of,
    rows,
    set_state_by_keys,
    type_into,
    widget_fixture,
)

__all__ = ["app_fixture", "widget_fixture"]
pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]

ID_CARD = "居民身份证"


def _scan(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    Image.new("RGB", (120, 80), "white").save(path)
    return path


def _state_text(w: IntakeWidget, name: str) -> str:
    return str(w.table.item(row_of(w, name), STATE).text())


def _button(w: IntakeWidget, name: str) -> QPushButton:
    button = w.table.cellWidget(row_of(w, name), SCAN)
    assert isinstance(button, QPushButton)
    return button


def test_attaching_files_marks_a_missing_material_as_copy_and_back(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget, tmp_path: Path
) -> None:
    choose(qtbot, widget, "gtgsh", "XK00101001")
    i = row_of(widget, ID_CARD)
    assert widget.table.states[i].state is MaterialState.MISSING
    assert _button(widget, ID_CARD).menu() is None  # nothing to remove yet

    with qtbot.waitSignal(widget.table.changed):
        widget.table.set_scans(ID_CARD, [_scan(tmp_path, "a.png")])
    assert widget.table.states[i].state is MaterialState.COPY
    assert _state_text(widget, ID_CARD) == "已收复印件"
    assert widget.table.states[i].copies >= 1
    widget.table.set_scans(ID_CARD, [*widget.table.scans[ID_CARD], tmp_path / "b"])
    assert widget.table.states[i].state is MaterialState.COPY

    # Removing every file through the cell's menu returns it to 缺少.
    menu = _button(widget, ID_CARD).menu()
    assert menu is not None
    [add, remove] = menu.actions()
    assert add.text() == "添加文件…"
    assert "2" in remove.text()
    remove.trigger()
    assert widget.table.scans[ID_CARD] == []
    assert widget.table.states[i].state is MaterialState.MISSING
    assert _state_text(widget, ID_CARD) == "缺少"
    assert _button(widget, ID_CARD).text() == "扫描/附件"


def test_a_state_the_clerk_chose_is_kept(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget, tmp_path: Path
) -> None:
    choose(qtbot, widget, "gtgsh", "XK00101001")
    i = row_of(widget, ID_CARD)
    set_state_by_keys(qtbot, widget, ID_CARD, "已收原件")
    widget.table.set_scans(ID_CARD, [_scan(tmp_path, "a.png")])
    assert widget.table.states[i].state is MaterialState.ORIGINAL
    widget.table.set_scans(ID_CARD, [])
    assert widget.table.states[i].state is MaterialState.ORIGINAL

    # Set from the files, then confirmed by the clerk: removing keeps it.
    set_state_by_keys(qtbot, widget, ID_CARD, "缺少")
    widget.table.set_scans(ID_CARD, [_scan(tmp_path, "b.png")])
    assert widget.table.states[i].state is MaterialState.COPY
    widget.table.set_state(i, MaterialState.COPY)
    widget.table.set_scans(ID_CARD, [])
    assert widget.table.states[i].state is MaterialState.COPY


def test_the_decision_stores_copy_and_attaches_the_file(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget, tmp_path: Path
) -> None:
    choose(qtbot, widget, "gtgsh", "XK00101001")
    type_into(qtbot, widget, "name", "李子墨")
    type_into(qtbot, widget, "id_number", ID_1)
    qtbot.keyClick(
        widget.table,
        Qt.Key.Key_A,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )  # everything else 已收原件
    set_state_by_keys(qtbot, widget, ID_CARD, "缺少")
    widget.table.set_scans(ID_CARD, [_scan(tmp_path, "身份证.png")])
    with qtbot.waitSignal(widget.decided, timeout=5000) as sig:
        qtbot.keyClick(
            widget.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
        )
    idle(qtbot, app)
    app_id = sig.args[0][0].application_id
    [stored] = rows(
        app,
        "SELECT state FROM application_materials WHERE application_id = ?"
        " AND material_key = 'id_card'",
        app_id,
    )
    assert stored["state"] == MaterialState.COPY.value
    [file] = rows(app, "SELECT * FROM material_files WHERE application_id = ?", app_id)
    assert file["material_key"] == "id_card"
