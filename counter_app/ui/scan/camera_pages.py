"""Pages taken with the document camera and not yet attached: the JPEG bytes
of each (encoded off the UI thread) and the strip of thumbnails showing them.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem, QWidget

from counter_app.i18n import _

THUMB = 96
JPEG_QUALITY = 88  # documents stay sharp; a 200 dpi A4 photo is about 1 MB
PAGE_ROLE = Qt.ItemDataRole.UserRole


class EncodeError(Exception):
    """A captured picture could not be turned into a file."""


@dataclass
class TakenPage:
    serial: int
    data: bytes | None = None  # None until encoded


def encode_page(image: QImage) -> bytes:
    """JPEG bytes of one photo (PNG if this Qt has no JPEG writer).

    Runs on a worker thread: QImage is reentrant and the caller hands over
    its own copy.
    """
    for fmt, quality in (("JPG", JPEG_QUALITY), ("PNG", -1)):
        array = QByteArray()
        buffer = QBuffer(array)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        # PySide6 takes the format as str; its stubs say bytes.
        ok = image.save(buffer, fmt, quality)  # type: ignore[call-overload]
        buffer.close()
        if ok and array.size():
            return bytes(array.data())
    raise EncodeError(_("照片无法保存为图片文件，请重新拍照。"))


class PageStrip(QListWidget):
    """Thumbnails of the taken pages, in the order they will be attached."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(_("已拍页面"))
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setMovement(QListView.Movement.Static)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setFixedHeight(THUMB + 48)

    def add(self, serial: int, image: QImage) -> None:
        thumb = image.scaled(
            THUMB,
            THUMB,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        item = QListWidgetItem(QIcon(QPixmap.fromImage(thumb)), "")
        item.setData(PAGE_ROLE, serial)
        self.addItem(item)
        self.setCurrentItem(item)
        self.renumber()

    def remove(self, serial: int) -> None:
        for row in range(self.count()):
            item = self.item(row)
            if item.data(PAGE_ROLE) == serial:
                self.takeItem(row)
                break
        self.renumber()

    def current_serial(self) -> int | None:
        item = self.currentItem()
        return None if item is None else int(item.data(PAGE_ROLE))

    def serials(self) -> list[int]:
        return [int(self.item(row).data(PAGE_ROLE)) for row in range(self.count())]

    def renumber(self) -> None:
        for row in range(self.count()):
            label = _("第 {number} 页").format(number=row + 1)
            self.item(row).setText(label)
            self.item(row).setToolTip(label)
