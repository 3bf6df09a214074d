"""The thumbnail strip of one material: icon mode, files dropped from the
desktop or a file manager are offered to the panel (never moved inside)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QIcon,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QListWidget,
    QListWidgetItem,
    QWidget,
)

from counter_app.i18n import _
from counter_app.services.materials import FileRow

ICON = 128
ROW_ROLE = Qt.ItemDataRole.UserRole


def dropped_paths(event: QDropEvent | QDragEnterEvent | QDragMoveEvent) -> list[Path]:
    mime = event.mimeData()
    if mime is None or not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


def _blank_icon() -> QIcon:
    pixmap = QPixmap(ICON * 3 // 4, ICON)
    pixmap.fill(QColor("whitesmoke"))
    return QIcon(pixmap)


def item_label(row: FileRow, number: int) -> str:
    if row.replaces is not None:
        return _("{number}. {name}（已旋转，待确认）").format(
            number=number, name=row.original_name
        )
    if row.pages > 1:
        return _("{number}. {name}（{pages} 页）").format(
            number=number, name=row.original_name, pages=row.pages
        )
    return _("{number}. {name}").format(number=number, name=row.original_name)


class PageList(QListWidget):
    files_dropped = Signal(list)  # list[Path]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setWrapping(True)
        self.setIconSize(QSize(ICON, ICON))
        self.setGridSize(QSize(ICON + 48, ICON + 48))
        self.setWordWrap(True)
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setAcceptDrops(True)
        self.setAccessibleName(_("材料页面"))
        self._blank = _blank_icon()

    def show_rows(
        self, rows: list[FileRow], icons: dict[str, QIcon], *, select: int = 0
    ) -> None:
        """Show ``rows``; select file ``select``, else keep the selection."""
        current = self.current_row()
        keep = select or (current.id if current is not None else 0)
        self.clear()
        number = 0
        for row in rows:
            if row.replaces is None:
                number += 1
            item = QListWidgetItem(
                icons.get(row.sha256, self._blank), item_label(row, number)
            )
            item.setData(ROW_ROLE, row)
            item.setToolTip(row.original_name)
            if row.replaces is not None:
                item.setForeground(QColor("darkorange"))
            self.addItem(item)
        if keep:
            self.select_id(keep)
        if self.currentItem() is None and self.count():
            self.setCurrentRow(0)

    def set_icon(self, sha: str, icon: QIcon) -> None:
        for i in range(self.count()):
            item = self.item(i)
            if item.data(ROW_ROLE).sha256 == sha:
                item.setIcon(icon)

    def rows(self) -> list[FileRow]:
        return [self.item(i).data(ROW_ROLE) for i in range(self.count())]

    def current_row(self) -> FileRow | None:
        item = self.currentItem()
        if item is None:
            return None
        row: FileRow = item.data(ROW_ROLE)
        return row

    def select_id(self, file_id: int) -> bool:
        for i in range(self.count()):
            if self.item(i).data(ROW_ROLE).id == file_id:
                self.setCurrentRow(i)
                return True
        return False

    # -- drops from outside -------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if dropped_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_paths(event)
        if not paths:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        self.files_dropped.emit(paths)
