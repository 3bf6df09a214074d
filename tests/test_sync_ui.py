"""The sync UI: live status provider, dead letters and conflicts dialogs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from counter_app.services.demo import demo_context
from counter_app.store.db import Store
from counter_app.store.outbox import add_op, decode_payload
from counter_app.ui.conflicts import ConflictsDialog
from counter_app.ui.context import AppContext
from counter_app.ui.dead_letters import DeadLettersDialog
from counter_app.ui.sync_status import ServiceSyncStatusProvider, snapshot_of
from sync.service import SyncStatus
from tests.central_fixtures import CentralServer
from tests.sync_fixtures import (
    central_fixture,  # noqa: F401
    keyring_home_fixture,  # noqa: F401
    make_desk,
)
from tests.ui_context import app_context

pytestmark = pytest.mark.gui


@pytest.fixture(name="app_ctx")
def app_ctx_fixture(tmp_path: Path) -> Iterator[AppContext]:
    store = Store.memory()
    with app_context(store, tmp_path) as ctx:
        yield ctx
    store.close()


def test_snapshot_names_what_needs_a_person() -> None:
    snap = snapshot_of(
        SyncStatus(
            pending_ops=3,
            pending_bytes=10,
            online=True,
            dead_letters=2,
            conflicts=1,
            skew_seconds=-7200,
        )
    )
    assert snap.pending_ops == 3 and snap.online is True
    assert "2 项被中心拒绝" in snap.message
    assert "1 项版本冲突" in snap.message
    assert "120 分钟" in snap.message


@pytest.mark.e2e
def test_live_provider_reports_success_and_result_ready(
    qtbot: QtBot, central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    desk = make_desk(central, tmp_path / "desk", applications=3)
    provider = ServiceSyncStatusProvider(desk.data_dir, interval=3600)
    try:
        qtbot.waitUntil(
            lambda: (
                provider.snapshot().last_success is not None
                and provider.snapshot().pending_ops == 0
            ),
            timeout=30_000,
        )
        assert provider.snapshot().online is True
        with desk.store() as store:
            number = store.db.execute(
                "SELECT acceptance_no FROM applications WHERE status = 'submitted'"
                " LIMIT 1"
            ).fetchone()[0]
        central.cli("set-status", number, "result_ready")
        with qtbot.waitSignal(provider.result_ready, timeout=30_000) as blocker:
            provider.sync_now()
        assert blocker.args[0] == number
        assert "请通知申请人" in blocker.args[1]
    finally:
        provider.stop()
    assert not provider.service.running


def test_dead_letters_dialog_supervisor_discards(
    qtbot: QtBot, app_ctx: AppContext
) -> None:
    with app_ctx.store.transaction() as db:
        op_id = add_op(
            db, entity="bogus", entity_id="x1", base_version=None, payload={"a": 1}
        )
        db.execute(
            "UPDATE outbox SET state = 'rejected', reason = 'unknown entity'"
            " WHERE op_id = ?",
            [op_id],
        )
    dialog = DeadLettersDialog(app_ctx)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1)
    assert "不认识" in dialog.table.item(0, 3).text()
    dialog.table.selectRow(0)
    with qtbot.waitSignal(app_ctx.messages.warning_shown) as warned:
        dialog.discard_selected()
    assert "负责人" in warned.args[0]
    app_ctx.user = demo_context(app_ctx.store, "chief01")
    dialog.table.selectRow(0)
    dialog.discard_selected()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 0)
    kinds = [r[0] for r in app_ctx.store.db.execute("SELECT kind FROM events")]
    assert "sync.dead_letter.discard" in kinds


def test_conflicts_dialog_shows_both_versions_and_keeps_mine(
    qtbot: QtBot, app_ctx: AppContext
) -> None:
    local = {"acceptance_no": "A1", "applicant_name": "张𠮷", "status": "withdrawn"}
    remote = {**local, "status": "in_review", "version": 4}
    with app_ctx.store.transaction() as db:
        db.execute(
            "INSERT INTO conflicts (entity, entity_id, op_id, local, remote,"
            " created_at) VALUES ('application', 'app-1', 'op', ?, ?, 'now')",
            [json.dumps(local, ensure_ascii=False), json.dumps(remote)],
        )
    dialog = ConflictsDialog(app_ctx)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1)
    assert [dialog.table.item(0, c).text() for c in range(3)] == [
        "状态",
        "已撤回",
        "审查中",
    ]
    dialog.keep_button.click()
    qtbot.waitUntil(lambda: dialog.list.count() == 0)
    row = app_ctx.store.db.execute(
        "SELECT base_version, payload FROM outbox WHERE entity_id = 'app-1'"
    ).fetchone()
    assert row[0] == 4 and decode_payload(row[1])["status"] == "withdrawn"
