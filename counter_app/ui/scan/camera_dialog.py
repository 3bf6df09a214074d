"""Photograph pages with a document camera (高拍仪) or webcam into one material.

The chosen camera shows a live preview through QtMultimedia; 拍照 (Space or
Enter) captures a picture into a strip of taken pages (Del removes one) and
完成 attaches them, one file per page, with ``run_op``. A desk without a
camera, or without the Qt multimedia libraries, shows why and 拍照 stays off.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.i18n import _
from counter_app.scanning import sources
from counter_app.scanning.errors import ScanError
from counter_app.services import materials
from counter_app.services.materials import ImportResult
from counter_app.ui.context import AppContext
from counter_app.ui.scan.camera_feed import MULTIMEDIA_ERROR, CameraFeed, make_preview
from counter_app.ui.scan.camera_pages import (
    EncodeError,
    PageStrip,
    TakenPage,
    encode_page,
)

log = logging.getLogger(__name__)
SETTING = "scan/camera"


class CameraDialog(QDialog):
    attached = Signal(object)  # ImportResult

    def __init__(
        self,
        app: AppContext,
        *,
        application_id: str,
        material_key: str,
        material_name: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.app = app
        self.application_id = application_id
        self.material_key = material_key
        self.pages: dict[int, TakenPage] = {}
        self.result_value: ImportResult | None = None
        self.reason: str | None = None
        self.feed: CameraFeed | None = None
        self._serial = 0
        self._saving = False
        self._closed = False
        self.setWindowTitle(
            _("高拍仪拍照：{name}").format(name=material_name or material_key)
        )
        self.setAccessibleName(self.windowTitle())
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)
        self.device = QComboBox()
        self.device.setAccessibleName(_("高拍仪"))
        form.addRow(_("高拍仪(&D)"), self.device)
        self.preview = make_preview()
        self.preview.setAccessibleName(_("预览"))
        self.preview.setMinimumSize(480, 360)
        layout.addWidget(self.preview, 1)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName(_("拍照状态"))
        layout.addWidget(self.status)
        self.strip = PageStrip()
        layout.addWidget(self.strip)
        buttons = QHBoxLayout()
        self.remove_button = self._button(_("删除这页"), "Del", self.remove_current)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        self.capture_button = self._button(_("拍照"), "Space", self.capture)
        self.done_button = self._button(_("完成"), "Ctrl+Return", self.finish)
        self.cancel_button = self._button(_("取消"), "", self.reject)
        for button in (self.capture_button, self.done_button, self.cancel_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        for key in ("Return", "Enter"):
            self._shortcut(key, self.capture)
        self.strip.currentItemChanged.connect(lambda *_a: self._update_buttons())
        self._set_up_capture()

    def _button(
        self, label: str, shortcut: str, slot: Callable[[], object]
    ) -> QPushButton:
        button = QPushButton(label)
        button.setAccessibleName(label)
        button.setAutoDefault(False)  # Enter takes a picture, whatever has focus
        button.clicked.connect(slot)
        if shortcut:
            button.setToolTip(f"{label} ({shortcut})")
            self._shortcut(shortcut, slot)
        return button

    def _shortcut(self, key: str, slot: Callable[[], object]) -> None:
        action = self.addAction(key)
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)

    # -- camera ----------------------------------------------------------------
    def _set_up_capture(self) -> None:
        if MULTIMEDIA_ERROR is not None:
            log.warning("QtMultimedia cannot load: %s", MULTIMEDIA_ERROR)
            self._unavailable(
                sources.camera_available()
                or _("未安装 Qt 多媒体组件（QtMultimedia），无法使用高拍仪。")
            )
            return
        feed = self.feed = CameraFeed(self.preview, self)
        feed.ready_changed.connect(self._update_buttons)
        feed.captured.connect(self.add_page)
        feed.failed.connect(self._unavailable)
        feed.capture_failed.connect(self._capture_failed)
        feed.devices_changed.connect(self._list_devices)
        self.device.currentIndexChanged.connect(self._device_chosen)
        self._list_devices()

    def _list_devices(self) -> None:
        feed = self.feed
        if feed is None or self._closed:
            return  # a closed dialog must not switch the camera back on
        current = self.device.currentData()
        saved = str(self.app.settings.value(SETTING, "") or "")
        wanted = current or saved or CameraFeed.default_id()
        inputs = CameraFeed.devices()
        self.device.blockSignals(True)
        self.device.clear()
        for ident, description in inputs:
            self.device.addItem(description, ident)
        self.device.setCurrentIndex(max(0, self.device.findData(wanted)))
        self.device.blockSignals(False)
        self.device.setEnabled(self.device.count() > 1)
        if not inputs:
            feed.stop()
            self._unavailable(
                sources.camera_available()
                or _("未检测到高拍仪或摄像头，请检查 USB 连接。")
            )
        elif feed.camera is None or self.device.currentData() != current:
            self._device_chosen()

    def _device_chosen(self) -> None:
        wanted = str(self.device.currentData() or "")
        if self.feed is None or self._closed:
            return
        self.reason = None
        if not self.feed.start(wanted):
            self._unavailable(_("所选的高拍仪已断开，请重新选择。"))
            return
        self.app.settings.setValue(SETTING, wanted)
        self.status.setText(_("请把材料放在高拍仪下，按“拍照”（空格键）。"))
        self._update_buttons()

    def _capture_failed(self, text: str) -> None:
        self.status.setText(text)
        self._update_buttons()

    def _unavailable(self, reason: str) -> None:
        self.reason = reason
        self.status.setText(reason)
        self._update_buttons()

    # -- pages -----------------------------------------------------------------
    def can_capture(self) -> bool:
        return self.capture_button.isEnabled()

    def _update_buttons(self) -> None:
        ready = self.reason is None and self.feed is not None and self.feed.ready()
        encoding = any(p.data is None for p in self.pages.values())
        self.capture_button.setEnabled(ready and not self._saving)
        self.done_button.setEnabled(
            bool(self.pages) and not encoding and not self._saving
        )
        has_current = self.strip.current_serial() is not None
        self.remove_button.setEnabled(has_current and not self._saving)
        self.cancel_button.setEnabled(not self._saving)

    def capture(self) -> None:
        if self.can_capture() and self.feed is not None:
            self.feed.capture()

    def add_page(self, image: QImage) -> None:
        """Put one picture at the end of the strip; encoded off the UI thread."""
        self._serial += 1
        page = self.pages[self._serial] = TakenPage(self._serial)
        self.strip.add(page.serial, image)
        copy = image.copy()
        self.app.tasks.run_io(
            lambda: encode_page(copy),
            success=lambda data: self._encoded(page, data),
            failure=lambda exc: self._encode_failed(page, exc),
        )
        self.status.setText(_("已拍 {count} 页。").format(count=len(self.pages)))
        self._update_buttons()

    def _encoded(self, page: TakenPage, data: bytes) -> None:
        if self._closed:
            return  # cancelled while encoding; the widgets may be gone
        page.data = data
        self._update_buttons()

    def _encode_failed(self, page: TakenPage, exc: BaseException) -> None:
        if not isinstance(exc, EncodeError):
            self.app.tasks.default_failure(exc)
        if self._closed:
            return
        self.remove_page(page.serial)
        self.status.setText(str(exc) if isinstance(exc, EncodeError) else
                            _("照片没有保存：{error}").format(error=exc))  # fmt: skip

    def remove_page(self, serial: int) -> None:
        self.pages.pop(serial, None)
        self.strip.remove(serial)
        self._update_buttons()

    def remove_current(self) -> None:
        serial = self.strip.current_serial()
        if serial is not None and not self._saving:
            self.remove_page(serial)

    def page_bytes(self) -> list[bytes]:
        """The encoded pages in strip order (only those already encoded)."""
        pages = (self.pages.get(s) for s in self.strip.serials())
        return [p.data for p in pages if p is not None and p.data is not None]

    # -- finishing -------------------------------------------------------------
    def finish(self) -> None:
        if not self.done_button.isEnabled():
            return
        pages = self.page_bytes()
        self._saving = True
        self._update_buttons()
        self.status.setText(_("正在保存 {count} 页……").format(count=len(pages)))
        store, actor = self.app.store, self.app.require_user().username
        app_id, key = self.application_id, self.material_key
        self.app.tasks.run_op(
            lambda: materials.attach_scanned_pages(
                store, application_id=app_id, material_key=key, pages=pages,
                actor=actor, source="camera", name_prefix="camera",
            ),
            success=self._attached,
            failure=self._attach_failed,
        )  # fmt: skip

    def _attached(self, result: ImportResult) -> None:
        self._saving = False
        self.result_value = result
        self.pages.clear()
        self.strip.clear()
        self.attached.emit(result)
        self.accept()

    def _attach_failed(self, exc: BaseException) -> None:
        self._saving = False
        if isinstance(exc, ScanError):
            self.status.setText(exc.message)
        else:
            self.app.tasks.default_failure(exc)
            self.status.setText(_("保存没有完成：{error}").format(error=exc))
        self._update_buttons()

    def reject(self) -> None:
        if self._saving:
            return  # the pages are being written; closing now would hide the result
        self.pages.clear()
        self.strip.clear()
        super().reject()

    def done(self, result: int) -> None:
        self._closed = True
        if self.feed is not None:
            self.feed.stop()
        super().done(result)
