"""The device page on real widgets: each device with what was detected and
a test button; a missing or failing one disables its button with the
reason; a failing reader never blocks intake."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QInputDevice
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from counter_app.devices.settings import DeviceSettings
from counter_app.scanning import sane
from counter_app.ui.context import AppContext
from counter_app.ui.devices.devices_page import PEN_TYPES, DevicesDialog
from counter_app.ui.devices.registry import card_reader
from counter_app.ui.intake.widget import IntakeWidget
from counter_app.ui.printer import printer_names
from tests.intake_fixtures import (  # noqa: F401 - pytest fixtures
    ID_1,
    app_fixture,
    choose,
    idle,
    mark_all_original,
    rows,
    type_into,
)

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


def open_page(qtbot: QtBot, app: AppContext) -> DevicesDialog:
    page = DevicesDialog(app)
    qtbot.addWidget(page)
    page.show()
    for key, wait_ms in (("reader", 5000), ("scanner", 20000)):
        qtbot.waitUntil(
            lambda k=key: page.status[k].text() != "正在检测……", timeout=wait_ms
        )
    return page


def test_devices_listed_with_test_buttons(
    qtbot: QtBot, app: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scanners = tmp_path / "sane.d"
    scanners.mkdir()
    (scanners / "dll.conf").write_text("test\n", "utf-8")
    monkeypatch.setenv("SANE_CONFIG_DIR", str(scanners))
    page = open_page(qtbot, app)
    assert "模拟读卡器" in page.status["reader"].text()
    assert page.buttons["reader"].isEnabled()
    card_reader(app).put("resident")  # type: ignore[attr-defined]
    page.buttons["reader"].click()
    qtbot.waitUntil(lambda: "读卡正常" in page.results["reader"].text(), timeout=5000)
    assert "张伟" in page.results["reader"].text()

    if sane.unavailable_reason() is None:
        assert "test:0" in page.status["scanner"].text()
        assert page.buttons["scanner"].isEnabled()
    else:  # no scanimage here: said, and the button is off
        assert not page.buttons["scanner"].isEnabled()
        assert page.buttons["scanner"].toolTip() == sane.unavailable_reason()

    if printer_names():
        assert page.buttons["printer"].isEnabled()
    else:
        assert not page.buttons["printer"].isEnabled()
        assert "没有可用的打印机" in page.buttons["printer"].toolTip()

    # the pen: tablets and touch screens Qt knows of (offscreen: only those
    # a test registered), else the mouse signs; a stroke proves it
    pens = [d.name() for d in QInputDevice.devices() if d.type() in PEN_TYPES]
    if pens:
        assert pens[0] in page.status["signature"].text()
    else:
        assert "鼠标" in page.status["signature"].text()
    page.buttons["signature"].click()
    pad = page.test_pad
    QTest.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
    QTest.mouseMove(pad, QPoint(200, 80))
    QTest.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=QPoint(200, 80))
    pad.window().accept()
    qtbot.waitUntil(lambda: "1 笔" in page.results["signature"].text(), timeout=5000)
    idle(qtbot, app)


def test_missing_devices_disable_their_buttons_with_the_reason(
    qtbot: QtBot, app: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty.d"
    empty.mkdir()
    (empty / "dll.conf").write_text("", "utf-8")
    monkeypatch.setenv("SANE_CONFIG_DIR", str(empty))
    app.extras["device_settings"] = DeviceSettings(
        card_reader="sdk", sdk_library=str(tmp_path / "libtermb.so")
    )
    page = open_page(qtbot, app)
    reader = page.buttons["reader"]
    assert not reader.isEnabled()
    assert "无法加载" in reader.toolTip() and "libtermb.so" in reader.toolTip()
    assert page.status["reader"].property("tone") == "error"
    assert not page.buttons["scanner"].isEnabled()
    assert page.buttons["scanner"].toolTip()  # a reason, whichever applies
    idle(qtbot, app)


def test_failing_reader_never_blocks_intake(
    qtbot: QtBot, app: AppContext, tmp_path: Path
) -> None:
    app.extras["device_settings"] = DeviceSettings(
        card_reader="sdk", sdk_library=str(tmp_path / "missing.so")
    )
    w = IntakeWidget(app)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    choose(qtbot, w, "gtgsh", "XK00101001")
    type_into(qtbot, w, "name", "李子墨")
    type_into(qtbot, w, "id_number", ID_1)
    w.card.button.click()
    qtbot.waitUntil(lambda: w.card.button.isEnabled(), timeout=5000)
    assert "无法加载" in w.card.message.text()
    assert w.applicant.fields["name"].text() == "李子墨"
    w.table.setFocus()
    mark_all_original(qtbot, w)
    with qtbot.waitSignal(w.decided, timeout=5000):
        qtbot.keyClick(w.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert rows(app, "SELECT applicant_name FROM applications") == [
        {"applicant_name": "李子墨"}
    ]
    idle(qtbot, app)
