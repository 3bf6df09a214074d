"""The scan dialog against the real SANE ``test`` backend."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from counter_app.scanning import sane
from counter_app.services import materials
from counter_app.ui.scan.files_panel import MaterialFilesPanel
from counter_app.ui.scan.scan_dialog import ADF, ScanDialog
from tests.ui_scan_fixtures import Case, case_fixture, idle, sane_env_fixture

__all__ = ["case_fixture", "sane_env_fixture"]
pytestmark = pytest.mark.gui


def dialog_for(case: Case, qtbot: QtBot, env: dict[str, str]) -> ScanDialog:
    dialog = ScanDialog(
        case.app,
        application_id=case.application_id,
        material_key=case.material_key,
        material_name=case.material_name,
        sane_env=env,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


@pytest.mark.e2e
def test_scans_one_page_into_the_material(
    case: Case, qtbot: QtBot, sane_env: dict[str, str]
) -> None:
    dialog = dialog_for(case, qtbot, sane_env)
    qtbot.waitUntil(dialog.can_scan, timeout=20_000)
    assert dialog.device.currentData() == "test:0"
    assert dialog.source.findData(ADF) >= 0
    dialog.resolution.setCurrentIndex(0)  # 150 dpi keeps the test page small
    with qtbot.waitSignal(dialog.attached, timeout=60_000) as blocker:
        qtbot.mouseClick(dialog.scan_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].errors == []
    idle(qtbot, case.app)
    [row] = materials.list_files(
        case.app.store, case.application_id, material_key=case.material_key
    )
    assert row.source == "sane" and row.mime == "image/png"


@pytest.mark.e2e
def test_cancel_stops_a_feeder_batch(
    case: Case, qtbot: QtBot, sane_env: dict[str, str]
) -> None:
    dialog = dialog_for(case, qtbot, sane_env)
    qtbot.waitUntil(dialog.can_scan, timeout=20_000)
    dialog.source.setCurrentIndex(dialog.source.findData(ADF))
    dialog.resolution.setCurrentIndex(2)
    dialog.start_scan()
    assert not dialog.can_scan()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # cancels, does not close
    qtbot.waitUntil(lambda: "取消" in dialog.status.text() and dialog.token is None,
                    timeout=30_000)  # fmt: skip
    assert dialog.isVisible()
    idle(qtbot, case.app)
    assert materials.list_files(case.app.store, case.application_id) == []


def test_without_devices_the_reason_is_shown(
    case: Case, qtbot: QtBot, tmp_path: Path
) -> None:
    config = tmp_path / "empty.d"
    config.mkdir()
    (config / "dll.conf").write_text("", "utf-8")
    dialog = dialog_for(case, qtbot, {"SANE_CONFIG_DIR": str(config)})
    reason = sane.unavailable_reason() or "未检测到扫描仪"
    qtbot.waitUntil(lambda: reason in dialog.status.text(), timeout=20_000)
    assert not dialog.can_scan()
    idle(qtbot, case.app)


@pytest.mark.e2e
def test_panel_scan_button_opens_dialog_and_shows_page(
    case: Case, qtbot: QtBot, sane_env: dict[str, str]
) -> None:
    panel = MaterialFilesPanel(case.app, sane_env=sane_env)
    qtbot.addWidget(panel)
    panel.show()
    panel.set_material(case.application_id, case.material_key, case.material_name)
    idle(qtbot, case.app)
    qtbot.mouseClick(panel.buttons["scan"], Qt.MouseButton.LeftButton)
    dialog = panel.scan_dialog
    qtbot.waitUntil(dialog.can_scan, timeout=20_000)
    dialog.resolution.setCurrentIndex(0)
    qtbot.mouseClick(dialog.scan_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=60_000)
    assert panel.rows()[0].source == "sane"
