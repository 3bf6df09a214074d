"""The hot folder setting and watcher with a real folder and a real store."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from counter_app.services import materials
from counter_app.services.settings_service import HOT_FOLDER_KEY, get_setting
from counter_app.ui.scan.files_panel import MaterialFilesPanel
from counter_app.ui.scan.hotfolder_service import (
    HotFolderService,
    connect_panel,
    start_hot_folder,
)
from counter_app.ui.scan.hotfolder_setting import HotFolderSetting
from tests.ui_scan_fixtures import Case, case_fixture, idle, write_samples

__all__ = ["case_fixture"]
pytestmark = pytest.mark.gui


@pytest.fixture(name="desk")
def desk_fixture(
    case: Case, qtbot: QtBot, tmp_path: Path
) -> Iterator[tuple[HotFolderSetting, MaterialFilesPanel, HotFolderService, Path]]:
    hot = tmp_path / "hot"
    hot.mkdir()
    setting = HotFolderSetting(case.app)
    qtbot.addWidget(setting)
    panel = MaterialFilesPanel(case.app)
    qtbot.addWidget(panel)
    panel.set_material(case.application_id, case.material_key, case.material_name)
    service = start_hot_folder(case.app, setting.current_target, interval_s=0.05)
    setting.service = service
    connect_panel(service, panel)
    idle(qtbot, case.app)
    yield setting, panel, service, hot
    service.stop()


def test_saving_the_folder_starts_watching_and_files_reach_the_panel(
    case: Case, qtbot: QtBot, desk: tuple, tmp_path: Path
) -> None:
    setting, panel, service, hot = desk
    assert not service.running()  # no folder set yet
    setting.set_materials(
        case.application_id,
        [(case.material_key, case.material_name), ("photo", "照片")],
    )
    setting.choose_material(case.material_key)
    setting.path.setText(str(hot))
    with qtbot.waitSignal(service.started, timeout=5000):
        qtbot.keyClick(setting.path, Qt.Key.Key_Return)
    assert get_setting(case.app.store, HOT_FOLDER_KEY) == str(hot)
    qtbot.waitUntil(lambda: "正在监视" in setting.status.text(), timeout=5000)
    samples = write_samples(tmp_path)
    shutil.copy(samples["page1.png"], hot / "scan0001.png")
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=10_000)
    [row] = materials.list_files(
        case.app.store, case.application_id, material_key=case.material_key
    )
    assert row.original_name == "scan0001.png" and row.source == "hot_folder"
    assert (hot / "done" / "scan0001.png").exists()
    assert any("scan0001.png" in text for text in case.seen.info)
    # A broken file goes to failed/ and its message names it in the panel.
    shutil.copy(samples["broken.pdf"], hot / "scan0002.pdf")
    qtbot.waitUntil(lambda: "scan0002.pdf" in panel.notice.text(), timeout=10_000)
    assert (hot / "failed" / "scan0002.pdf").exists()
    assert panel.list.count() == 1


def test_paused_target_leaves_files_in_place(
    case: Case, qtbot: QtBot, desk: tuple, tmp_path: Path
) -> None:
    setting, panel, service, hot = desk
    setting.set_materials(case.application_id, [(case.material_key, "x")])
    assert setting.current_target() is None  # 暂停 is the first choice
    service.start(hot)
    shutil.copy(write_samples(tmp_path)["page1.png"], hot / "wait.png")
    qtbot.wait(400)
    assert (hot / "wait.png").exists() and panel.list.count() == 0
    setting.choose_material(case.material_key)
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=10_000)
    assert not (hot / "wait.png").exists()


def test_service_reads_the_folder_from_settings(
    case: Case, qtbot: QtBot, tmp_path: Path
) -> None:
    from counter_app.services.settings_service import set_setting

    hot = tmp_path / "saved"
    hot.mkdir()
    set_setting(case.app.store, HOT_FOLDER_KEY, str(hot))
    service = start_hot_folder(case.app, lambda: None, interval_s=0.05)
    try:
        qtbot.waitUntil(service.running, timeout=5000)
        assert service.folder == hot
        assert case.app.extras["hot_folder"] is service
    finally:
        service.stop()
