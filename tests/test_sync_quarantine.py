"""A pull never stalls and never drops: changes the desk cannot apply are
quarantined with their reason, the rest of the feed applies, and they are
retried (and released once the cause is gone). Real central server."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from counter_app.services.demo import seed_demo
from counter_app.services.enrollment import (
    enroll,
    request_enrollment,
    save_enrollment,
)
from counter_app.services.setup import ensure_seeded
from counter_app.store.db import Store
from sync import protocol as p
from sync import quarantine
from sync.engine import EngineConfig, SyncReport
from sync.runner import sync_once
from tests.central_fixtures import CentralServer, DeskClient
from tests.sync_fixtures import (
    FAST_RETRY,
    central_fixture,  # noqa: F401
    keyring_home_fixture,  # noqa: F401
    make_desk,
)

pytestmark = pytest.mark.e2e

SITE = "320102001"
UNKNOWN_ITEM = "XK99999001"
KNOWN_ITEM = "XK00101001"


def _sync(data_dir: Path) -> SyncReport:
    return sync_once(data_dir, config=EngineConfig(**FAST_RETRY))  # type: ignore[arg-type]


def _app_op(number: str, item_code: str, name: str) -> dict[str, Any]:
    app_id = str(uuid.uuid4())
    return {
        "op_id": p.new_op_id(),
        "entity": p.ENTITY_APPLICATION,
        "entity_id": app_id,
        "base_version": None,
        "payload": {
            "id": app_id,
            "acceptance_no": number,
            "status": "submitted",
            "item_code": item_code,
            "item_name": "测试事项",
            "applicant_name": name,
            "window_code": "01",
            "site_code": SITE,
        },
        "created_at": "2026-11-23T09:00:00+08:00",
    }


def _feed_row(server: CentralServer, kind: str, body: dict[str, Any]) -> None:
    """A change only a newer platform would write (a kind or a schema this
    desk does not know), straight into the real server's feed."""
    assert server.db_path is not None
    with sqlite3.connect(server.db_path) as conn:
        conn.execute(
            "INSERT INTO changes (kind, site_code, desk_id, origin_desk_id,"
            " entity_id, body, at) VALUES (?, NULL, NULL, NULL, ?, ?, ?)",
            (kind, "x", json.dumps(body, ensure_ascii=False), p.utc_now_iso()),
        )


def _desk_with_early_numbers(central: CentralServer, data_dir: Path) -> str:
    """A desk used before enrollment (numbering under site 320102001 window
    01), enrolled afterwards as window 02 by a version that did not send
    the prefixes it used (so the platform refuses those numbers and another
    desk may take window 01); returns one early number."""
    with Store.open(data_dir) as store:
        seed_demo(store, applications=2, days=1, seed=5)
        number = store.db.execute(
            "SELECT acceptance_no FROM applications WHERE acceptance_no IS NOT NULL"
            " ORDER BY acceptance_no LIMIT 1"
        ).fetchone()[0]
        grant = request_enrollment(
            server_url=central.base_url,
            code=central.create_desk(site=SITE, window="02"),
        )
        save_enrollment(store, grant)
    assert str(number).startswith(SITE + "01")
    return str(number)


def _quarantined(data_dir: Path) -> list[quarantine.QuarantinedChange]:
    with Store.open(data_dir) as store:
        return quarantine.changes(store.db)


def test_pull_quarantines_what_it_cannot_apply_and_applies_the_rest(
    central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    desk_dir = tmp_path / "desk"
    early = _desk_with_early_numbers(central, desk_dir)
    # The first round: its early numbers are refused (another window's
    # prefix), the snapshot arrives.
    first = _sync(desk_dir)
    assert first.ok and first.dead_letters >= 1, first
    with Store.open(desk_dir) as store:
        reasons = {
            str(r[0]).split(":")[0]
            for r in store.db.execute(
                "SELECT reason FROM outbox WHERE state = 'rejected'"
            )
        }
    assert reasons <= {p.REASON_NUMBER_PREFIX, p.REASON_OTHER_SITE}, reasons
    window01: DeskClient = central.enroll(central.create_desk(site=SITE, window="01"))
    fine = window01.new_number()
    results = window01.push(
        _app_op(early, KNOWN_ITEM, "重号申请人"),  # the desk used this number
        _app_op(window01.new_number(), UNKNOWN_ITEM, "未知事项申请人"),
        _app_op(fine, KNOWN_ITEM, "正常申请人"),
    )
    assert [r["result"] for r in results] == ["applied"] * 3
    _feed_row(
        central,
        p.CHANGE_CATALOG_ITEM,
        {"code": "XK_FUTURE", "name": "新格式事项", p.CHANGE_SCHEMA_FIELD: 2},
    )
    central.cli(
        "add-user",
        "later01",
        "--role",
        "clerk",
        "--site",
        SITE,
        "--password-stdin",
        input="later-pass1\n",
    )

    report = _sync(desk_dir)
    assert report.ok, report.error
    assert report.pull is not None and len(report.pull.quarantined) == 3
    held = _quarantined(desk_dir)
    assert sorted((q.reason, q.record) for q in held) == sorted(
        [
            (quarantine.REASON_DUPLICATE_NUMBER, early),
            (quarantine.REASON_UNKNOWN_ITEM, held[1].record),
            (quarantine.REASON_NEWER_SCHEMA, "XK_FUTURE"),
        ]
    )
    by_reason = {q.reason: q for q in held}
    assert by_reason[quarantine.REASON_UNKNOWN_ITEM].detail == UNKNOWN_ITEM
    assert (
        by_reason[quarantine.REASON_UNKNOWN_ITEM].body["record"]["applicant_name"]
        == "未知事项申请人"
    )
    assert by_reason[quarantine.REASON_DUPLICATE_NUMBER].detail == early
    assert "升级" in by_reason[quarantine.REASON_NEWER_SCHEMA].reason_text
    with Store.open(desk_dir) as store:
        db = store.db
        # The rest of the feed applied, past the bad changes.
        remote = {
            r[0]: r[1]
            for r in db.execute(
                "SELECT acceptance_no, applicant_name FROM applications"
                " WHERE origin = 'remote'"
            )
        }
        assert remote == {fine: "正常申请人"}
        assert db.execute("SELECT 1 FROM users WHERE username = 'later01'").fetchone()
        # The desk's own application with that number is untouched.
        own = db.execute(
            "SELECT origin FROM applications WHERE acceptance_no = ?", [early]
        ).fetchone()
        assert own[0] == "local"
        assert not db.execute(
            "SELECT 1 FROM catalog_items WHERE code = 'XK_FUTURE'"
        ).fetchone()

    # The next round retries them: still three rows, one more attempt each.
    again = _sync(desk_dir)
    assert again.ok and again.pull is not None and again.pull.quarantined == []
    assert sorted((q.reason, q.attempts) for q in _quarantined(desk_dir)) == sorted(
        (q.reason, 2) for q in held
    )

    # A catalog update that brings the missing item releases its change.
    root = (
        Path(__file__).resolve().parent.parent / "counter_app" / "resources" / "catalog"
    )
    doc = json.loads((root / "items.json").read_text(encoding="utf-8"))
    extra = json.loads(json.dumps(doc["items"][0]))
    extra.update(code=UNKNOWN_ITEM, name="新增事项")
    doc["items"].append(extra)
    doc["version"] = "2026-12"
    items = tmp_path / "items.json"
    items.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    central.cli("publish-catalog", str(items))
    released = _sync(desk_dir)
    assert released.ok and released.pull is not None
    assert released.pull.released == 1
    assert {q.reason for q in _quarantined(desk_dir)} == {
        quarantine.REASON_DUPLICATE_NUMBER,
        quarantine.REASON_NEWER_SCHEMA,
    }
    with Store.open(desk_dir) as store:
        names = {
            r[0]
            for r in store.db.execute(
                "SELECT applicant_name FROM applications WHERE origin = 'remote'"
            )
        }
    assert names == {"正常申请人", "未知事项申请人"}


def test_unknown_change_kinds_wait_and_a_later_change_supersedes(
    central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    desk_dir = tmp_path / "desk"
    with Store.open(desk_dir) as store:
        ensure_seeded(store)  # the shipped catalog
        enroll(
            store,
            server_url=central.base_url,
            code=central.create_desk(site=SITE, window="02"),
        )
    assert _sync(desk_dir).clean
    window01 = central.enroll(central.create_desk(site=SITE, window="01"))
    _feed_row(central, "window_notice", {"text": "明天停电"})
    op = _app_op(window01.new_number(), UNKNOWN_ITEM, "先未知后已知")
    window01.push(op)
    assert _sync(desk_dir).ok
    assert sorted(q.reason for q in _quarantined(desk_dir)) == [
        quarantine.REASON_UNKNOWN_ITEM,
        quarantine.REASON_UNKNOWN_KIND,
    ]
    # The same application comes again with an item the desk knows: the
    # newer change applies and the quarantined older one is gone.
    fixed = json.loads(json.dumps(op))
    fixed["op_id"] = p.new_op_id()
    fixed["base_version"] = 1
    fixed["payload"]["item_code"] = KNOWN_ITEM
    assert window01.push(fixed)[0]["result"] == "applied"
    assert _sync(desk_dir).ok
    [left] = _quarantined(desk_dir)
    assert (left.reason, left.kind, left.body) == (
        quarantine.REASON_UNKNOWN_KIND,
        "window_notice",
        {"text": "明天停电"},
    )


@pytest.mark.gui
def test_status_bar_counts_and_the_dialog_lists_quarantined_changes(
    qtbot: QtBot, central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    from counter_app.services.demo import demo_context
    from counter_app.ui.app import ui_settings
    from counter_app.ui.context import AppContext
    from counter_app.ui.messages import MessageBridge
    from counter_app.ui.quarantine import QuarantineDialog
    from counter_app.ui.statusbar import SyncStatusWidget
    from counter_app.ui.sync_status import ServiceSyncStatusProvider
    from counter_app.ui.tasks import TaskRunner

    desk = make_desk(central, tmp_path / "desk", site=SITE, window="02", applications=1)
    window01 = central.enroll(central.create_desk(site=SITE, window="01"))
    number = window01.new_number()
    window01.push(_app_op(number, UNKNOWN_ITEM, "未知事项申请人"))

    provider = ServiceSyncStatusProvider(desk.data_dir, interval=3600)
    widget = SyncStatusWidget(provider)
    qtbot.addWidget(widget)
    try:
        qtbot.waitUntil(
            lambda: "1 项中心变更暂未应用" in widget.link_label.toolTip(),
            timeout=30_000,
        )
    finally:
        provider.stop()

    store = Store.open(desk.data_dir)
    tasks = TaskRunner()
    app = AppContext(
        store=store,
        tasks=tasks,
        messages=MessageBridge(),
        settings=ui_settings(tmp_path),
        user=demo_context(store, "clerk01"),
    )
    try:
        dialog = QuarantineDialog(app)
        qtbot.addWidget(dialog)
        qtbot.waitUntil(lambda: dialog.table.rowCount() == 1)
        cells = [dialog.table.item(0, c).text() for c in range(5)]
        assert cells[0] == "其他窗口办件"
        assert cells[1] == number
        assert "事项目录中没有该事项" in cells[2] and UNKNOWN_ITEM in cells[2]
        assert cells[4] == "1"
    finally:
        tasks.wait()
        store.close()
