"""Scan pages from a SANE scanner straight into one material.

The device list and each device's options are read with ``run_io``; a
machine without SANE or without a scanner shows why, in words, and the scan
button stays off. 扫描 runs ``scan_batch`` (feeder) or ``scan_page``
(flatbed) with ``run_io``, a progress bar and a 取消 that sets the cancel
token; the pages are then attached with ``run_op``.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.i18n import N_, _
from counter_app.scanning import sane
from counter_app.scanning.errors import Cancelled, ScanError, SourceUnavailable
from counter_app.scanning.processing import CancelToken
from counter_app.services import materials
from counter_app.services.materials import ImportResult
from counter_app.ui.context import AppContext
from counter_app.ui.scan.ops import Relay

RESOLUTIONS = (150, 200, 300)
# Label, then the names devices use for that mode, best first.
COLOR_MODES = (
    (N_("彩色"), ("Color", "color", "RGB")),
    (N_("灰度"), ("Gray", "gray", "Grayscale")),
    (N_("黑白"), ("Lineart", "lineart", "Binary", "Halftone")),
)
FLATBED = "flatbed"
ADF = "adf"


def pick_mode(wanted: tuple[str, ...], offered: list[str]) -> str | None:
    """The device's name for a mode; None leaves the device default."""
    for name in wanted:
        if name in offered:
            return name
    return None


class ScanDialog(QDialog):
    attached = Signal(object)  # ImportResult

    def __init__(
        self,
        app: AppContext,
        *,
        application_id: str,
        material_key: str,
        material_name: str = "",
        sane_env: Mapping[str, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.app = app
        self.application_id = application_id
        self.material_key = material_key
        self.sane_env = dict(sane_env) if sane_env is not None else None
        self.options: sane.DeviceOptions | None = None
        self.token: CancelToken | None = None
        self.result_value: ImportResult | None = None
        self.setWindowTitle(
            _("扫描：{name}").format(name=material_name or material_key)
        )
        self.setAccessibleName(self.windowTitle())
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)
        self.device = QComboBox()
        self.device.setAccessibleName(_("扫描仪"))
        self.device.currentIndexChanged.connect(self._device_chosen)
        form.addRow(_("扫描仪(&D)"), self.device)
        self.resolution = QComboBox()
        self.resolution.setAccessibleName(_("分辨率"))
        for dpi in RESOLUTIONS:
            self.resolution.addItem(_("{dpi} dpi").format(dpi=dpi), dpi)
        self.resolution.setCurrentIndex(RESOLUTIONS.index(200))
        form.addRow(_("分辨率(&R)"), self.resolution)
        self.mode = QComboBox()
        self.mode.setAccessibleName(_("颜色"))
        for label, names in COLOR_MODES:
            self.mode.addItem(_(label), names)
        self.mode.setCurrentIndex(1)
        form.addRow(_("颜色(&C)"), self.mode)
        self.source = QComboBox()
        self.source.setAccessibleName(_("纸张来源"))
        form.addRow(_("来源(&S)"), self.source)
        self.status = QLabel(_("正在查找扫描仪……"))
        self.status.setWordWrap(True)
        self.status.setAccessibleName(_("扫描状态"))
        layout.addWidget(self.status)
        self.progress = QProgressBar()
        self.progress.setAccessibleName(_("扫描进度"))
        self.progress.hide()
        layout.addWidget(self.progress)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.scan_button = QPushButton(_("扫描"))
        self.scan_button.setAccessibleName(_("扫描"))
        self.scan_button.setDefault(True)
        self.scan_button.clicked.connect(self.start_scan)
        self.cancel_button = QPushButton(_("取消"))
        self.cancel_button.setAccessibleName(_("取消"))
        self.cancel_button.clicked.connect(self.cancel)
        buttons.addWidget(self.scan_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        self._set_ready(False)
        self._find_devices()

    # -- devices -------------------------------------------------------------
    def _find_devices(self) -> None:
        reason = sane.unavailable_reason()
        if reason is not None:
            self._unavailable(reason)
            return
        env = self.sane_env
        self.app.tasks.run_io(
            lambda: sane.list_devices(env=env),
            success=self._devices_found,
            failure=self._device_failure,
        )

    def _devices_found(self, devices: list[sane.ScannerDevice]) -> None:
        if not devices:
            self._unavailable(_("未检测到扫描仪，请检查是否已连接并打开电源。"))
            return
        self.device.blockSignals(True)
        for device in devices:
            self.device.addItem(device.label, device.name)
        self.device.blockSignals(False)
        self._device_chosen()

    def _device_chosen(self) -> None:
        name = self.device.currentData()
        if not name:
            return
        self._set_ready(False)
        self.status.setText(_("正在读取扫描仪设置……"))
        env = self.sane_env
        self.app.tasks.run_io(
            lambda: (name, sane.device_options(name, env=env)),
            success=self._options_read,
            failure=self._device_failure,
        )

    def _options_read(self, result: tuple[str, sane.DeviceOptions]) -> None:
        name, options = result
        if name != self.device.currentData():
            return
        self.options = options
        self.source.clear()
        self.source.addItem(_("平板"), FLATBED)
        if options.adf_source is not None:
            self.source.addItem(_("自动进纸（ADF）"), ADF)
        self.status.setText(_("请放好材料后按“扫描”。"))
        self._set_ready(True)

    def _device_failure(self, exc: BaseException) -> None:
        if not isinstance(exc, ScanError):
            self.app.tasks.default_failure(exc)
        self._unavailable(exc.message if isinstance(exc, ScanError) else str(exc))

    def _unavailable(self, reason: str) -> None:
        self.status.setText(reason)
        self._set_ready(False)

    def _set_ready(self, ready: bool) -> None:
        self.scan_button.setEnabled(ready)
        for box in (self.device, self.resolution, self.mode, self.source):
            box.setEnabled(ready or (box is self.device and self.device.count() > 1))

    def can_scan(self) -> bool:
        return self.scan_button.isEnabled()

    # -- scanning ------------------------------------------------------------
    def settings(self) -> tuple[sane.ScanSettings, bool]:
        options = self.options or sane.DeviceOptions()
        feeder = self.source.currentData() == ADF
        mode = pick_mode(self.mode.currentData(), options.modes)
        source = options.adf_source if feeder else None
        if not feeder and options.sources:
            source = next((s for s in options.sources if "flatbed" in s.lower()), None)
        return (
            sane.ScanSettings(
                resolution=int(self.resolution.currentData()),
                mode=mode,
                source=source,
            ),
            feeder,
        )

    def start_scan(self) -> None:
        device = self.device.currentData()
        if not device or self.token is not None:
            return
        settings, feeder = self.settings()
        token = self.token = CancelToken()
        relay = Relay()
        relay.progress.connect(self._on_progress)
        callback, env = relay.callback(), self.sane_env
        self._set_ready(False)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.status.setText(_("正在扫描……"))
        self.app.tasks.run_io(
            lambda: sane.scan_batch(
                device, settings, env=env, count=None if feeder else 1,
                progress=callback, cancel=token,
            ),
            success=lambda pages: self._scanned(pages, relay),
            failure=self._scan_failed,
        )  # fmt: skip

    def _on_progress(self, done: int, total: int) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        self.status.setText(_("已扫描 {count} 页……").format(count=done))

    def _scanned(self, pages: list[bytes], _relay: Relay) -> None:
        self.status.setText(_("已扫描 {count} 页，正在保存……").format(count=len(pages)))
        self.cancel_button.setEnabled(False)
        store, actor = self.app.store, self.app.require_user().username
        app_id, key = self.application_id, self.material_key
        self.app.tasks.run_op(
            lambda: materials.attach_scanned_pages(
                store, application_id=app_id, material_key=key, pages=pages,
                actor=actor,
            ),
            success=self._attached,
            failure=self._scan_failed,
        )  # fmt: skip

    def _attached(self, result: ImportResult) -> None:
        self.token = None
        self.progress.hide()
        self.cancel_button.setEnabled(True)
        self.result_value = result
        self.attached.emit(result)
        self.accept()

    def _scan_failed(self, exc: BaseException) -> None:
        self.token = None
        self.progress.hide()
        self.cancel_button.setEnabled(True)
        if isinstance(exc, Cancelled):
            self.status.setText(_("扫描已取消，没有保存任何页面。"))
        elif isinstance(exc, ScanError):
            self.status.setText(exc.message)
        else:
            self.app.tasks.default_failure(exc)
            self.status.setText(_("扫描没有完成：{error}").format(error=exc))
        self._set_ready(not isinstance(exc, SourceUnavailable))

    def cancel(self) -> None:
        """Stop a running scan; otherwise close the dialog."""
        if self.token is not None:
            self.token.cancel()
            self.status.setText(_("正在取消……"))
            return
        self.reject()

    def reject(self) -> None:
        if self.token is not None:
            self.token.cancel()  # Esc during a scan stops the scanner first
            return
        super().reject()
