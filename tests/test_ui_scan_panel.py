"""The material files panel with real widgets, a real store and real files."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from pytestqt.qtbot import QtBot

from counter_app.services import materials
from counter_app.ui.scan.files_panel import MaterialFilesPanel
from tests.ui_scan_fixtures import Case, case_fixture, idle, write_samples

__all__ = ["case_fixture"]
pytestmark = pytest.mark.gui


@pytest.fixture(name="panel")
def panel_fixture(case: Case, qtbot: QtBot) -> MaterialFilesPanel:
    panel = MaterialFilesPanel(case.app)
    qtbot.addWidget(panel)
    panel.resize(700, 500)
    panel.show()
    panel.set_material(case.application_id, case.material_key, case.material_name)
    idle(qtbot, case.app)
    return panel


def db_rows(case: Case) -> list[materials.FileRow]:
    return materials.list_files(
        case.app.store, case.application_id, material_key=case.material_key
    )


def with_icons(panel: MaterialFilesPanel) -> int:
    return sum(
        1
        for i in range(panel.list.count())
        if panel.list.item(i).icon().pixmap(64, 64).toImage().pixelColor(5, 5).name()
        != "#f5f5f5"
    )


def test_import_shows_thumbnails_and_rejects_corrupt_file_by_name(
    case: Case, panel: MaterialFilesPanel, qtbot: QtBot
) -> None:
    samples = write_samples(case.files)
    counts: list[tuple[str, int]] = []
    panel.files_changed.connect(lambda key, n: counts.append((key, n)))
    panel.import_paths(
        [samples["page1.png"], samples["broken.pdf"], samples["page2.jpg"]]
    )
    qtbot.waitUntil(lambda: panel.list.count() == 2, timeout=10_000)
    idle(qtbot, case.app)
    assert [r.original_name for r in db_rows(case)] == ["page1.png", "page2.jpg"]
    assert "broken.pdf" in panel.notice.text()
    assert any("broken.pdf" in w for w in case.seen.warnings)
    assert counts[-1] == (case.material_key, 2)
    qtbot.waitUntil(lambda: with_icons(panel) == 2, timeout=10_000)
    assert not panel.progress.isVisible()


def test_dropping_files_imports_them(
    case: Case, panel: MaterialFilesPanel, qtbot: QtBot
) -> None:
    samples = write_samples(case.files)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(samples["two.pdf"]))])
    drop = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    # Qt delivers drop events only from a real drag session, which offscreen
    # tests cannot start: hand the event to the handler Qt would call.
    panel.list.dropEvent(drop)
    assert drop.isAccepted()
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=10_000)
    [row] = db_rows(case)
    assert row.original_name == "two.pdf" and row.pages == 2
    assert "2 页" in panel.list.item(0).text()


def _import(case: Case, names: list[str]) -> None:
    samples = write_samples(case.files)
    materials.import_files(
        case.app.store, application_id=case.application_id,
        material_key=case.material_key, paths=[samples[n] for n in names],
        actor="clerk01",
    )  # fmt: skip


def test_delete_and_reorder_through_buttons(
    case: Case, panel: MaterialFilesPanel, qtbot: QtBot
) -> None:
    _import(case, ["page1.png", "page2.jpg", "two.pdf"])
    panel.reload()
    qtbot.waitUntil(lambda: panel.list.count() == 3, timeout=10_000)
    panel.list.setCurrentRow(0)
    qtbot.mouseClick(panel.buttons["down"], Qt.MouseButton.LeftButton)
    idle(qtbot, case.app)
    assert [r.original_name for r in db_rows(case)] == [
        "page2.jpg", "page1.png", "two.pdf",
    ]  # fmt: skip
    assert panel.list.current_row().original_name == "page1.png"
    # Del on the list removes the selected page.
    panel.list.setFocus()
    qtbot.keyClick(panel.list, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: panel.list.count() == 2, timeout=10_000)
    assert [r.original_name for r in db_rows(case)] == ["page2.jpg", "two.pdf"]
    panel.list.setCurrentRow(1)
    qtbot.mouseClick(panel.buttons["up"], Qt.MouseButton.LeftButton)
    idle(qtbot, case.app)
    assert [r.original_name for r in db_rows(case)] == ["two.pdf", "page2.jpg"]


def test_rotate_waits_for_confirmation_then_replaces_original(
    case: Case, panel: MaterialFilesPanel, qtbot: QtBot
) -> None:
    _import(case, ["page1.png"])
    panel.reload()
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=10_000)
    [original] = db_rows(case)
    panel.list.setCurrentRow(0)
    qtbot.mouseClick(panel.buttons["rotate"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.list.count() == 2, timeout=10_000)
    idle(qtbot, case.app)
    rows = db_rows(case)
    assert rows[0].id == original.id and rows[1].replaces == original.id
    assert panel.list.current_row().id == rows[1].id  # the turned copy
    assert panel.buttons["confirm"].isEnabled()
    # 撤销 drops the turned copy and keeps the original.
    qtbot.mouseClick(panel.buttons["discard"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=10_000)
    assert [r.id for r in db_rows(case)] == [original.id]
    panel.list.setCurrentRow(0)
    qtbot.mouseClick(panel.buttons["rotate"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.list.count() == 2, timeout=10_000)
    idle(qtbot, case.app)
    qtbot.mouseClick(panel.buttons["confirm"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=10_000)
    idle(qtbot, case.app)
    [kept] = db_rows(case)
    assert kept.id != original.id and kept.rotation == 90
    assert kept.sha256 != original.sha256


def test_replace_puts_new_file_in_place(
    case: Case, panel: MaterialFilesPanel, qtbot: QtBot
) -> None:
    _import(case, ["page1.png", "page2.jpg"])
    panel.reload()
    qtbot.waitUntil(lambda: panel.list.count() == 2, timeout=10_000)
    panel.list.setCurrentRow(0)
    panel.replace_selected(case.files / "two.pdf")
    qtbot.waitUntil(
        lambda: panel.list.count() == 2 and panel.rows()[0].original_name == "two.pdf",
        timeout=10_000,
    )
    assert [r.original_name for r in db_rows(case)] == ["two.pdf", "page2.jpg"]


def test_buttons_need_a_material(case: Case, qtbot: QtBot) -> None:
    panel = MaterialFilesPanel(case.app)
    qtbot.addWidget(panel)
    assert not panel.buttons["import"].isEnabled()
    panel.import_paths([Path("/nonexistent.png")])
    assert not case.app.tasks.busy()


def test_keyboard_moves_and_turns_pages(
    case: Case, panel: MaterialFilesPanel, qtbot: QtBot
) -> None:
    _import(case, ["page1.png", "page2.jpg"])
    panel.reload()
    qtbot.waitUntil(lambda: panel.list.count() == 2, timeout=10_000)
    panel.list.setFocus()
    panel.list.setCurrentRow(0)
    ctrl = Qt.KeyboardModifier.ControlModifier
    qtbot.keyClick(panel.list, Qt.Key.Key_Down, ctrl)
    idle(qtbot, case.app)
    assert [r.original_name for r in db_rows(case)] == ["page2.jpg", "page1.png"]
    qtbot.keyClick(panel.list, Qt.Key.Key_R, ctrl)
    qtbot.waitUntil(lambda: panel.list.count() == 3, timeout=10_000)
    idle(qtbot, case.app)
    assert panel.list.current_row().replaces is not None
    assert "待确认" in panel.list.currentItem().text()
    # Del on a turned copy drops only the copy.
    qtbot.keyClick(panel.list, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: panel.list.count() == 2, timeout=10_000)
    assert len(db_rows(case)) == 2
