"""Keyboard-only flows on the workspace: find a record, 补正 after a one-time
notice, and the supervisor's 日结 with its typed confirmation — key events
only (no mouse, no direct slot calls), the focus checked after each step."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QMenu, QWidget
from pytestqt.qtbot import QtBot

from counter_app import clock
from counter_app.services.demo import demo_context
from counter_app.store.db import Store
from counter_app.ui.app import ui_settings
from counter_app.ui.context import AppContext
from counter_app.ui.documents import DocumentDialog
from counter_app.ui.messages import MessageBridge
from counter_app.ui.supervisor import DayCloseDialog
from counter_app.ui.supplement_dialog import SupplementDialog
from counter_app.ui.tasks import TaskRunner
from counter_app.ui.workspace import Workspace
from tests.intake_fixtures import type_text
from tests.workspace_fixtures import demo_store, ws

__all__ = ["demo_store", "ws"]
pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def focused() -> QWidget | None:
    return QApplication.focusWidget()


def key(
    qtbot: QtBot, k: Qt.Key, mod: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    """One key press where the focus is, as the keyboard delivers it."""
    target = focused()
    assert target is not None, "no widget has the focus"
    qtbot.keyClick(target, k, mod)


def back_to_window(qtbot: QtBot, ws: Workspace) -> None:
    """What the window manager does when a dialog closes (offscreen Qt has
    none): the main window is active again, its focus where it was."""
    ws.window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is ws.window, timeout=5000)


def active_dialog(qtbot: QtBot, ws: Workspace, kind: type) -> QWidget:
    detail = ws.window.detail
    qtbot.waitUntil(
        lambda: (
            isinstance(getattr(detail, "active_dialog", None), kind)
            and QApplication.activeWindow() is detail.active_dialog
        ),
        timeout=5000,
    )
    return detail.active_dialog


def open_by_number(qtbot: QtBot, ws: Workspace, number: str) -> None:
    """Ctrl+F, the number, Enter (search), Enter (open): the detail shows it."""
    window = ws.window
    key(qtbot, Qt.Key.Key_F, CTRL)
    assert focused() is window.list_panel.search
    qtbot.keyClicks(focused(), number)
    key(qtbot, Qt.Key.Key_Return)
    table = window.list_panel.table
    assert focused() is table
    model = window.list_panel.model
    qtbot.waitUntil(
        lambda: model.total == 1 and table.currentIndex().isValid(), timeout=10_000
    )
    key(qtbot, Qt.Key.Key_Return)
    detail = window.detail
    qtbot.waitUntil(
        lambda: (
            detail.view is not None and detail.view.record["acceptance_no"] == number
        ),
        timeout=10_000,
    )
    assert focused() is detail or detail.isAncestorOf(focused())


def test_supplement_by_keyboard_accepts_and_offers_the_receipt(
    qtbot: QtBot, ws: Workspace
) -> None:
    store = ws.app.store
    app_id, number = store.db.execute(
        "SELECT id, acceptance_no FROM applications"
        " WHERE status = 'notified_to_supplement' ORDER BY acceptance_no LIMIT 1"
    ).fetchone()
    open_by_number(qtbot, ws, number)
    detail = ws.window.detail
    assert detail.supplement_button.isEnabled()
    seen: list[str] = []
    ws.app.messages.info_shown.connect(seen.append)
    key(qtbot, Qt.Key.Key_S, ALT)  # 补正(&S)
    dialog = active_dialog(qtbot, ws, SupplementDialog)
    assert isinstance(dialog, SupplementDialog)
    # the first material's state takes the first keys
    assert focused() is dialog.combos[0]
    for i, combo in enumerate(dialog.combos):
        assert focused() is combo
        while combo.currentData() not in ("original", "copy"):
            key(qtbot, Qt.Key.Key_Up)  # 已收原件 and 已收复印件 head the list
        if i < len(dialog.combos) - 1:
            key(qtbot, Qt.Key.Key_Return)  # Enter: the next material
    with qtbot.waitSignal(detail.changed, timeout=10_000):
        key(qtbot, Qt.Key.Key_Return)  # on the last one: save
    status = store.db.execute(
        "SELECT status FROM applications WHERE id = ?", [app_id]
    ).fetchone()[0]
    assert status == "submitted"
    assert any(m.startswith(f"已受理：{number}") for m in seen), seen
    qtbot.waitUntil(
        lambda: any(
            d.kind == "receipt" and d.isVisible()
            for d in detail.findChildren(DocumentDialog)
        ),
        timeout=10_000,
    )
    receipt = next(
        d for d in detail.findChildren(DocumentDialog) if d.kind == "receipt"
    )
    assert receipt.application_ids == [app_id]
    qtbot.waitUntil(lambda: QApplication.activeWindow() is receipt, timeout=5000)
    key(qtbot, Qt.Key.Key_Escape)  # the preview closes; back to the record
    qtbot.waitUntil(lambda: not receipt.isVisible(), timeout=5000)
    back_to_window(qtbot, ws)
    assert focused() is detail or detail.isAncestorOf(focused())
    # the record reloads behind the receipt: its buttons follow once it is in
    qtbot.waitUntil(lambda: not detail.supplement_button.isEnabled(), timeout=5000)
    ws.app.tasks.wait()


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_supplement_states_are_whole_in_large_print(
    qtbot: QtBot, ws: Workspace, lang: str
) -> None:
    from counter_app import i18n
    from counter_app.ui.theme import ThemeOptions, apply_theme

    qt = QApplication.instance()
    assert isinstance(qt, QApplication)
    i18n.set_language(lang)
    apply_theme(qt, ThemeOptions(large_font=True))
    try:
        materials = [
            {"material_key": str(n), "name": "居民身份证", "state": state}
            for n, state in enumerate(("original", "copy", "missing", "defective"))
        ]
        dialog = SupplementDialog(
            ws.app, application_id="x", materials=materials, parent=ws.window
        )
        dialog.show()
        qtbot.waitExposed(dialog)
        for combo in dialog.combos:  # "Original received" whole, not "Original"
            assert combo.width() >= combo.sizeHint().width(), combo.currentText()
        dialog.close()
    finally:
        apply_theme(qt, ThemeOptions())
        i18n.set_language("zh_CN")


def test_supplement_needs_every_material(qtbot: QtBot, ws: Workspace) -> None:
    store = ws.app.store
    number = store.db.execute(
        "SELECT acceptance_no FROM applications"
        " WHERE status = 'notified_to_supplement' ORDER BY acceptance_no LIMIT 1"
    ).fetchone()[0]
    open_by_number(qtbot, ws, number)
    key(qtbot, Qt.Key.Key_S, ALT)
    dialog = active_dialog(qtbot, ws, SupplementDialog)
    assert isinstance(dialog, SupplementDialog)
    missing = next(
        i for i, c in enumerate(dialog.combos) if c.currentData() == "missing"
    )
    for _n in range(len(dialog.combos) - 1):
        key(qtbot, Qt.Key.Key_Return)
    assert focused() is dialog.combos[-1]
    key(qtbot, Qt.Key.Key_Return)  # saves; the service refuses
    qtbot.waitUntil(lambda: dialog.errors["materials"].isVisible(), timeout=10_000)
    assert "仍缺少材料" in dialog.errors["materials"].text()
    assert isinstance(focused(), QComboBox)  # back in the list, nothing lost
    assert dialog.combos[missing].currentData() == "missing"
    key(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    ws.app.tasks.wait()


@pytest.fixture
def chief_ws(qtbot: QtBot, demo_store: Store, tmp_path: Path) -> Iterator[Workspace]:
    """The supervisor's workspace on the demo store, nothing synced."""
    tasks = TaskRunner()
    app = AppContext(
        store=demo_store,
        tasks=tasks,
        messages=MessageBridge(),
        settings=ui_settings(tmp_path),
        user=demo_context(demo_store, "chief01"),
    )
    workspace = Workspace(app, idle_lock_minutes=0)
    qtbot.addWidget(workspace.window)
    workspace.show()
    qtbot.waitExposed(workspace.window)
    yield workspace
    workspace.close()
    tasks.wait()


# a menu opened by Alt+letter asks the platform for things offscreen lacks
@pytest.mark.qt_log_ignore("does not support raise", "grabbing the keyboard")
def test_day_close_by_keyboard_needs_the_typed_window_and_date(
    qtbot: QtBot, chief_ws: Workspace
) -> None:
    ws = chief_ws
    store = ws.app.store
    search = ws.window.intake.search.edit
    qtbot.waitUntil(lambda: focused() is search, timeout=5000)
    key(qtbot, Qt.Key.Key_M, ALT)  # 负责人(&M)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None, timeout=5000)
    menu = QApplication.activePopupWidget()
    assert isinstance(menu, QMenu)
    while menu.activeAction() is None or not menu.activeAction().text().startswith(
        "日结"
    ):
        qtbot.keyClick(menu, Qt.Key.Key_Down)
    qtbot.keyClick(menu, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: isinstance(QApplication.activeWindow(), DayCloseDialog), timeout=5000
    )
    dialog = QApplication.activeWindow()
    assert isinstance(dialog, DayCloseDialog)
    qtbot.waitUntil(lambda: dialog.preview_value is not None, timeout=10_000)
    assert dialog.preview_value.pending_ops > 0  # nothing was synced
    assert focused() is dialog.typed  # the summary above, the confirmation here
    expected = dialog.expected_confirmation()
    user = ws.app.require_user()
    assert expected == f"{user.window_code} {clock.today().isoformat()}"
    # A stray Enter closes nothing.
    key(qtbot, Qt.Key.Key_Return)
    assert "请输入" in dialog.error.text() and dialog.isVisible()
    assert focused() is dialog.typed
    qtbot.keyClicks(dialog.typed, expected)
    key(qtbot, Qt.Key.Key_Return)  # pending changes: the box must be ticked
    assert "勾选确认" in dialog.error.text()
    assert focused() is dialog.confirm and not dialog.confirm.isChecked()
    assert store.db.execute("SELECT COUNT(*) FROM day_closes").fetchone()[0] == 0
    key(qtbot, Qt.Key.Key_Space)
    assert dialog.confirm.isChecked()
    with qtbot.waitSignal(dialog.closed, timeout=20_000):
        key(qtbot, Qt.Key.Key_Return)
    row = store.db.execute(
        "SELECT window_code, day, closed_by, pending_confirmed FROM day_closes"
    ).fetchone()
    assert tuple(row) == (user.window_code, clock.today().isoformat(), "chief01", 1)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    back_to_window(qtbot, ws)
    assert focused() is search  # where the supervisor was before 日结


def test_reopen_by_keyboard_with_a_reason(qtbot: QtBot, chief_ws: Workspace) -> None:
    from counter_app.services.day_close import close_day

    ws = chief_ws
    store = ws.app.store
    user = ws.app.require_user()
    close_day(
        store, user, window_code=user.window_code, day=clock.today(),
        confirm_pending=True,
    )  # fmt: skip
    dialog = DayCloseDialog(ws.app, parent=ws.window)
    dialog.open()
    qtbot.waitUntil(lambda: dialog.reopen_button.isVisible(), timeout=10_000)
    assert focused() is dialog.reason
    key(qtbot, Qt.Key.Key_Return)  # no reason: refused, still closed
    qtbot.waitUntil(lambda: "理由" in dialog.error.text(), timeout=10_000)
    assert store.db.execute("SELECT COUNT(*) FROM day_closes").fetchone()[0] == 1
    type_text(qtbot, dialog.reason, "误操作，下午仍有群众排队")
    with qtbot.waitSignal(dialog.reopened, timeout=10_000):
        key(qtbot, Qt.Key.Key_Return)
    assert store.db.execute("SELECT COUNT(*) FROM day_closes").fetchone()[0] == 0
    qtbot.waitUntil(lambda: focused() is dialog.typed, timeout=10_000)
    dialog.close()


def test_delivery_then_a_bad_rating_by_keyboard(qtbot: QtBot, ws: Workspace) -> None:
    from counter_app.ui.deliver_dialog import DeliverDialog
    from counter_app.ui.evaluation_dialog import EvaluationDialog

    store = ws.app.store
    app_id, number, id_number = store.db.execute(
        "SELECT id, acceptance_no, coalesce(agent_id_number, id_number)"
        " FROM applications WHERE status = 'result_ready'"
        " ORDER BY acceptance_no LIMIT 1"
    ).fetchone()
    open_by_number(qtbot, ws, number)
    detail = ws.window.detail
    key(qtbot, Qt.Key.Key_D, ALT)  # 出件(&D)
    dialog = active_dialog(qtbot, ws, DeliverDialog)
    assert isinstance(dialog, DeliverDialog)
    assert focused() is dialog.recipient_id  # the receiver's ID, name filled
    qtbot.keyClicks(focused(), id_number)
    with qtbot.waitSignal(detail.changed, timeout=10_000):
        key(qtbot, Qt.Key.Key_Return)
    paper = next(d for d in detail.findChildren(DocumentDialog) if d.kind == "delivery")
    qtbot.waitUntil(lambda: QApplication.activeWindow() is paper, timeout=10_000)
    key(qtbot, Qt.Key.Key_Escape)
    back_to_window(qtbot, ws)
    qtbot.waitUntil(
        lambda: detail.view is not None and detail.view.record["status"] == "delivered",
        timeout=10_000,
    )
    assert focused() is detail or detail.isAncestorOf(focused())

    key(qtbot, Qt.Key.Key_E, ALT)  # 评价(&E)
    rating = active_dialog(qtbot, ws, EvaluationDialog)
    assert isinstance(rating, EvaluationDialog)
    assert focused() is rating.level_buttons[5] and rating.level() == -1
    key(qtbot, Qt.Key.Key_Space)  # the applicant's choice, read out: 5 …
    assert rating.level() == 5
    for _n in range(3):  # … no, 2 (不满意): arrows move along the stars
        key(qtbot, Qt.Key.Key_Right)
    assert rating.level() == 2 and focused() is rating.level_buttons[2]
    assert rating.follow_up.isEnabled()
    key(qtbot, Qt.Key.Key_F, ALT)  # 差评回访(&F)
    assert focused() is rating.follow_up
    type_text(qtbot, rating.follow_up, "已回访致歉")
    key(qtbot, Qt.Key.Key_Tab)
    assert focused() is rating.ok_button
    with qtbot.waitSignal(detail.changed, timeout=10_000):
        key(qtbot, Qt.Key.Key_Space)
    level, text = store.db.execute(
        "SELECT level, follow_up FROM evaluations WHERE application_id = ?",
        [app_id],
    ).fetchone()
    assert (level, text) == (2, "已回访致歉")
    back_to_window(qtbot, ws)
    assert focused() is detail or detail.isAncestorOf(focused())
