"""The window's 叫号 panel on real widgets: call, recall, skip, transfer;
the ticket stored with the decided application; the pad asked to rate."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from pytestqt.qtbot import QtBot

from counter_app.hall import config as hall_config
from counter_app.hall.local_queue import LocalQueue
from counter_app.hall.service import ticket_of
from counter_app.i18n import set_language
from counter_app.services.demo import demo_context
from counter_app.store.db import Store
from counter_app.ui.context import AppContext
from counter_app.ui.hall_panel import HallPanel
from tests.central_fixtures import free_port
from tests.hall_fixtures import accept_one
from tests.ui_context import app_context

pytestmark = [pytest.mark.gui]


@pytest.fixture
def app_ctx(tmp_path: Path) -> Iterator[AppContext]:
    store = Store.memory()
    with app_context(store, tmp_path) as ctx:
        yield ctx
    store.close()


def _panel(qtbot: QtBot, app: AppContext) -> HallPanel:
    panel = HallPanel(app)
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: panel.next_button.isEnabled())
    return panel


def test_call_recall_skip_transfer(qtbot: QtBot, app_ctx: AppContext) -> None:
    hall_config.save(app_ctx.store, {"hall.window_types": "A,B"})
    queue = LocalQueue(app_ctx.store)
    a, b, c = queue.issue("A"), queue.issue("B"), queue.issue("C")
    panel = _panel(qtbot, app_ctx)
    assert "本机排队" in panel.source_label.text()
    assert not panel.recall_button.isEnabled()  # nothing called yet
    with qtbot.waitSignal(panel.called) as called:
        panel.next_button.click()
    assert called.args == [a.number]
    qtbot.waitUntil(lambda: panel.recall_button.isEnabled())
    panel.recall_button.click()
    qtbot.waitUntil(lambda: panel.history.toPlainText().count(a.number) == 2)
    assert f"请 {a.number} 号到 01 号窗口办理" in panel.history.toPlainText()
    qtbot.waitUntil(lambda: panel.skip_button.isEnabled())
    panel.skip_button.click()
    qtbot.waitUntil(lambda: panel.ticket_label.text() == "—")

    with qtbot.waitSignal(panel.called) as called:
        panel.next_button.click()
    assert called.args == [b.number]
    qtbot.waitUntil(lambda: panel.transfer_button.isEnabled())
    with qtbot.waitSignal(app_ctx.messages.warning_shown):
        panel.transfer_button.click()  # no window given
    panel.transfer_edit.setText("02")
    panel.transfer_button.click()
    qtbot.waitUntil(lambda: panel.current is None and panel.next_button.isEnabled())
    moved = queue.call_next(window_code="02", types=[])
    assert moved is not None and moved.number == b.number
    # C is not served at this window
    with qtbot.waitSignal(app_ctx.messages.info_shown) as info:
        panel.next_button.click()
    assert info.args == ["目前没有等候的号码。"]
    assert c.number not in panel.history.toPlainText()


def test_decision_stores_the_ticket_and_asks_the_pad(
    qtbot: QtBot, app_ctx: AppContext
) -> None:
    port = free_port()
    hall_config.save(
        app_ctx.store, {"hall.port": str(port), "hall.bind_host": "127.0.0.1"}
    )
    ticket = LocalQueue(app_ctx.store).issue("A")
    panel = _panel(qtbot, app_ctx)
    try:
        qtbot.waitUntil(lambda: panel.pad is not None)
        assert panel.pad is not None
        url = f"http://127.0.0.1:{port}/pad?t={panel.pad.token}"
        assert url in panel.pad_label.text()
        with qtbot.waitSignal(panel.called):
            panel.next_button.click()
        user = app_ctx.require_user()
        result = accept_one(app_ctx.store, user)
        panel.decided([result])
        qtbot.waitUntil(
            lambda: panel.pad is not None and panel.pad.pending() is not None
        )
        app_ctx.tasks.wait()
        row = ticket_of(app_ctx.store, result.application_id)
        assert row is not None and row["ticket_no"] == ticket.number
        pending = panel.pad.pending()
        assert pending is not None and pending.acceptance_no == result.acceptance_no
        base = f"http://127.0.0.1:{port}/api/pad"
        state = requests.get(base, params={"t": panel.pad.token}, timeout=5).json()
        assert state["request"]["item_name"] == "居住证申领"
        body = {"t": panel.pad.token, "request_id": pending.request_id, "level": 5}
        with qtbot.waitSignal(panel.pad_outcome) as outcome:
            answer = requests.post(base + "/rate", json=body, timeout=5)
            assert answer.status_code == 200, answer.text
        assert outcome.args[0].level == 5
        level, channel = app_ctx.store.db.execute(
            "SELECT level, channel FROM evaluations WHERE application_id = ?",
            [result.application_id],
        ).fetchone()
        assert (level, channel) == (5, "pad_web")
    finally:
        panel.shutdown()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/pad", timeout=2)


def test_settings_dialog_saves_for_a_supervisor_and_shows_the_pairing_qr(
    qtbot: QtBot, app_ctx: AppContext, tmp_path: Path
) -> None:
    port = free_port()
    hall_config.save(
        app_ctx.store, {"hall.port": str(port), "hall.bind_host": "127.0.0.1"}
    )
    panel = _panel(qtbot, app_ctx)
    try:
        qtbot.waitUntil(lambda: panel.server is not None)
        panel.settings_button.click()
        dialog = panel.settings_dialog
        assert dialog.isVisible()
        pixmap = dialog.pairing.pixmap()
        assert not pixmap.isNull()
        png = tmp_path / "pair.png"
        assert pixmap.save(str(png))
        if shutil.which("zbarimg") is None:
            pytest.skip("zbarimg not installed (apt zbar-tools)")
        decoded = subprocess.run(
            ["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True
        )
        assert panel.server is not None
        assert decoded.stdout.strip() == panel.server.url("pad")

        # a clerk may look but not change
        dialog.types.setText("B")
        dialog.ok_button.click()
        qtbot.waitUntil(lambda: "负责人" in dialog.general_error.text())
        assert hall_config.load(app_ctx.store).window_types == ["A"]

        app_ctx.user = demo_context(app_ctx.store, "chief01")
        dialog.types.setText("b, c")
        dialog.ok_button.click()
        qtbot.waitUntil(lambda: not dialog.isVisible())
        qtbot.waitUntil(
            lambda: panel.config is not None and panel.config.window_types == ["B", "C"]
        )
        qtbot.waitUntil(lambda: panel.server is not None)
    finally:
        panel.shutdown()


@pytest.mark.qt_log_ignore("qt.multimedia", "pipewire")
def test_calls_are_spoken_in_the_interface_language_else_chimed(
    qtbot: QtBot, app_ctx: AppContext
) -> None:
    """Qt's own "mock" engine has English voices only: an English desk
    speaks the call, a Chinese one chimes."""
    from PySide6.QtTextToSpeech import QTextToSpeech

    if "mock" not in QTextToSpeech.availableEngines():
        pytest.skip("Qt's mock text-to-speech engine is not installed")
    hall_config.save(app_ctx.store, {"hall.voice": "mock"})
    queue = LocalQueue(app_ctx.store)
    queue.issue("A")
    queue.issue("A")
    panel = _panel(qtbot, app_ctx)
    assert panel.voice is not None and panel.voice.tts is not None
    with qtbot.waitSignal(panel.called):
        panel.next_button.click()
    assert panel.last_announcement == "chime"  # no Chinese voice
    set_language("en")
    qtbot.waitUntil(lambda: panel.next_button.isEnabled())
    with qtbot.waitSignal(panel.voice.tts.stateChanged) as spoken:
        panel.next_button.click()
    assert spoken.args == [QTextToSpeech.State.Speaking]
    assert panel.last_announcement == "speech"


def test_a_rebuilt_window_keeps_the_ticket_and_the_pad(
    qtbot: QtBot, app_ctx: AppContext
) -> None:
    from counter_app.ui.workspace import Workspace

    port = free_port()
    hall_config.save(
        app_ctx.store, {"hall.port": str(port), "hall.bind_host": "127.0.0.1"}
    )
    ticket = LocalQueue(app_ctx.store).issue("A")
    ws = Workspace(app_ctx, idle_lock_minutes=0)
    ws.show()
    panel = ws.window.queue
    qtbot.waitUntil(lambda: panel.server is not None and panel.next_button.isEnabled())
    with qtbot.waitSignal(panel.called):
        panel.next_button.click()
    ws.rebuild()  # as after a language switch
    fresh = ws.window.queue
    assert fresh is not panel and panel.server is None
    qtbot.waitUntil(
        lambda: fresh.server is not None and fresh.recall_button.isEnabled()
    )
    assert fresh.current is not None and fresh.current.number == ticket.number
    assert fresh.ticket_label.text() == ticket.number
    assert requests.get(f"http://127.0.0.1:{port}/pad", timeout=5).status_code == 200
    ws.close()
    qtbot.waitUntil(lambda: fresh.server is None)
