"""One camera at a time through QtMultimedia: device list, live preview and
still capture, reported by signals with clerk words for every failure.

Importing this module never fails: without the Qt multimedia libraries
``MULTIMEDIA_ERROR`` says why and ``CameraFeed`` must not be built.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QWidget

from counter_app.i18n import _

log = logging.getLogger(__name__)

MULTIMEDIA_ERROR: str | None = None
try:
    from PySide6.QtMultimedia import (
        QCamera,
        QCameraDevice,
        QImageCapture,
        QMediaCaptureSession,
        QMediaDevices,
    )
except (ImportError, OSError) as exc:  # a desk without the multimedia libraries
    MULTIMEDIA_ERROR = str(exc)
PREVIEW_ERROR: str | None = None
try:
    from PySide6.QtMultimediaWidgets import QVideoWidget
except (ImportError, OSError) as exc:
    PREVIEW_ERROR = str(exc)


def make_preview() -> QWidget:
    """A live video widget, or a label saying it cannot be shown."""
    if MULTIMEDIA_ERROR is None and PREVIEW_ERROR is None:
        return QVideoWidget()
    label = QLabel(_("无法显示预览画面。"))
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


def device_id(device: QCameraDevice) -> str:
    return bytes(device.id().data()).decode("utf-8", "replace")


class CameraFeed(QObject):
    captured = Signal(QImage)
    failed = Signal(str)  # why the camera cannot be used now (Chinese)
    capture_failed = Signal(str)  # one picture did not come out (Chinese)
    ready_changed = Signal()
    devices_changed = Signal()  # a camera was plugged in or out

    def __init__(self, preview: QWidget | None, parent: QObject | None = None):
        super().__init__(parent)
        self.camera: QCamera | None = None
        self.session = QMediaCaptureSession(self)
        self.image_capture = QImageCapture(self)
        self.session.setImageCapture(self.image_capture)
        if isinstance(preview, QVideoWidget):
            self.session.setVideoOutput(preview)
        self.image_capture.readyForCaptureChanged.connect(self.ready_changed)
        self.image_capture.imageCaptured.connect(self._captured)
        self.image_capture.errorOccurred.connect(self._capture_error)
        self.media_devices = QMediaDevices(self)
        self.media_devices.videoInputsChanged.connect(self.devices_changed)

    @staticmethod
    def devices() -> list[tuple[str, str]]:
        """(id, description) of every camera the system offers."""
        return [(device_id(d), d.description()) for d in QMediaDevices.videoInputs()]

    @staticmethod
    def default_id() -> str:
        default = QMediaDevices.defaultVideoInput()
        return "" if default.isNull() else device_id(default)

    def start(self, wanted: str) -> bool:
        """Show the camera ``wanted``; False if it is no longer there."""
        inputs = QMediaDevices.videoInputs()
        device = next((d for d in inputs if device_id(d) == wanted), None)
        if device is None:
            return False
        self.stop()
        camera = QCamera(device, self)
        camera.errorOccurred.connect(self._camera_error)
        camera.activeChanged.connect(lambda _on: self.ready_changed.emit())
        self.session.setCamera(camera)
        self.camera = camera
        camera.start()
        self.ready_changed.emit()
        return True

    def stop(self) -> None:
        camera, self.camera = self.camera, None
        if camera is None:
            return
        camera.stop()
        self.session.setCamera(None)  # type: ignore[arg-type]  # Qt takes nullptr
        camera.deleteLater()

    def ready(self) -> bool:
        return self.camera is not None and self.image_capture.isReadyForCapture()

    def capture(self) -> None:
        if self.ready():
            self.image_capture.capture()  # to a QImage only, no file

    def _captured(self, _id: int, image: QImage) -> None:
        self.captured.emit(image)

    def _camera_error(self, _error: object, text: str) -> None:
        log.warning("camera error: %s", text)
        self.failed.emit(
            _("高拍仪无法使用（{error}）。请检查连接，或换一个设备后再试。").format(
                error=text
            )
        )

    def _capture_error(self, _id: int, _error: object, text: str) -> None:
        log.warning("image capture error: %s", text)
        self.capture_failed.emit(
            _("拍照没有成功（{error}），请再按一次“拍照”。").format(error=text)
        )
