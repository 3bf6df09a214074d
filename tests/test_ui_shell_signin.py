"""Sign-in, idle lock, switch user — real widgets, offscreen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from counter_app.services.demo import DEMO_PASSWORD, demo_context, seed_users
from counter_app.services.setup import ensure_seeded
from counter_app.store.db import Store
from counter_app.ui.context import AppContext
from counter_app.ui.signin import SignInDialog
from counter_app.ui.workspace import Workspace
from tests.ui_context import app_context

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


@pytest.fixture
def users_store() -> Iterator[Store]:
    s = Store.memory()
    ensure_seeded(s)
    seed_users(s)
    yield s
    s.close()


@pytest.fixture
def app_ctx(users_store: Store, tmp_path: Path) -> Iterator[AppContext]:
    with app_context(users_store, tmp_path, None, seed=False) as ctx:
        yield ctx


def _type_and_submit(qtbot: QtBot, dialog: SignInDialog, user: str, pw: str) -> None:
    dialog.username.clear()
    qtbot.keyClicks(dialog.username, user)
    qtbot.keyClick(dialog.username, Qt.Key.Key_Return)
    assert dialog.focusWidget() is dialog.password
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, pw)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)


def test_sign_in_good_and_bad_password(qtbot: QtBot, app_ctx: AppContext) -> None:
    dialog = SignInDialog(app_ctx.store, app_ctx.tasks, mode="start")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    _type_and_submit(qtbot, dialog, "clerk01", "wrong-password")
    qtbot.waitUntil(lambda: "不正确" in dialog.error_label.text())
    assert dialog.isVisible()
    assert dialog.result() == 0
    with qtbot.waitSignal(dialog.signed_in, timeout=10_000) as blocker:
        _type_and_submit(qtbot, dialog, "clerk01", DEMO_PASSWORD)
    ctx = blocker.args[0]
    assert ctx.username == "clerk01" and ctx.role == "clerk"
    assert ctx.site_code and ctx.window_code
    assert dialog.result() == SignInDialog.DialogCode.Accepted


def test_supervisor_role(qtbot: QtBot, app_ctx: AppContext) -> None:
    dialog = SignInDialog(app_ctx.store, app_ctx.tasks)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.signed_in, timeout=10_000) as blocker:
        _type_and_submit(qtbot, dialog, "chief01", DEMO_PASSWORD)
    assert blocker.args[0].is_supervisor


def _workspace(qtbot: QtBot, app_ctx: AppContext, minutes: int = 10) -> Workspace:
    app_ctx.user = demo_context(app_ctx.store, "clerk01")
    ws = Workspace(app_ctx, idle_lock_minutes=minutes)
    qtbot.addWidget(ws.window)
    ws.show()
    qtbot.waitExposed(ws.window)
    return ws


def test_idle_lock_and_unlock_keep_state(qtbot: QtBot, app_ctx: AppContext) -> None:
    ws = _workspace(qtbot, app_ctx)
    ws.window.find_applications()
    ws.window.list_panel.search.insert("王")  # QTest types ASCII only
    ws.idle.set_timeout_ms(1000)
    qtbot.waitUntil(lambda: ws.locked, timeout=5000)
    dialog = ws.lock_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.username.text() == "clerk01"
    assert not dialog.cancel_button.isVisible()
    # the work is hidden behind the lock, not closed
    assert not ws.window.list_panel.isVisible()
    assert ws.window.locked_label.isVisible()
    dialog.reject()  # Esc / close cannot get around the lock
    assert dialog.isVisible()
    qtbot.keyClicks(dialog.password, "nope-nope")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "不正确" in dialog.error_label.text(), timeout=10_000)
    assert ws.locked
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, DEMO_PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not ws.locked, timeout=10_000)
    assert ws.window.list_panel.isVisible()
    assert ws.window.list_panel.search.text() == "王"
    assert app_ctx.user is not None and app_ctx.user.username == "clerk01"
    ws.close()


def test_lock_shortcut_and_switch_user(qtbot: QtBot, app_ctx: AppContext) -> None:
    ws = _workspace(qtbot, app_ctx)
    ws.window.lock_action.trigger()
    assert ws.locked
    dialog = ws.lock_dialog
    assert dialog is not None
    # another user may sign in at the lock screen: that is a switch of user
    _type_and_submit(qtbot, dialog, "clerk02", DEMO_PASSWORD)
    qtbot.waitUntil(lambda: not ws.locked, timeout=10_000)
    assert app_ctx.user is not None and app_ctx.user.username == "clerk02"
    assert "李𠮷祥" in ws.window.user_label.text()

    ws.window.switch_action.trigger()
    switch = ws.switch_dialog
    assert switch is not None and switch.isVisible()
    assert switch.cancel_button.text() == "取消"
    with qtbot.waitSignal(switch.signed_in, timeout=10_000):
        _type_and_submit(qtbot, switch, "chief01", DEMO_PASSWORD)
    assert app_ctx.user.username == "chief01"
    assert "张堃" in ws.window.windowTitle()
    assert ws.window.isVisible()
    ws.close()


def test_lock_keeps_the_intake_form(qtbot: QtBot, app_ctx: AppContext) -> None:
    from counter_app.services.intake import Applicant

    ws = _workspace(qtbot, app_ctx)
    intake = ws.window.intake
    if not hasattr(intake, "applicant"):
        pytest.skip("the intake form is not installed")
    ws.window.tabs.setCurrentIndex(0)
    intake.applicant.set_applicant(Applicant(name="李𠮷", phone="13912345678"))
    ws.lock()
    dialog = ws.lock_dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.password, DEMO_PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not ws.locked, timeout=10_000)
    assert ws.window.intake is intake
    assert intake.applicant.applicant().name == "李𠮷"
    assert intake.applicant.applicant().phone == "13912345678"
    ws.close()
