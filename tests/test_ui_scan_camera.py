"""The document camera dialog with real widgets, a real store and, where the
machine has one, a real camera."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from counter_app.scanning import sources
from counter_app.services import materials
from counter_app.store.blobstore import BlobStore
from counter_app.ui.scan.camera_dialog import CameraDialog
from counter_app.ui.scan.camera_feed import MULTIMEDIA_ERROR
from counter_app.ui.scan.files_panel import MaterialFilesPanel
from tests.ui_scan_fixtures import Case, case_fixture, idle

__all__ = ["case_fixture"]
pytestmark = [
    pytest.mark.gui,
    # FFmpeg backend probing optional libraries (VA-API, PipeWire) on a desk
    # without them; the camera still works through V4L2.
    pytest.mark.qt_log_ignore(
        "Couldn't (load|resolve) .* (library|symbols)",
        # The offscreen platform gives the preview's native video window no
        # handle; on a real display (xcb) it has one.
        r"QBackingStore::flush\(\) called for +QVideoWindow",
    ),
]


def dialog_for(case: Case, qtbot: QtBot) -> CameraDialog:
    dialog = CameraDialog(
        case.app,
        application_id=case.application_id,
        material_key=case.material_key,
        material_name=case.material_name,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def db_rows(case: Case) -> list[materials.FileRow]:
    return materials.list_files(
        case.app.store, case.application_id, material_key=case.material_key
    )


def page(color: str, size: tuple[int, int] = (320, 450)) -> QImage:
    image = QImage(*size, QImage.Format.Format_RGB32)
    image.fill(QColor(color))
    return image


def dominant(image: QImage) -> str:
    color = image.pixelColor(image.width() // 2, image.height() // 2)
    channels = {"red": color.red(), "green": color.green(), "blue": color.blue()}
    return max(channels, key=lambda name: channels[name])


def camera_reason() -> str | None:
    if MULTIMEDIA_ERROR is not None:
        return MULTIMEDIA_ERROR
    return sources.camera_available()


def test_without_camera_the_dialog_says_why_and_cannot_take_pictures(
    case: Case, qtbot: QtBot
) -> None:
    reason = camera_reason()
    if reason is None:
        pytest.skip("this machine has a camera; the no-camera case cannot be shown")
    dialog = dialog_for(case, qtbot)
    assert dialog.status.text() == reason or "QtMultimedia" in dialog.status.text()
    assert "高拍仪" in dialog.status.text() or "摄像" in dialog.status.text()
    assert not dialog.capture_button.isEnabled()
    assert not dialog.done_button.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Space)
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    idle(qtbot, case.app)
    assert dialog.strip.count() == 0 and dialog.isVisible()


def test_the_panel_button_opens_the_camera_dialog(case: Case, qtbot: QtBot) -> None:
    panel = MaterialFilesPanel(case.app)
    qtbot.addWidget(panel)
    panel.show()
    panel.set_material(case.application_id, case.material_key, case.material_name)
    idle(qtbot, case.app)
    button = panel.buttons["camera"]
    assert button.text() == "高拍仪" and button.isEnabled()
    assert "Ctrl+Shift+C" in button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    first = panel.camera_dialog
    qtbot.waitUntil(first.isVisible, timeout=5_000)
    assert case.material_name in first.windowTitle()
    first.reject()
    assert not first.isVisible()
    with qtbot.waitActive(panel):
        panel.activateWindow()
    panel.list.setFocus()
    qtbot.keyClick(panel.list, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)  # fmt: skip
    dialog = panel.camera_dialog
    assert dialog is not first
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    dialog.add_page(page("navy"))
    idle(qtbot, case.app)
    with qtbot.waitSignal(dialog.attached, timeout=10_000):
        qtbot.mouseClick(dialog.done_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=10_000)
    assert panel.rows()[0].source == "camera"


def test_taken_pages_are_attached_one_file_each_in_strip_order(
    case: Case, qtbot: QtBot
) -> None:
    dialog = dialog_for(case, qtbot)
    for color in ("navy", "darkred", "darkgreen"):
        dialog.add_page(page(color))
    assert dialog.strip.count() == 3
    idle(qtbot, case.app)
    assert dialog.done_button.isEnabled()
    dialog.strip.setCurrentRow(1)
    with qtbot.waitActive(dialog):  # shortcuts reach the active window only
        dialog.activateWindow()
    dialog.strip.setFocus()
    qtbot.keyClick(dialog.strip, Qt.Key.Key_Delete)
    assert dialog.strip.count() == 2
    assert [dialog.strip.item(i).text() for i in range(2)] == ["第 1 页", "第 2 页"]
    with qtbot.waitSignal(dialog.attached, timeout=10_000) as blocker:
        qtbot.mouseClick(dialog.done_button, Qt.MouseButton.LeftButton)
    result = blocker.args[0]
    assert result.errors == [] and len(result.attached) == 2
    assert not dialog.isVisible()
    idle(qtbot, case.app)
    rows = db_rows(case)
    assert [(r.source, r.mime) for r in rows] == [("camera", "image/jpeg")] * 2
    assert [r.original_name for r in rows] == ["camera_001.jpg", "camera_002.jpg"]
    blobs = BlobStore(case.app.store.data_dir, key=case.app.store.key)
    stored = [QImage.fromData(blobs.read_bytes(r.sha256)) for r in rows]
    assert [(i.width(), i.height()) for i in stored] == [(320, 450)] * 2
    assert [dominant(i) for i in stored] == ["blue", "green"]  # the red one went


def test_cancel_discards_the_taken_pages(case: Case, qtbot: QtBot) -> None:
    dialog = dialog_for(case, qtbot)
    dialog.add_page(page("navy"))
    idle(qtbot, case.app)
    dialog.add_page(page("darkred", (2400, 3300)))  # still encoding on 取消
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert dialog.strip.count() == 0 and dialog.pages == {}
    idle(qtbot, case.app)
    assert db_rows(case) == []


def test_a_real_camera_takes_a_picture_into_the_material(
    case: Case, qtbot: QtBot
) -> None:
    reason = camera_reason()
    if reason is not None:
        print(f"camera capture test skipped: {reason}")
        pytest.skip(f"no camera device on this machine: {reason}")
    dialog = dialog_for(case, qtbot)
    qtbot.waitUntil(dialog.can_capture, timeout=15_000)
    assert case.app.settings.value("scan/camera") == dialog.device.currentData()
    qtbot.keyClick(dialog, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: dialog.strip.count() == 1, timeout=15_000)
    idle(qtbot, case.app)
    with qtbot.waitSignal(dialog.attached, timeout=15_000):
        qtbot.mouseClick(dialog.done_button, Qt.MouseButton.LeftButton)
    idle(qtbot, case.app)
    [row] = db_rows(case)
    assert row.source == "camera"


def test_a_camera_failure_is_shown_in_words_and_stops_capture(
    case: Case, qtbot: QtBot
) -> None:
    if MULTIMEDIA_ERROR is not None:
        pytest.skip(f"QtMultimedia cannot load here: {MULTIMEDIA_ERROR}")
    dialog = dialog_for(case, qtbot)
    assert dialog.feed is not None
    dialog.add_page(page("navy"))
    idle(qtbot, case.app)
    # What CameraFeed emits when QCamera reports errorOccurred (unplugged).
    dialog.feed.failed.emit(
        "高拍仪无法使用（设备已断开）。请检查连接，或换一个设备后再试。"
    )
    assert "设备已断开" in dialog.status.text()
    assert not dialog.can_capture()
    assert dialog.done_button.isEnabled()  # pages already taken can still be kept
