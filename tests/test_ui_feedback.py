"""Feedback after 出件 and 评价, by keyboard: a confirmation through the
message bridge, the 送达回证 offered, the record kept selected, and a
timeline that shows business events by name."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from counter_app.store.db import Store
from counter_app.ui.deliver_dialog import DeliverDialog
from counter_app.ui.documents import DocumentDialog
from counter_app.ui.evaluation_dialog import EvaluationDialog
from counter_app.ui.workspace import Workspace
from tests.workspace_fixtures import demo_store, ws

__all__ = ["demo_store", "ws"]
pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]

ALT = Qt.KeyboardModifier.AltModifier


def _ready(store: Store) -> tuple[str, str, str]:
    row = store.db.execute(
        "SELECT id, acceptance_no, coalesce(agent_id_number, id_number)"
        " FROM applications WHERE status = 'result_ready' LIMIT 1"
    ).fetchone()
    return row[0], row[1], row[2]


def _select(qtbot: QtBot, ws: Workspace, app_id: str) -> int:
    panel = ws.window.list_panel
    model = panel.model
    while not any(r.id == app_id for r in model.rows) and model.canFetchMore():
        model.fetchMore()
        qtbot.waitUntil(lambda: not model.is_loading(), timeout=10_000)
    row = next(i for i, r in enumerate(model.rows) if r.id == app_id)
    panel.table.setFocus()
    panel.table.selectRow(row)
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)  # opens the detail
    detail = ws.window.detail
    qtbot.waitUntil(lambda: detail.current_id() == app_id, timeout=10_000)
    ws.window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is ws.window, timeout=5000)
    return row


def _opened(qtbot: QtBot, ws: Workspace, kind: type) -> object:
    """The dialog a button's Alt+letter opened (after its click animation)."""
    detail = ws.window.detail
    qtbot.waitUntil(
        lambda: isinstance(getattr(detail, "active_dialog", None), kind),
        timeout=5000,
    )
    dialog = detail.active_dialog
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5000)
    return dialog


def _messages(ws: Workspace) -> list[str]:
    seen: list[str] = []
    ws.app.messages.info_shown.connect(seen.append)
    return seen


def test_deliver_confirms_offers_the_delivery_paper_and_keeps_the_row(
    qtbot: QtBot, ws: Workspace
) -> None:
    store = ws.app.store
    app_id, number, id_number = _ready(store)
    row = _select(qtbot, ws, app_id)
    seen = _messages(ws)
    detail = ws.window.detail
    qtbot.keyClick(detail, Qt.Key.Key_D, ALT)  # 出件(&D)
    dialog = _opened(qtbot, ws, DeliverDialog)
    assert isinstance(dialog, DeliverDialog)
    assert QApplication.focusWidget() is dialog.recipient_id
    qtbot.keyClicks(dialog.recipient_id, id_number)
    with qtbot.waitSignal(detail.changed, timeout=10_000):
        qtbot.keyClick(dialog.recipient_id, Qt.Key.Key_Return)  # last field: save
    assert any(m.startswith(f"已出件：{number}") for m in seen), seen
    papers = [
        d
        for d in detail.findChildren(DocumentDialog)
        if d.kind == "delivery" and d.isVisible()
    ]
    assert len(papers) == 1 and papers[0].application_ids == [app_id]
    panel = ws.window.list_panel
    qtbot.waitUntil(lambda: not panel.model.is_loading(), timeout=10_000)
    qtbot.wait(50)
    assert panel.table.currentIndex().row() == row
    assert panel.model.row_at(row).id == app_id
    assert detail.current_id() == app_id
    papers[0].close()


def test_rating_confirms_and_the_timeline_reads_as_events(
    qtbot: QtBot, ws: Workspace
) -> None:
    store = ws.app.store
    app_id, number, _id = _ready(store)
    _select(qtbot, ws, app_id)
    _select(qtbot, ws, app_id)  # read twice: still no 查阅 rows
    seen = _messages(ws)
    detail = ws.window.detail
    qtbot.keyClick(detail, Qt.Key.Key_E, ALT)  # 评价(&E)
    dialog = _opened(qtbot, ws, EvaluationDialog)
    assert isinstance(dialog, EvaluationDialog)
    assert dialog.level() == -1
    qtbot.keyClick(dialog, Qt.Key.Key_C, ALT)  # 意见(&C) goes to the comment
    assert QApplication.focusWidget() is dialog.comment
    qtbot.keyClick(dialog, Qt.Key.Key_L, ALT)  # 评价等级(&L): focus, no rating
    assert QApplication.focusWidget() is dialog.level_buttons[5]
    assert dialog.level() == -1
    dialog.level_buttons[2].setChecked(True)
    dialog.follow_up.setPlainText("已回访致歉。")
    with qtbot.waitSignal(detail.changed, timeout=10_000):
        qtbot.keyClick(dialog.ok_button, Qt.Key.Key_Space)
    assert f"已保存评价：{number}　不满意。" in seen
    qtbot.waitUntil(
        lambda: (
            detail.view is not None
            and any(e["kind"] == "evaluation" for e in detail.view.timeline)
        ),
        timeout=10_000,
    )
    table = detail.timeline
    cells = [
        [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]
    kinds = [e["kind"] for e in detail.view.timeline]
    assert "record.read" in kinds  # the audit keeps the reads
    assert all(c[2] != "查阅" for c in cells)
    assert len(cells) == sum(
        not k.startswith(("record.read", "print.", "material.")) for k in kinds
    )
    name = store.db.execute(
        "SELECT display_name FROM users WHERE username = 'clerk01'"
    ).fetchone()[0]
    rating = next(c for c in cells if c[2] == "评价")
    assert rating[1] == name and rating[3] == "不满意"
    assert not any("评价等级" in c[3] for c in cells)


def test_document_buttons_keep_their_underlined_letters(
    qtbot: QtBot, ws: Workspace
) -> None:
    app_id, _n, _i = _ready(ws.app.store)
    from counter_app.ui.documents import open_application_document

    dialog = open_application_document(ws.app, [app_id], "receipt", ws.window)
    qtbot.addWidget(dialog)
    assert dialog.save_button.shortcut() == QKeySequence("Alt+S")
    assert dialog.print_button.shortcut() == QKeySequence("Alt+P")
    dialog.close()


def test_switching_to_the_supervisor_clears_the_clerks_search_and_record(
    qtbot: QtBot, ws: Workspace
) -> None:
    from counter_app.services.demo import DEMO_PASSWORD

    store = ws.app.store
    app_id, _number, _id = _ready(store)
    _select(qtbot, ws, app_id)
    panel = ws.window.list_panel
    panel.search.setText("王")
    ws.switch_user()
    dialog = ws.switch_dialog
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5000)
    qtbot.keyClicks(dialog.username, "chief01")
    qtbot.keyClick(dialog.username, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.password, DEMO_PASSWORD)
    with qtbot.waitSignal(dialog.signed_in, timeout=10_000):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert ws.app.user is not None and ws.app.user.username == "chief01"
    assert panel.search.text() == ""
    assert ws.window.detail.current_id() is None
    assert ws.window.detail.title.text() == ""
    qtbot.waitUntil(lambda: not ws.app.tasks.busy(), timeout=10_000)
    reads = store.db.execute(
        "SELECT COUNT(*) FROM events WHERE kind = 'record.read' AND actor = 'chief01'"
    ).fetchone()[0]
    assert reads == 0  # nothing of the clerk's was opened in the chief's name
