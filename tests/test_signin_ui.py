"""The window's side of 等保 sign-in: change on first sign-in, the lock screen
under the same lockout, the supervisor's 用户与锁定 dialog. Real widgets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from counter_app import clock
from counter_app.services import users
from counter_app.services.demo import DEMO_PASSWORD, demo_context
from counter_app.store.db import Store
from counter_app.ui.context import AppContext
from counter_app.ui.signin import SignInDialog
from counter_app.ui.supervisor.accounts_dialog import AccountsDialog
from counter_app.ui.workspace import Workspace
from tests.ui_context import app_context

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


@pytest.fixture
def app_ctx(tmp_path: Path) -> Iterator[AppContext]:
    store = Store.memory()
    with app_context(store, tmp_path, None) as ctx:
        yield ctx
    store.close()


class Clock:
    def __init__(self) -> None:
        self.now = clock.now()

    def __call__(self) -> datetime:
        return self.now


def _submit(qtbot: QtBot, dialog: SignInDialog, password: str) -> None:
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, password)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)


def test_first_sign_in_sets_an_own_password(qtbot: QtBot, app_ctx: AppContext) -> None:
    users.add_user(
        app_ctx.store,
        username="clerk05",
        display_name="赵",
        role="clerk",
        password="temp-2026",
    )
    dialog = SignInDialog(app_ctx.store, app_ctx.tasks, mode="start")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.username, "clerk05")
    _submit(qtbot, dialog, "temp-2026")
    qtbot.waitUntil(lambda: dialog.change_part.isVisible(), timeout=10_000)
    assert dialog.changing_password and dialog.result() == 0
    assert dialog.focusWidget() is dialog.new_password
    assert not dialog.password.isEnabled()

    qtbot.keyClicks(dialog.new_password, "mine-2026")
    qtbot.keyClick(dialog.new_password, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.repeat_password, "mine-2027")
    qtbot.keyClick(dialog.repeat_password, Qt.Key.Key_Return)
    assert "不一致" in dialog.error_label.text()

    dialog.new_password.setText("short")
    dialog.repeat_password.setText("short")
    dialog.submit()
    qtbot.waitUntil(lambda: "太短" in dialog.error_label.text(), timeout=10_000)
    assert dialog.change_part.isVisible()

    dialog.new_password.setText("mine-2026")
    dialog.repeat_password.setText("mine-2026")
    with qtbot.waitSignal(dialog.signed_in, timeout=10_000) as blocker:
        dialog.submit()
    assert blocker.args[0].username == "clerk05"
    assert dialog.result() == SignInDialog.DialogCode.Accepted
    user = users.authenticate(app_ctx.store, username="clerk05", password="mine-2026")
    assert not user.must_change


def test_lock_screen_locks_after_five_failures(
    qtbot: QtBot, app_ctx: AppContext
) -> None:
    moved = Clock()
    clock.set_clock(moved)
    app_ctx.user = demo_context(app_ctx.store, "clerk01")
    ws = Workspace(app_ctx, idle_lock_minutes=10)
    qtbot.addWidget(ws.window)
    ws.show()
    ws.lock()
    dialog = ws.lock_dialog
    assert dialog is not None
    for i in range(5):
        _submit(qtbot, dialog, f"wrong-pw{i}")
        qtbot.waitUntil(lambda: dialog.sign_in_button.isEnabled(), timeout=10_000)
    assert "锁定" in dialog.error_label.text()
    _submit(qtbot, dialog, DEMO_PASSWORD)
    qtbot.waitUntil(lambda: dialog.sign_in_button.isEnabled(), timeout=10_000)
    assert ws.locked and "锁定" in dialog.error_label.text()
    moved.now += timedelta(minutes=10)
    _submit(qtbot, dialog, DEMO_PASSWORD)
    qtbot.waitUntil(lambda: not ws.locked, timeout=10_000)
    channels = {
        json.loads(d)["channel"]
        for (d,) in app_ctx.store.db.execute(
            "SELECT detail FROM events WHERE kind = 'sign_in'"
        )
    }
    assert channels == {"unlock"}
    ws.close()


def test_supervisor_unlocks_and_resets_in_the_dialog(
    qtbot: QtBot, app_ctx: AppContext
) -> None:
    store = app_ctx.store
    for _i in range(5):
        with pytest.raises(users.SignInFailed):
            users.authenticate(store, username="clerk01", password="wrong-pw1")
    app_ctx.user = demo_context(store, "chief01")
    dialog = AccountsDialog(app_ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: len(dialog.accounts) == 3, timeout=10_000)

    def state(name: str) -> str:
        row = [a.username for a in dialog.accounts].index(name)
        return dialog.table.item(row, 3).text()

    assert state("clerk01").startswith("已锁定至")
    assert state("clerk02") == "正常"
    dialog.select("clerk01")
    qtbot.mouseClick(dialog.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: state("clerk01") == "正常", timeout=10_000)
    assert "已解锁" in dialog.status_label.text()
    users.authenticate(store, username="clerk01", password=DEMO_PASSWORD)

    dialog.select("clerk02")
    dialog.new_password.setText("temp-2026")
    dialog.repeat_password.setText("temp-2026")
    qtbot.mouseClick(dialog.reset_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: state("clerk02").startswith("临时密码"), timeout=10_000)
    assert users.authenticate(
        store, username="clerk02", password="temp-2026"
    ).must_change
    actors = [
        a
        for (a,) in store.db.execute(
            "SELECT actor FROM events WHERE kind IN"
            " ('account_unlocked', 'password_reset') ORDER BY id"
        )
    ]
    assert actors == ["chief01", "chief01"]


def test_a_clerk_cannot_unlock(qtbot: QtBot, app_ctx: AppContext) -> None:
    app_ctx.user = demo_context(app_ctx.store, "clerk02")
    dialog = AccountsDialog(app_ctx)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: len(dialog.accounts) == 3, timeout=10_000)
    dialog.select("clerk01")
    dialog.unlock()
    qtbot.waitUntil(lambda: "负责人权限" in dialog.status_label.text(), timeout=10_000)
