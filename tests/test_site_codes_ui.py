"""站点和窗口代码… (同步 menu, supervisors): a desk not enrolled yet shows
its provisional code and takes the real codes before its first number; the
enrollment dialog sends the prefixes used so far to the real platform."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from counter_app.services import site
from counter_app.services.demo import demo_context
from counter_app.store import settings
from counter_app.store.db import Store
from counter_app.ui.context import AppContext
from counter_app.ui.enroll_dialog import EnrollDialog
from counter_app.ui.integrations import add_sync_menu
from counter_app.ui.site_dialog import SiteDialog
from tests.central_fixtures import CentralServer
from tests.sync_fixtures import (
    central_db,
    central_fixture,  # noqa: F401
    keyring_home_fixture,  # noqa: F401
)
from tests.test_provisional_prefix import _accept
from tests.ui_context import app_context

pytestmark = [pytest.mark.gui]


@pytest.fixture(name="desk_ctx")
def desk_ctx_fixture(tmp_path: Path, keyring_home: Path) -> Iterator[AppContext]:
    store = Store.open(tmp_path / "desk")
    with app_context(store, tmp_path, "chief01") as ctx:
        yield ctx
    store.close()


class _NoSync:
    pass


def _action(menu: object, name: str) -> object:
    return next(a for a in menu.actions() if a.objectName() == name)  # type: ignore[attr-defined]


def test_supervisor_sets_the_codes_from_the_menu(
    qtbot: QtBot, desk_ctx: AppContext
) -> None:
    provisional = settings.get(desk_ctx.store.db, "site_code")
    window = QMainWindow()
    qtbot.addWidget(window)
    menu = add_sync_menu(window, desk_ctx, provider=_NoSync())
    action = _action(menu, "siteCodesAction")
    assert action.isVisible()  # type: ignore[attr-defined]
    action.trigger()  # type: ignore[attr-defined]
    dialog = window.findChild(SiteDialog)
    assert dialog is not None and dialog.isVisible()
    assert provisional in dialog.note.text() and "临时代码" in dialog.note.text()
    assert dialog.site.text() == "" and dialog.window_code.text() == "01"
    dialog.site.setText("Z1234ABCD")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: dialog.errors["site_code"].isVisibleTo(dialog))
    assert "临时代码" in dialog.errors["site_code"].text()
    assert settings.get(desk_ctx.store.db, "site_code") == provisional
    shown: list[str] = []
    desk_ctx.messages.info_shown.connect(shown.append)
    dialog.site.setText("330106001")
    dialog.window_code.setText("02")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert settings.get(desk_ctx.store.db, "site_code") == "330106001"
    assert settings.get(desk_ctx.store.db, "window_code") == "02"
    user = desk_ctx.user
    assert user is not None and (user.site_code, user.window_code) == (
        "330106001",
        "02",
    )
    assert any("330106001" in text for text in shown)


def test_clerks_do_not_see_it_and_enrolled_desks_cannot_change(
    qtbot: QtBot, desk_ctx: AppContext
) -> None:
    desk_ctx.user = demo_context(desk_ctx.store, "clerk01")
    window = QMainWindow()
    qtbot.addWidget(window)
    menu = add_sync_menu(window, desk_ctx, provider=_NoSync())
    assert not _action(menu, "siteCodesAction").isVisible()  # type: ignore[attr-defined]
    desk_ctx.user = replace(
        demo_context(desk_ctx.store, "chief01"),
        site_code="330106001",
        desk_id="d-1",
    )
    dialog = SiteDialog(desk_ctx)
    qtbot.addWidget(dialog)
    assert "已注册" in dialog.note.text()
    assert dialog.site.isReadOnly() and not dialog.ok_button.isEnabled()


@pytest.mark.e2e
def test_enroll_dialog_sends_the_prefixes_used(
    qtbot: QtBot, central: CentralServer, desk_ctx: AppContext
) -> None:
    number = _accept(desk_ctx.store)
    provisional = site.current(desk_ctx.store.db).site_code
    assert number.startswith(provisional)
    dialog = EnrollDialog(desk_ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not desk_ctx.tasks.busy())
    dialog.server.setText(central.base_url)
    dialog.code.setText(central.create_desk(site="330106001", window="04"))
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: dialog.enrollment is not None, timeout=20_000)
    conn = central_db(central)
    rows = conn.execute("SELECT site_code, window_code, desk_id FROM desk_prefixes")
    recorded = [tuple(r) for r in rows]
    conn.close()
    assert recorded == [(provisional, "01", dialog.enrollment.desk_id)]
