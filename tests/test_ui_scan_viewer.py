"""The page viewer opens images and PDFs and is driven by the keyboard."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from counter_app.scanning.errors import ProcessingError
from counter_app.ui.scan.files_panel import MaterialFilesPanel
from counter_app.ui.scan.viewer import PageViewer, ViewSource, load_page
from tests.scanning_fixtures import tiff_bytes
from tests.ui_scan_fixtures import Case, case_fixture, idle, write_samples

__all__ = ["case_fixture"]
pytestmark = pytest.mark.gui


def open_viewer(case: Case, qtbot: QtBot, source: ViewSource) -> PageViewer:
    viewer = PageViewer(case.app, source)
    qtbot.addWidget(viewer)
    viewer.resize(600, 700)
    viewer.show()
    qtbot.waitUntil(viewer.has_image, timeout=10_000)
    return viewer


def test_image_zooms_fits_and_turns_by_keyboard(case: Case, qtbot: QtBot) -> None:
    path = write_samples(case.files)["page1.png"]
    viewer = open_viewer(
        case, qtbot, ViewSource(path.read_bytes, "image/png", 1, path.name)
    )
    assert viewer.item.pixmap().width() == 120
    fitted = viewer.zoom
    qtbot.keyClick(viewer.view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert viewer.zoom == pytest.approx(fitted * 1.25)
    assert not viewer.fit
    qtbot.keyClick(viewer.view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(viewer.view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert viewer.zoom == pytest.approx(fitted / 1.25)
    qtbot.keyClick(viewer.view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert viewer.fit and viewer.zoom == pytest.approx(fitted)
    qtbot.keyClick(viewer.view, Qt.Key.Key_R)
    assert viewer.rotation == 90
    assert "旋转 90°" in viewer.status.text()
    qtbot.keyClick(viewer.view, Qt.Key.Key_Escape)
    assert not viewer.isVisible()


def test_pdf_pages_through_with_page_keys(case: Case, qtbot: QtBot) -> None:
    path = write_samples(case.files)["two.pdf"]
    viewer = open_viewer(
        case, qtbot, ViewSource(path.read_bytes, "application/pdf", 2, path.name)
    )
    # A4 at 144 dpi.
    assert viewer.item.pixmap().width() == pytest.approx(1191, abs=2)
    assert not viewer.buttons["prev"].isEnabled()
    qtbot.keyClick(viewer.view, Qt.Key.Key_PageDown)
    assert viewer.page == 1
    qtbot.waitUntil(lambda: 1 in viewer._cache, timeout=10_000)
    assert "第 2 / 2 页" in viewer.status.text()
    assert not viewer.buttons["next"].isEnabled()
    qtbot.keyClick(viewer.view, Qt.Key.Key_PageUp)
    assert viewer.page == 0
    idle(qtbot, case.app)


def test_multipage_tiff_and_unreadable_file(case: Case, tmp_path: Path) -> None:
    assert not load_page(tiff_bytes(3), "three.tif", "image/tiff", 2).isNull()
    broken = b"\x89PNG\r\n\x1a\nrubbish"
    with pytest.raises(ProcessingError, match=r"broken\.png"):
        load_page(broken, "broken.png", "image/png", 0)


def test_enter_on_a_thumbnail_opens_the_viewer(case: Case, qtbot: QtBot) -> None:
    panel = MaterialFilesPanel(case.app)
    qtbot.addWidget(panel)
    panel.show()
    panel.set_material(case.application_id, case.material_key, case.material_name)
    idle(qtbot, case.app)
    panel.import_paths([write_samples(case.files)["page2.jpg"]])
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=10_000)
    panel.list.setFocus()
    panel.list.setCurrentRow(0)
    qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    assert panel.viewer is not None and panel.viewer.isVisible()
    qtbot.waitUntil(panel.viewer.has_image, timeout=10_000)
    assert panel.viewer.item.pixmap().width() == 160
    panel.viewer.reject()
    idle(qtbot, case.app)
