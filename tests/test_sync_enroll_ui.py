"""注册到中心平台 from the window: the 同步 menu opens the dialog for a
supervisor; it enrolls against a real central server, keeps the token in
the (file) keyring, starts syncing, and names each refusal beside its field."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends.fail import Keyring as FailKeyring
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QLineEdit,
    QMainWindow,
    QMenu,
    QWidget,
)
from pytestqt.qtbot import QtBot

from counter_app.services.demo import demo_context
from counter_app.store import settings
from counter_app.store.db import Store
from counter_app.ui.context import AppContext
from counter_app.ui.enroll_dialog import EnrollDialog
from counter_app.ui.integrations import add_sync_menu
from counter_app.ui.sync_status import ServiceSyncStatusProvider
from sync.credentials import SERVICE, load_token
from tests.central_fixtures import CentralServer, free_port
from tests.sync_fixtures import (
    central_fixture,  # noqa: F401
    keyring_home_fixture,  # noqa: F401
)
from tests.ui_context import app_context

pytestmark = [pytest.mark.gui]


@pytest.fixture(name="desk_ctx")
def desk_ctx_fixture(tmp_path: Path, keyring_home: Path) -> Iterator[AppContext]:
    store = Store.open(tmp_path / "desk")
    with app_context(store, tmp_path, "chief01") as ctx:
        yield ctx
    store.close()


def _dialog(qtbot: QtBot, ctx: AppContext) -> EnrollDialog:
    dialog = EnrollDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not ctx.tasks.busy())  # the prefill op
    return dialog


def _submit(
    qtbot: QtBot,
    dialog: EnrollDialog,
    *,
    url: str,
    code: str,
    ca: str = "",
) -> None:
    dialog.server.setText(url)
    dialog.code.setText(code)
    dialog.ca_path.setText(ca)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: not dialog._busy, timeout=20_000)


def _enroll_action(menu: QMenu) -> QAction | None:
    return next((a for a in menu.actions() if a.objectName() == "enrollAction"), None)


def _error(dialog: EnrollDialog, field: str) -> str:
    label = dialog.errors[field]
    return label.text() if label.isVisibleTo(dialog) else ""


@pytest.mark.e2e
def test_menu_enrolls_and_starts_syncing(
    qtbot: QtBot, central: CentralServer, desk_ctx: AppContext, tmp_path: Path
) -> None:
    provider = ServiceSyncStatusProvider(tmp_path / "desk", interval=3600)
    window = QMainWindow()
    qtbot.addWidget(window)
    try:
        menu = add_sync_menu(window, desk_ctx, provider)
        action = _enroll_action(menu)
        assert action is not None and action.isVisible()
        action.trigger()
        dialog = window.findChild(EnrollDialog)
        assert dialog is not None and dialog.isVisible()
        qtbot.waitUntil(lambda: not desk_ctx.tasks.busy())
        shown: list[str] = []
        desk_ctx.messages.info_shown.connect(shown.append)
        code = central.create_desk(site="320102001", window="07")
        dialog.desk_name.setText("综合受理 7 号窗口")
        _submit(qtbot, dialog, url=central.base_url + "/", code=code)
        assert dialog.enrollment is not None
        desk_id = dialog.enrollment.desk_id
        assert dialog.success.isVisibleTo(dialog)
        assert desk_id in dialog.success.text()
        assert any(desk_id in text for text in shown)
        assert not dialog.ok_button.isVisibleTo(dialog)
        db = desk_ctx.store.db
        assert settings.get(db, "desk_id") == desk_id
        assert settings.get(db, "server_url") == central.base_url
        assert settings.get(db, "window_code") == "07"
        assert load_token(desk_id)
        user = desk_ctx.user
        assert user is not None and user.is_supervisor
        assert (user.desk_id, user.window_code) == (desk_id, "07")
        # The enrollment woke the sync service: a round succeeds at once.
        qtbot.waitUntil(
            lambda: provider.snapshot().last_success is not None, timeout=30_000
        )
        assert provider.snapshot().online is True
    finally:
        provider.stop()


@pytest.mark.e2e
def test_refusals_are_shown_beside_their_fields(
    qtbot: QtBot, central: CentralServer, desk_ctx: AppContext, tmp_path: Path
) -> None:
    dialog = _dialog(qtbot, desk_ctx)

    _submit(qtbot, dialog, url="zwfw.example.cn", code="x")
    assert "http://" in _error(dialog, "server_url")

    _submit(qtbot, dialog, url=central.base_url, code="")
    assert "注册码" in _error(dialog, "code")
    assert not _error(dialog, "server_url")  # the earlier error is cleared

    _submit(qtbot, dialog, url=central.base_url, code="NOT-A-CODE")
    assert "注册码无效" in _error(dialog, "code")

    missing = tmp_path / "missing-ca.pem"
    _submit(qtbot, dialog, url=central.base_url, code="x", ca=str(missing))
    assert "找不到 CA 证书文件" in _error(dialog, "ca_cert")

    _submit(qtbot, dialog, url=f"http://127.0.0.1:{free_port()}", code="x")
    assert "连不上中心平台" in _error(dialog, "server_url")

    # Input stays as typed; nothing was written.
    assert dialog.code.text() == "x"
    assert settings.get(desk_ctx.store.db, "desk_id") == ""
    assert dialog.ok_button.isEnabled()


@pytest.mark.e2e
def test_no_keyring_is_said_plainly_and_nothing_is_kept(
    qtbot: QtBot, central: CentralServer, desk_ctx: AppContext
) -> None:
    dialog = _dialog(qtbot, desk_ctx)
    code = central.create_desk(site="320102001", window="08")
    previous = keyring.get_keyring()
    keyring.set_keyring(FailKeyring())
    try:
        _submit(qtbot, dialog, url=central.base_url, code=code)
    finally:
        keyring.set_keyring(previous)
    assert "没有可用的系统密钥环" in dialog.general_error.text()
    assert dialog.enrollment is None
    assert settings.get(desk_ctx.store.db, "desk_id") == ""


def test_clerk_neither_sees_nor_can_use_it(qtbot: QtBot, desk_ctx: AppContext) -> None:
    desk_ctx.user = demo_context(desk_ctx.store, "clerk01")
    window = QMainWindow()
    qtbot.addWidget(window)
    menu = add_sync_menu(window, desk_ctx, provider=_NoSync())
    action = _enroll_action(menu)
    assert action is not None and not action.isVisible()
    dialog = _dialog(qtbot, desk_ctx)
    assert not dialog.ok_button.isEnabled()
    assert "负责人" in dialog.general_error.text()
    dialog.submit()  # even if reached another way, nothing is sent
    assert not dialog._busy
    assert "负责人" in dialog.general_error.text()
    assert keyring.get_password(SERVICE, "anything") is None


class _NoSync:
    """A provider without ``sync_now`` (the menu's stand-in case)."""


def test_every_control_has_an_accessible_name(
    qtbot: QtBot, desk_ctx: AppContext
) -> None:
    dialog = _dialog(qtbot, desk_ctx)
    unnamed = [
        type(w).__name__
        for w in dialog.findChildren(QWidget)
        if isinstance(w, (QAbstractButton, QLineEdit))
        and w.isVisibleTo(dialog)
        and not w.accessibleName()
    ]
    assert unnamed == []
