"""The start-up check reports missing and left-over scan files in words."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from counter_app.services import materials
from counter_app.store.blobstore import BlobStore
from counter_app.ui.scan.startup import StartupFindings, report_startup_check
from tests.ui_scan_fixtures import Case, case_fixture, idle, write_samples

__all__ = ["case_fixture"]
pytestmark = pytest.mark.gui


def test_missing_and_orphan_files_are_reported(case: Case, qtbot: QtBot) -> None:
    samples = write_samples(case.files)
    result = materials.import_files(
        case.app.store, application_id=case.application_id,
        material_key=case.material_key, paths=[samples["page1.png"]],
        actor="clerk01",
    )  # fmt: skip
    [row] = result.attached
    blobs = BlobStore(case.app.store.data_dir, key=case.app.store.key)
    blobs.path_for(row.sha256).unlink()
    blobs.put_bytes(b"left over after a crash")
    found: list[StartupFindings] = []
    report_startup_check(case.app, done=found.append)
    qtbot.waitUntil(lambda: bool(found), timeout=10_000)
    idle(qtbot, case.app)
    number = case.app.store.db.execute(
        "SELECT acceptance_no FROM applications WHERE id = ?", [case.application_id]
    ).fetchone()[0]
    assert len(case.seen.warnings) == 2
    assert number in case.seen.warnings[0] and "page1.png" in case.seen.warnings[0]
    assert "1 个不属于任何办件" in case.seen.warnings[1]


def test_clean_store_says_nothing(case: Case, qtbot: QtBot) -> None:
    found: list[StartupFindings] = []
    finished: list[int] = []
    report_startup_check(
        case.app, done=found.append, finished=lambda: finished.append(len(found))
    )
    qtbot.waitUntil(lambda: bool(finished), timeout=10_000)
    assert found[0].messages() == [] and case.seen.warnings == []
    idle(qtbot, case.app)
    assert finished == [1]  # once, after the scan check had reported


def test_a_damaged_database_is_reported_with_what_to_do(
    case: Case, qtbot: QtBot
) -> None:
    store = case.app.store
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = bytearray(store.path.read_bytes())
    last = len(raw) // 4096 - 1  # a data page, not the schema on page 1
    raw[last * 4096 + 100 : last * 4096 + 164] = bytes(64)
    store.path.write_bytes(bytes(raw))
    finished: list[bool] = []
    report_startup_check(case.app, finished=lambda: finished.append(True))
    qtbot.waitUntil(lambda: bool(case.seen.warnings), timeout=20_000)
    idle(qtbot, case.app)
    assert finished == [True]  # a finding does not keep the memory held
    [warning] = case.seen.warnings
    assert "完整性检查发现问题" in warning and "main.py restore" in warning
