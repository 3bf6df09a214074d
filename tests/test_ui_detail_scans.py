"""The detail's 扫描件 part: the hot folder feeds the selected material, and
the materials table counts scans without touching the stored states."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from counter_app.services import materials
from counter_app.services.intake import MaterialState
from counter_app.ui.detail import SCANS, DetailView
from counter_app.ui.detail_scans import LatestSettingTarget, stop_hot_folder
from counter_app.ui.scan.hotfolder_service import HotFolderService
from tests.ui_scan_fixtures import Case, case_fixture, idle, write_samples

__all__ = ["case_fixture"]
pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


@pytest.fixture(name="detail")
def detail_fixture(case: Case, qtbot: QtBot) -> Iterator[DetailView]:
    view = DetailView(case.app)
    qtbot.addWidget(view)
    view.load(case.application_id)
    qtbot.waitUntil(lambda: view.current_id() == case.application_id, timeout=10_000)
    idle(qtbot, case.app)
    yield view
    stop_hot_folder(case.app)


def _row_of(view: DetailView, key: str) -> int:
    assert view.view is not None
    keys = [m["material_key"] for m in view.view.record["materials"]]
    return keys.index(key)


def _count_cell(view: DetailView, row: int) -> str:
    item = view.materials.item(row, SCANS)
    return "" if item is None else item.text()


def test_hot_folder_in_the_detail_feeds_the_selected_material(
    case: Case, qtbot: QtBot, detail: DetailView, tmp_path: Path
) -> None:
    service = case.app.extras["hot_folder"]
    assert isinstance(service, HotFolderService)
    assert isinstance(service.target_getter, LatestSettingTarget)
    service.interval_s = 0.05
    # A second detail view (a rebuilt window) shares the one watcher.
    other = DetailView(case.app)
    qtbot.addWidget(other)
    assert other.scans.service is service
    assert service.target_getter.setting is other.hot_folder
    service.target_getter.setting = detail.hot_folder

    hot = tmp_path / "hot"
    hot.mkdir()
    detail.hot_folder.path.setText(str(hot))
    with qtbot.waitSignal(service.started, timeout=5000):
        detail.hot_folder.save()
    assert service.running() and service.folder == hot
    assert detail.hot_folder.current_target() is None  # paused until chosen

    row = _row_of(detail, case.material_key)
    detail.materials.setCurrentCell(row, 0)
    target = detail.hot_folder.current_target()
    assert target is not None
    assert (target.application_id, target.material_key) == (
        case.application_id,
        case.material_key,
    )
    assert detail.hot_folder.material.currentData() == case.material_key

    shutil.copy(write_samples(tmp_path)["page1.png"], hot / "scan0001.png")
    qtbot.waitUntil(lambda: detail.files.list.count() == 1, timeout=10_000)
    [stored] = materials.list_files(
        case.app.store, case.application_id, material_key=case.material_key
    )
    assert stored.original_name == "scan0001.png" and stored.source == "hot_folder"
    assert (hot / "done" / "scan0001.png").exists()
    qtbot.waitUntil(lambda: _count_cell(detail, row) == "1", timeout=5000)

    # Another application shown: the folder pauses instead of filing there.
    detail.scans.show_record({"id": "x", "materials": [], "origin": "local"})
    assert detail.hot_folder.current_target() is None


def test_scan_count_column_follows_files_but_not_the_stored_state(
    case: Case, qtbot: QtBot, detail: DetailView, tmp_path: Path
) -> None:
    store = case.app.store
    # Mark the material as missing in the stored record (as decided at the
    # window), then reload the detail.
    with store.transaction() as db:
        db.execute(
            "UPDATE application_materials SET state = ? WHERE application_id = ?"
            " AND material_key = ?",
            [MaterialState.MISSING.value, case.application_id, case.material_key],
        )
    detail.load(case.application_id)
    idle(qtbot, case.app)
    row = _row_of(detail, case.material_key)
    assert _count_cell(detail, row) == ""

    detail.materials.setCurrentCell(row, 0)
    idle(qtbot, case.app)
    samples = write_samples(tmp_path)
    with qtbot.waitSignal(detail.files.files_changed, timeout=10_000):
        detail.files.import_paths([samples["page1.png"], samples["page2.jpg"]])
    qtbot.waitUntil(lambda: _count_cell(detail, row) == "2", timeout=10_000)
    item = detail.materials.item(row, SCANS)
    assert item is not None and "补正" in item.toolTip()
    state = store.db.execute(
        "SELECT state FROM application_materials WHERE application_id = ?"
        " AND material_key = ?",
        [case.application_id, case.material_key],
    ).fetchone()[0]
    assert state == MaterialState.MISSING.value  # nothing automatic
    status = detail.materials.item(row, 1)
    assert status is not None and status.text() == "缺少"

    # Counts are read from the store when the record is shown again.
    detail.load(case.application_id)
    qtbot.waitUntil(lambda: _count_cell(detail, row) == "2", timeout=10_000)
