"""The 办件 workspace on a demo store: list, search, filters, detail and the
window's actions through their dialogs — real widgets, offscreen."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from counter_app.domain.status import Decision, Status
from counter_app.services.backoffice import apply_status_change
from counter_app.services.demo import demo_context
from counter_app.services.intake import MaterialState
from counter_app.store.db import Store
from counter_app.ui import applications_list
from counter_app.ui.deliver_dialog import DeliverDialog
from counter_app.ui.evaluation_dialog import EvaluationDialog
from counter_app.ui.supplement_dialog import DeferredDialog, SupplementDialog
from counter_app.ui.workspace import Workspace
from tests.workspace_fixtures import RARE_NAME, add_rare_applicant, demo_store, ws

__all__ = ["demo_store", "ws"]
pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


def _search(qtbot: QtBot, ws: Workspace, text: str) -> list[str]:
    panel = ws.window.list_panel
    panel.search.setText(text)
    panel.apply()
    qtbot.waitUntil(lambda: panel.model.total is not None, timeout=10_000)
    return [r.id for r in panel.model.rows]


def _status(store: Store, app_id: str) -> str:
    return str(
        store.db.execute(
            "SELECT status FROM applications WHERE id = ?", [app_id]
        ).fetchone()[0]
    )


def _open(qtbot: QtBot, ws: Workspace, app_id: str) -> None:
    detail = ws.window.detail
    detail.load(app_id)
    qtbot.waitUntil(lambda: detail.current_id() == app_id, timeout=10_000)


def test_list_shows_seeded_applications_masked(qtbot: QtBot, ws: Workspace) -> None:
    store = ws.app.store
    total = store.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0]
    model = ws.window.list_panel.model
    assert model.total == total == model.rowCount()
    assert ws.window.list_panel.count_label.text() == f"共 {total} 件"
    headers = [
        model.headerData(c, applications_list.Qt.Orientation.Horizontal, 0)
        for c in range(model.columnCount())
    ]
    assert headers[:4] == ["受理编号", "时间", "事项", "申请人"]
    full_ids = {r[0] for r in store.db.execute("SELECT id_number FROM applications")}
    for row in range(model.rowCount()):
        shown = model.data(model.index(row, 4), 0)
        assert "*" in shown and shown not in full_ids
    # the first row is selected and its detail (audited) is loaded
    qtbot.waitUntil(lambda: ws.window.detail.current_id() is not None, timeout=10_000)
    reads = store.db.execute(
        "SELECT COUNT(*) FROM events WHERE kind = 'record.read'"
    ).fetchone()[0]
    assert reads >= 1


def test_lazy_paging(qtbot: QtBot, ws: Workspace, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(applications_list, "PAGE_SIZE", 20)
    model = ws.window.list_panel.model
    model.refresh()
    qtbot.waitUntil(lambda: model.total is not None and not model.is_loading())
    assert model.rowCount() == 20 and model.canFetchMore()
    while model.canFetchMore():
        model.fetchMore()
        qtbot.waitUntil(lambda: not model.is_loading(), timeout=10_000)
    assert model.rowCount() == model.total
    assert len({r.id for r in model.rows}) == model.total


def test_search_two_character_name_and_rare_character(
    qtbot: QtBot, ws: Workspace
) -> None:
    store = ws.app.store
    name = store.db.execute(
        "SELECT applicant_name FROM applications WHERE length(applicant_name) = 3"
        " AND applicant_name != ? LIMIT 1",
        [RARE_NAME],
    ).fetchone()[0]
    given = name[1:]
    ids = _search(qtbot, ws, given)
    assert ids
    names = [r.applicant_name for r in ws.window.list_panel.model.rows]
    assert name in names
    ids = _search(qtbot, ws, "𠮷")
    rows = ws.window.list_panel.model.rows
    assert RARE_NAME in [r.applicant_name for r in rows]
    expected = {
        r[0]
        for r in store.db.execute(
            "SELECT id FROM applications WHERE instr(applicant_name || '|' ||"
            " coalesce(agent_name, '') || '|' || coalesce(org_name, ''), '𠮷')"
        )
    }
    assert set(ids) == expected
    assert _search(qtbot, ws, "查无此人名") == []


def test_search_debounces_typing(qtbot: QtBot, ws: Workspace) -> None:
    panel = ws.window.list_panel
    with qtbot.waitSignal(panel.model.counted, timeout=10_000):
        panel.search.insert(RARE_NAME)  # QTest types ASCII only
    assert [r.applicant_name for r in panel.model.rows] == [RARE_NAME]


def test_filters(qtbot: QtBot, ws: Workspace) -> None:
    panel = ws.window.list_panel
    index = panel.status.findData(Status.NOTIFIED_TO_SUPPLEMENT.value)
    panel.status.setCurrentIndex(index)
    qtbot.waitUntil(lambda: panel.model.total is not None, timeout=10_000)
    rows = panel.model.rows
    assert rows and all(r.status is Status.NOTIFIED_TO_SUPPLEMENT for r in rows)
    panel.status.setCurrentIndex(0)
    ws.app.store.db.execute(
        "UPDATE applications SET due_date = '2001-01-05' WHERE applicant_name = ?",
        [RARE_NAME],
    )
    panel.overdue.setChecked(True)
    qtbot.waitUntil(lambda: panel.model.total is not None, timeout=10_000)
    assert RARE_NAME in [r.applicant_name for r in panel.model.rows]
    text = applications_list.cell_text(panel.model.rows[0], 7)
    assert text.startswith("已超期")


def test_supplement_through_the_dialog(qtbot: QtBot, ws: Workspace) -> None:
    store = ws.app.store
    app_id = add_rare_applicant(store, decision=Decision.NOTICE)
    _open(qtbot, ws, app_id)
    detail = ws.window.detail
    assert detail.supplement_button.isEnabled()
    assert not detail.deliver_button.isEnabled()
    detail.supplement_button.click()
    dialog = detail.active_dialog
    assert isinstance(dialog, SupplementDialog)
    # still missing: refused beside the materials, nothing stored
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: dialog.errors["materials"].text() != "", timeout=10_000)
    assert "仍缺少材料" in dialog.errors["materials"].text()
    assert dialog.isVisible()
    assert _status(store, app_id) == Status.NOTIFIED_TO_SUPPLEMENT.value
    for row in range(len(dialog.combos)):
        dialog.set_state(row, MaterialState.ORIGINAL)
    with qtbot.waitSignal(detail.changed, timeout=10_000):
        dialog.ok_button.click()
    assert _status(store, app_id) == Status.SUBMITTED.value
    states = {
        r[0]
        for r in store.db.execute(
            "SELECT state FROM application_materials WHERE application_id = ?",
            [app_id],
        )
    }
    assert states == {"original"}
    qtbot.waitUntil(lambda: not detail.supplement_button.isEnabled(), timeout=10_000)


def _ready_application(store: Store) -> tuple[str, str, str]:
    row = store.db.execute(
        "SELECT id, applicant_name, coalesce(agent_id_number, id_number)"
        " FROM applications WHERE status = 'result_ready' LIMIT 1"
    ).fetchone()
    return row[0], row[1], row[2]


def test_deliver_wrong_then_right_id(qtbot: QtBot, ws: Workspace) -> None:
    store = ws.app.store
    app_id, _name, id_number = _ready_application(store)
    _open(qtbot, ws, app_id)
    detail = ws.window.detail
    assert detail.deliver_button.isEnabled()
    detail.deliver_button.click()
    dialog = detail.active_dialog
    assert isinstance(dialog, DeliverDialog)
    events_before = store.db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    dialog.recipient_id.setText("110101199001011237")
    dialog.ok_button.click()
    error = dialog.errors["recipient_id_number"]
    qtbot.waitUntil(lambda: error.text() != "", timeout=10_000)
    assert "不一致" in error.text() and not error.isHidden()
    assert dialog.recipient_id.text() == "110101199001011237"  # input kept
    assert _status(store, app_id) == Status.RESULT_READY.value
    assert (
        store.db.execute(
            "SELECT COUNT(*) FROM events WHERE kind = 'deliver' AND application_id = ?",
            [app_id],
        ).fetchone()[0]
        == 0
    )
    dialog.recipient_id.setText(id_number.lower())
    with qtbot.waitSignal(detail.changed, timeout=10_000):
        dialog.ok_button.click()
    assert _status(store, app_id) == Status.DELIVERED.value
    assert store.db.execute("SELECT COUNT(*) FROM events").fetchone()[0] > events_before


def test_bad_rating_needs_follow_up(qtbot: QtBot, ws: Workspace) -> None:
    store = ws.app.store
    app_id, _name, _id = _ready_application(store)
    _open(qtbot, ws, app_id)
    detail = ws.window.detail
    detail.evaluate_button.click()
    dialog = detail.active_dialog
    assert isinstance(dialog, EvaluationDialog)
    dialog.level_buttons[1].setChecked(True)
    assert dialog.follow_up.isEnabled()
    dialog.reason_boxes[3][1].setChecked(True)
    dialog.ok_button.click()
    assert "回访" in dialog.errors["follow_up"].text()
    assert dialog.isVisible()
    count = "SELECT COUNT(*) FROM evaluations WHERE application_id = ?"
    assert store.db.execute(count, [app_id]).fetchone()[0] == 0
    dialog.follow_up.setPlainText("已电话回访，说明办理进度并致歉。")
    with qtbot.waitSignal(detail.changed, timeout=10_000):
        dialog.ok_button.click()
    row = store.db.execute(
        "SELECT level, follow_up, reasons FROM evaluations WHERE application_id = ?",
        [app_id],
    ).fetchone()
    assert row[0] == 1 and row[1].startswith("已电话回访") and "等候时间长" in row[2]


def test_good_rating_needs_no_follow_up(qtbot: QtBot, ws: Workspace) -> None:
    store = ws.app.store
    app_id, _name, _id = _ready_application(store)
    _open(qtbot, ws, app_id)
    ws.window.detail.evaluate_button.click()
    dialog = ws.window.detail.active_dialog
    assert isinstance(dialog, EvaluationDialog)
    # Voluntary: no level preselected, and saving without one is refused.
    assert dialog.level() == -1 and not dialog.follow_up.isEnabled()
    dialog.ok_button.click()
    assert "选择评价等级" in dialog.errors["level"].text()
    assert (
        store.db.execute(
            "SELECT COUNT(*) FROM evaluations WHERE application_id = ?", [app_id]
        ).fetchone()[0]
        == 0
    )
    dialog.level_buttons[5].setChecked(True)
    assert not dialog.follow_up.isEnabled()
    with qtbot.waitSignal(ws.window.detail.changed, timeout=10_000):
        dialog.ok_button.click()
    level = store.db.execute(
        "SELECT level FROM evaluations WHERE application_id = ?", [app_id]
    ).fetchone()[0]
    assert level == 5


def test_withdraw_needs_reason(qtbot: QtBot, ws: Workspace) -> None:
    store = ws.app.store
    app_id = add_rare_applicant(store)
    _open(qtbot, ws, app_id)
    detail = ws.window.detail
    detail.withdraw_button.click()
    dialog = detail.active_dialog
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: dialog.errors["reason"].text() != "", timeout=10_000)
    assert _status(store, app_id) == Status.SUBMITTED.value
    dialog.reason.setText("申请人书面申请撤回")
    with qtbot.waitSignal(detail.changed, timeout=10_000):
        dialog.ok_button.click()
    assert _status(store, app_id) == Status.WITHDRAWN.value


def test_keyboard_flow_search_enter_opens_detail(qtbot: QtBot, ws: Workspace) -> None:
    from PySide6.QtCore import Qt

    window = ws.window
    window.tabs.setCurrentIndex(0)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 1
    panel = window.list_panel
    assert window.focusWidget() is panel.search
    panel.search.insert(RARE_NAME)  # QTest types ASCII only
    with qtbot.waitSignal(panel.model.counted, timeout=10_000):
        qtbot.keyClick(panel.search, Qt.Key.Key_Return)
    assert window.focusWidget() is panel.table
    qtbot.waitUntil(lambda: panel.table.currentIndex().isValid(), timeout=10_000)
    with qtbot.waitSignal(panel.opened, timeout=10_000) as opened:
        qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.detail.current_id() == opened.args[0])
    assert RARE_NAME in window.detail.title.text()


def test_dialogs_name_every_control(qtbot: QtBot, ws: Workspace) -> None:
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QAbstractSpinBox,
        QComboBox,
        QLineEdit,
        QPlainTextEdit,
        QWidget,
    )

    from counter_app.ui.settings_dialog import SettingsDialog

    store = ws.app.store
    app_id, name, _id = _ready_application(store)
    dialogs = [
        DeliverDialog(ws.app, application_id=app_id, applicant_name=name),
        EvaluationDialog(ws.app, application_id=app_id),
        SupplementDialog(
            ws.app,
            application_id=app_id,
            materials=[{"material_key": "x", "name": "身份证", "state": "missing"}],
        ),
        SettingsDialog(ws.app, current=ws.current_settings()),
    ]
    kinds = (
        QAbstractButton,
        QComboBox,
        QAbstractSpinBox,
        QLineEdit,
        QAbstractItemView,
        QPlainTextEdit,
    )
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        dialog.show()
        unnamed = [
            type(w).__name__
            for w in dialog.findChildren(QWidget)
            if isinstance(w, kinds)
            and w.isVisibleTo(dialog)
            and not w.accessibleName()
            and not _inside(w, dialog, (QComboBox, QAbstractSpinBox, QAbstractItemView))
        ]
        assert unnamed == [], type(dialog).__name__


def _inside(widget: object, root: object, kinds: tuple[type, ...]) -> bool:
    """Whether ``widget`` is a part of a composite control (a combo's line
    edit, a table's header) below ``root``."""
    parent = widget.parentWidget()  # type: ignore[attr-defined]
    while parent is not None and parent is not root:
        if isinstance(parent, kinds):
            return True
        parent = parent.parentWidget()
    return False


def test_arrowing_through_the_list_audits_only_the_row_stopped_on(
    qtbot: QtBot, ws: Workspace
) -> None:
    from PySide6.QtCore import Qt

    store = ws.app.store
    panel = ws.window.list_panel
    qtbot.waitUntil(lambda: ws.window.detail.current_id() is not None, timeout=10_000)
    reads = "SELECT COUNT(*) FROM events WHERE kind = 'record.read'"
    before = store.db.execute(reads).fetchone()[0]
    panel.table.setFocus()
    for _ in range(5):
        qtbot.keyClick(panel.table, Qt.Key.Key_Down)
    target = panel.model.rows[panel.table.currentIndex().row()].id
    qtbot.waitUntil(lambda: ws.window.detail.current_id() == target, timeout=10_000)
    assert store.db.execute(reads).fetchone()[0] == before + 1


def test_supervisor_menu_and_sync_menu(qtbot: QtBot, ws: Workspace) -> None:
    window = ws.window
    assert not window.supervisor_menu.menuAction().isVisible()
    ws._set_user(demo_context(ws.app.store, "chief01"))
    assert window.supervisor_menu.menuAction().isVisible()
    titles = [a.text() for a in window.supervisor_menu.actions()]
    assert titles == ["统计(&S)…", "日结(&C)…", "导出办件日志(&E)…", "用户与锁定(&U)…"]
    window.supervisor_menu.actions()[0].trigger()
    stats = next(
        w
        for w in window.findChildren(applications_list.QWidget)
        if w.accessibleName() == "统计" and w.isWindow()
    )
    assert stats.isVisible()
    stats.close()
    sync_titles = [a.text() for a in window.sync_menu.actions()]
    assert sync_titles[0] == "立即同步(&N)"
    assert not window.sync_menu.actions()[0].isEnabled()  # the store stand-in
    window.sync_menu.actions()[1].trigger()
    dead = next(
        w
        for w in window.findChildren(applications_list.QWidget)
        if w.isWindow() and w.isVisible() and w.windowTitle() == "被中心平台拒绝的操作"
    )
    dead.close()


@pytest.mark.qt_log_ignore(
    "propagateSizeHints", "does not support raise", "grabbing the keyboard"
)
def test_reprint_menu_lists_the_documents(qtbot: QtBot, ws: Workspace) -> None:
    app_id = add_rare_applicant(ws.app.store)
    _open(qtbot, ws, app_id)
    detail = ws.window.detail
    assert detail.print_button.isEnabled()
    detail.print_button.click()
    texts = [a.text() for a in detail.print_menu.actions()]
    assert "受理回执" in texts and "材料接收凭证" in texts
    detail.print_menu.close()


def test_detail_scans_per_material_and_rating_screen(
    qtbot: QtBot, ws: Workspace, tmp_path: Path
) -> None:
    """Select a material in the detail, attach a scan to it; open the
    applicant-facing rating screen and rate there."""
    from PIL import Image

    store = ws.app.store
    app_id = add_rare_applicant(store)
    _open(qtbot, ws, app_id)
    detail = ws.window.detail
    assert not detail.files.isEnabled()
    detail.materials.setCurrentCell(1, 0)
    assert detail.files.isEnabled()
    key = store.db.execute(
        "SELECT material_key FROM application_materials WHERE application_id = ?"
        " ORDER BY position LIMIT 1 OFFSET 1",
        [app_id],
    ).fetchone()[0]
    page = tmp_path / "page.png"
    Image.new("L", (300, 420), 180).save(page)
    detail.files.import_paths([page])
    qtbot.waitUntil(
        lambda: (
            store.db.execute(
                "SELECT COUNT(*) FROM material_files WHERE application_id = ?"
                " AND material_key = ?",
                [app_id, key],
            ).fetchone()[0]
            == 1
        ),
        timeout=10_000,
    )

    assert detail.rating_screen_button.isEnabled()
    detail.rating_screen_button.click()
    screen = detail.rating_window
    qtbot.addWidget(screen)
    screen.level_group.button(5).click()
    with qtbot.waitSignal(screen.submitted, timeout=10_000):
        screen.submit_button.click()
    level, channel = store.db.execute(
        "SELECT level, channel FROM evaluations WHERE application_id = ?", [app_id]
    ).fetchone()
    assert (level, channel) == (5, "pad")


def test_deferred_material_brought_in_then_delivered(
    qtbot: QtBot, ws: Workspace
) -> None:
    store = ws.app.store
    app_id = add_rare_applicant(
        store, decision=Decision.ACCEPT_DEFERRED, item_code="XK00101001"
    )
    with store.transaction() as db:
        apply_status_change(db, application_id=app_id, status=Status.RESULT_READY)
    _open(qtbot, ws, app_id)
    detail = ws.window.detail
    assert detail.deferred_button.isEnabled()
    # Delivery first: refused beside the reason field, a clerk cannot override.
    detail.deliver_button.click()
    dialog = detail.active_dialog
    assert isinstance(dialog, DeliverDialog)
    assert not dialog.override.isEnabled()
    dialog.recipient_id.setText(
        store.db.execute(
            "SELECT id_number FROM applications WHERE id = ?", [app_id]
        ).fetchone()[0]
    )
    dialog.ok_button.click()
    error = dialog.errors["override_reason"]
    qtbot.waitUntil(lambda: error.text() != "", timeout=10_000)
    assert "容缺材料尚未补交" in error.text()
    assert _status(store, app_id) == Status.RESULT_READY.value
    dialog.reject()
    # 补交: the outstanding material only, received as an original.
    detail.deferred_button.click()
    dialog = detail.active_dialog
    assert isinstance(dialog, DeferredDialog)
    assert len(dialog.combos) == 1
    dialog.set_state(0, MaterialState.ORIGINAL)
    with qtbot.waitSignal(detail.changed, timeout=10_000):
        dialog.ok_button.click()
    assert (
        store.db.execute(
            "SELECT COUNT(*) FROM application_materials"
            " WHERE application_id = ? AND state = 'deferred'",
            [app_id],
        ).fetchone()[0]
        == 0
    )
    # The list refreshes too; open the record again and read its buttons.
    ws.app.tasks.wait()
    _open(qtbot, ws, app_id)
    qtbot.waitUntil(
        lambda: (
            detail.current_id() == app_id
            and not detail.deferred_button.isEnabled()
            and detail.deliver_button.isEnabled()
        ),
        timeout=10_000,
    )
