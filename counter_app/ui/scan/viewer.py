"""A page viewer for one material file: images and PDFs, page by page.

Pages are decoded off the UI thread (``run_io``) into ``QImage``s — image
files with ``QImageReader``, PDFs with QtPdf's ``QPdfDocument`` — and shown
in a ``QGraphicsView``, so zoom, fit and turning the view work the same for
both. Keyboard: Ctrl+= / Ctrl+- zoom, Ctrl+0 fit, R turns the view, PgUp/PgDn
page, Esc closes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt
from PySide6.QtGui import QImage, QImageReader, QKeySequence, QPixmap, QTransform
from PySide6.QtWidgets import (
    QDialog,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.i18n import _
from counter_app.scanning.errors import ProcessingError
from counter_app.ui.context import AppContext

PDF_MIME = "application/pdf"
PDF_SCALE = 2.0  # render PDF points at 144 dpi: sharp enough to zoom in on
ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.05, 16.0
CACHED_PAGES = 4  # a rendered A4 page is ~8 MB; long PDFs must not pile up


@dataclass(frozen=True)
class ViewSource:
    """What to show: ``read`` returns the clear bytes (scans are stored
    encrypted, so they are decrypted in memory, never to a file)."""

    read: Callable[[], bytes]
    mime: str
    pages: int
    title: str


def _buffer(data: bytes) -> QBuffer:
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    return buffer


def load_page(data: bytes, name: str, mime: str, page: int) -> QImage:
    """Decode one page; safe on a worker thread (QImage, not QPixmap)."""
    if mime == PDF_MIME:
        return _pdf_page(data, name, page)
    buffer = _buffer(data)
    reader = QImageReader(buffer)
    try:
        return _read_image(reader, name, page)
    finally:
        del reader  # the reader must not outlive its buffer
        buffer.close()


def _read_image(reader: QImageReader, name: str, page: int) -> QImage:
    reader.setAutoTransform(True)  # honour the EXIF orientation of photos
    if page and not reader.jumpToImage(page):
        raise ProcessingError(
            _("文件“{name}”没有第 {page} 页。").format(name=name, page=page + 1)
        )
    image = reader.read()
    if image.isNull():
        raise ProcessingError(
            _("无法显示文件“{name}”：{error}").format(
                name=name, error=reader.errorString()
            )
        )
    return image


def _pdf_page(data: bytes, name: str, page: int) -> QImage:
    from PySide6.QtPdf import QPdfDocument

    document = QPdfDocument()
    buffer = _buffer(data)
    try:
        document.load(buffer)  # a QBuffer loads at once
        if document.error() != QPdfDocument.Error.None_:
            raise ProcessingError(_("无法打开 PDF 文件“{name}”。").format(name=name))
        size = document.pagePointSize(page)
        target = QSize(
            round(size.width() * PDF_SCALE), round(size.height() * PDF_SCALE)
        )
        image: QImage = document.render(page, target)
    finally:
        document.close()
        document.deleteLater()
    if image.isNull():
        raise ProcessingError(
            _("无法显示 PDF 文件“{name}”的第 {page} 页。").format(
                name=name, page=page + 1
            )
        )
    return image


class PageViewer(QDialog):
    def __init__(
        self,
        app: AppContext,
        source: ViewSource,
        parent: QWidget | None = None,
        *,
        page: int = 0,
    ) -> None:
        super().__init__(parent)
        self.app = app
        self.source = source
        self.page = max(0, min(page, source.pages - 1))
        self.zoom = 1.0
        self.fit = True
        self.rotation = 0
        self._cache: dict[int, QImage] = {}
        self._wanted = -1
        self.setWindowTitle(_("查看：{name}").format(name=source.title))
        self.setAccessibleName(self.windowTitle())
        self.resize(900, 1000)
        self.scene = QGraphicsScene(self)
        self.item = QGraphicsPixmapItem()
        self.item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene.addItem(self.item)
        self.view = QGraphicsView(self.scene)
        self.view.setAccessibleName(_("页面"))
        self.view.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.status = QLabel()
        self.status.setAccessibleName(_("页码"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        bar = QHBoxLayout()
        layout.addLayout(bar)
        bar.addWidget(self.status, 1)
        self.buttons: dict[str, QPushButton] = {}
        for key, label, keys, slot in (
            ("prev", _("上一页"), [QKeySequence.StandardKey.MoveToPreviousPage],
             lambda: self.go(self.page - 1)),
            ("next", _("下一页"), [QKeySequence.StandardKey.MoveToNextPage],
             lambda: self.go(self.page + 1)),
            ("in", _("放大"), ["Ctrl+=", "Ctrl++"], self.zoom_in),
            ("out", _("缩小"), ["Ctrl+-"], self.zoom_out),
            ("fit", _("适合窗口"), ["Ctrl+0"], self.fit_to_window),
            ("rotate", _("旋转视图"), ["R"], self.rotate_view),
            ("close", _("关闭"), [], self.reject),
        ):  # fmt: skip
            button = QPushButton(label)
            button.setAccessibleName(label)
            button.clicked.connect(slot)
            bar.addWidget(button)
            self.buttons[key] = button
            for sequence in keys:
                # Dialog-wide shortcuts: they work whichever child has focus.
                action = self.addAction(label)
                action.setShortcut(QKeySequence(sequence))
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                action.triggered.connect(slot)
        self.view.setFocus()
        self.go(self.page)

    # -- pages -------------------------------------------------------------
    def go(self, page: int) -> None:
        if not 0 <= page < self.source.pages:
            return
        self.page = page
        self._update_status()
        if page in self._cache:
            self._show(self._cache[page])
            return
        self._wanted = page
        read, mime, name = self.source.read, self.source.mime, self.source.title
        self.app.tasks.run_io(
            lambda: (page, load_page(read(), name, mime, page)),
            success=self._loaded,
            failure=self._failed,
        )

    def _loaded(self, result: tuple[int, QImage]) -> None:
        page, image = result
        self._cache[page] = image
        while len(self._cache) > CACHED_PAGES:
            farthest = max(self._cache, key=lambda p: abs(p - self.page))
            del self._cache[farthest]
        if page == self._wanted == self.page:
            self._show(image)

    def _failed(self, exc: BaseException) -> None:
        self.app.tasks.default_failure(exc)
        self.status.setText(str(exc))

    def _show(self, image: QImage) -> None:
        self.item.setPixmap(QPixmap.fromImage(image))
        self.scene.setSceneRect(self.item.boundingRect())
        self._apply()

    def has_image(self) -> bool:
        return not self.item.pixmap().isNull()

    # -- view ----------------------------------------------------------------
    def zoom_in(self) -> None:
        self._set_zoom(self._effective_zoom() * ZOOM_STEP)

    def zoom_out(self) -> None:
        self._set_zoom(self._effective_zoom() / ZOOM_STEP)

    def fit_to_window(self) -> None:
        self.fit = True
        self._apply()

    def rotate_view(self) -> None:
        self.rotation = (self.rotation + 90) % 360
        self._apply()

    def _set_zoom(self, value: float) -> None:
        self.fit = False
        self.zoom = max(MIN_ZOOM, min(MAX_ZOOM, value))
        self._apply()

    def _effective_zoom(self) -> float:
        return abs(self.view.transform().m11()) + abs(self.view.transform().m12())

    def _apply(self) -> None:
        if self.fit and self.has_image():
            self.view.setTransform(QTransform().rotate(self.rotation))
            self.view.fitInView(self.item, Qt.AspectRatioMode.KeepAspectRatio)
            self.zoom = self._effective_zoom()
        else:
            self.view.setTransform(
                QTransform().rotate(self.rotation).scale(self.zoom, self.zoom)
            )
        self._update_status()

    def _update_status(self) -> None:
        self.status.setText(
            _("第 {page} / {total} 页　缩放 {zoom}%　旋转 {rotation}°").format(
                page=self.page + 1,
                total=self.source.pages,
                zoom=round(self.zoom * 100),
                rotation=self.rotation,
            )
        )
        self.buttons["prev"].setEnabled(self.page > 0)
        self.buttons["next"].setEnabled(self.page < self.source.pages - 1)

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        if self.fit:
            self._apply()
