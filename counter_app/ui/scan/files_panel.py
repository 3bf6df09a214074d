"""The files of one material: thumbnails, import, drop, scan, camera, reorder,
rotate (pending until 确认/撤销), replace, delete and view.

Every store call runs through ``app.tasks.run_op``; thumbnails are made with
``run_io``. After each reload ``files_changed(material_key, count)`` tells the
checklist how many files (pending processed copies not counted) the material
now has.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.i18n import _
from counter_app.scanning.errors import ScanError
from counter_app.services import materials
from counter_app.services.materials import FileRow, ImportResult
from counter_app.ui.context import AppContext
from counter_app.ui.scan import ops
from counter_app.ui.scan.file_actions import FILE_FILTER, FileActions
from counter_app.ui.scan.page_list import PageList
from counter_app.ui.scan.viewer import PageViewer

log = logging.getLogger(__name__)


class MaterialFilesPanel(FileActions, QWidget):
    files_changed = Signal(str, int)  # material_key, number of files

    def __init__(
        self,
        app: AppContext,
        parent: QWidget | None = None,
        *,
        sane_env: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.app = app
        self.sane_env = dict(sane_env) if sane_env is not None else None
        self.blobs = materials.blob_store(app.store)
        self.application_id = ""
        self.material_key = ""
        self.material_name = ""
        self.viewer: PageViewer | None = None
        self._icons: dict[str, QIcon] = {}
        self._busy = 0
        self._generation = 0
        self._select_after = 0
        self.setAccessibleName(_("材料文件"))
        layout = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setAccessibleName(_("当前材料"))
        layout.addWidget(self.title)
        self.list = PageList(self)
        self.list.files_dropped.connect(self.import_paths)
        self.list.itemActivated.connect(lambda _item: self.view_selected())
        self.list.currentItemChanged.connect(lambda *_a: self._update_buttons())
        layout.addWidget(self.list, 1)
        self.progress = QProgressBar()
        self.progress.setAccessibleName(_("进度"))
        self.progress.hide()
        layout.addWidget(self.progress)
        self.notice = QLabel()
        self.notice.setObjectName("fieldError")
        self.notice.setWordWrap(True)
        self.notice.setAccessibleName(_("导入结果"))
        self.notice.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        layout.addWidget(self.notice)
        grid = QGridLayout()
        layout.addLayout(grid)
        self.buttons: dict[str, QPushButton] = {}
        specs: list[tuple[str, str, str, Callable[[], Any]]] = [
            ("import", _("导入文件"), "Ctrl+O", self.choose_files),
            ("scan", _("扫描"), "Ctrl+Shift+S", self.open_scan_dialog),
            ("camera", _("高拍仪"), "Ctrl+Shift+C", self.open_camera_dialog),
            ("view", _("查看"), "", self.view_selected),
            ("replace", _("替换"), "", self.choose_replacement),
            ("delete", _("删除页"), "Del", self.delete_selected),
            ("up", _("上移"), "Ctrl+Up", lambda: self.move_selected(-1)),
            ("down", _("下移"), "Ctrl+Down", lambda: self.move_selected(1)),
            ("rotate", _("旋转"), "Ctrl+R", self.rotate_selected),
            ("confirm", _("确认"), "", self.confirm_selected),
            ("discard", _("撤销"), "", self.discard_selected),
        ]
        for index, (key, label, shortcut, slot) in enumerate(specs):
            button = QPushButton(label)
            button.setAccessibleName(label)
            if shortcut:
                button.setToolTip(f"{label} ({shortcut})")
                action = self.addAction(label)
                action.setShortcut(QKeySequence(shortcut))
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                action.triggered.connect(slot)
            button.clicked.connect(slot)
            grid.addWidget(button, index // 5, index % 5)
            self.buttons[key] = button
        self._update_buttons()

    # -- state ---------------------------------------------------------------
    def set_material(
        self, application_id: str, material_key: str, material_name: str
    ) -> None:
        self.application_id = application_id
        self.material_key = material_key
        self.material_name = material_name
        self.title.setText(material_name)
        self.notice.clear()
        self.list.clear()
        self.reload()

    def select_after_reload(self, file_id: int) -> None:
        self._select_after = file_id

    def busy(self) -> bool:
        return self._busy > 0

    def rows(self) -> list[FileRow]:
        return self.list.rows()

    def _update_buttons(self) -> None:
        has_material = bool(self.application_id and self.material_key)
        row = self.list.current_row()
        pending = ops.pending_for(self.rows(), row) if row else None
        idle = not self.busy()
        enabled = {
            "import": has_material and idle,
            "scan": has_material and idle,
            "camera": has_material and idle,
            "view": row is not None,
            "replace": row is not None and idle,
            "delete": row is not None and idle,
            "up": row is not None and idle and row.replaces is None,
            "down": row is not None and idle and row.replaces is None,
            "rotate": row is not None and idle,
            "confirm": pending is not None and idle,
            "discard": pending is not None and idle,
        }
        for key, on in enabled.items():
            self.buttons[key].setEnabled(on)

    def _run(
        self,
        fn: Callable[[], Any],
        done: Callable[[Any], None] | None = None,
        *,
        progress: bool = False,
    ) -> None:
        self._busy += 1
        self._update_buttons()
        if progress:
            self.progress.setRange(0, 0)
            self.progress.show()

        def success(value: Any) -> None:
            self._finish()
            if done is not None:
                done(value)
            self.reload()

        self.app.tasks.run_op(fn, success=success, failure=self._failed)

    def _finish(self) -> None:
        self._busy -= 1
        if not self._busy:
            self.progress.hide()
        self._update_buttons()

    def _failed(self, exc: BaseException) -> None:
        self._finish()
        if isinstance(exc, ScanError):
            self.notice.setText(exc.message)
            self.app.messages.warning(exc.message)
        else:
            self.app.tasks.default_failure(exc)
            self.app.messages.error(_("操作没有完成：{error}").format(error=exc))
        self.reload()

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    # -- loading -------------------------------------------------------------
    def reload(self) -> None:
        if not self.application_id:
            return
        self._generation += 1
        generation = self._generation
        store, app_id, key = self.app.store, self.application_id, self.material_key

        def loaded(rows: list[FileRow]) -> None:
            if generation != self._generation:
                return  # an older answer for another material or state
            self.list.show_rows(rows, self._icons, select=self._select_after)
            self._select_after = 0
            self._update_buttons()
            self.files_changed.emit(key, ops.original_count(rows))
            missing = sorted({r.sha256 for r in rows} - set(self._icons))
            if missing:
                blobs = self.blobs
                self.app.tasks.run_io(
                    lambda: ops.load_thumbnails(blobs, missing),
                    success=self._thumbs_loaded,
                )

        self.app.tasks.run_op(
            lambda: materials.list_files(store, app_id, material_key=key),
            success=loaded,
        )

    def _thumbs_loaded(self, thumbs: list[ops.Thumb]) -> None:
        for thumb in thumbs:
            if thumb.image is None:
                log.warning("no thumbnail for %s: %s", thumb.sha256, thumb.error)
                continue
            icon = QIcon(QPixmap.fromImage(thumb.image))
            self._icons[thumb.sha256] = icon
            self.list.set_icon(thumb.sha256, icon)

    # -- actions ---------------------------------------------------------------
    def choose_files(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(
            self, _("选择要导入的文件"), "", _(FILE_FILTER)
        )
        if names:
            self.import_paths([Path(n) for n in names])

    def import_paths(self, paths: Sequence[Path]) -> None:
        if not (self.application_id and self.material_key and paths):
            return
        relay = ops.Relay()
        relay.progress.connect(self._on_progress)
        store, actor = self.app.store, self.app.require_user().username
        app_id, key, callback = self.application_id, self.material_key, relay.callback()
        self.notice.clear()
        self._run(
            lambda: materials.import_files(
                store, application_id=app_id, material_key=key,
                paths=[Path(p) for p in paths], actor=actor, progress=callback,
            ),
            lambda result: self.show_import_result(result, relay),
            progress=True,
        )  # fmt: skip

    def show_import_result(self, result: ImportResult, _keep: object = None) -> None:
        lines = [e.message for e in result.errors]
        for line in lines:
            self.app.messages.warning(line)
        summary = ops.import_summary(result)
        if summary:
            self.app.messages.info(summary)
        self.notice.setText("\n".join(lines))

    # -- hot folder ------------------------------------------------------------
    def hot_folder_imported(
        self, application_id: str, material_key: str, _name: str = ""
    ) -> None:
        if (application_id, material_key) == (self.application_id, self.material_key):
            self.reload()

    def hot_folder_message(self, text: str) -> None:
        self.notice.setText(text)
