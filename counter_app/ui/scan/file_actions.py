"""The panel's per-file actions (mixed into ``MaterialFilesPanel``): each one
reads the selection, hands one service call to ``_run`` and selects the
result when it comes back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QLabel, QWidget

from counter_app.i18n import N_, _
from counter_app.services import materials
from counter_app.services.materials import ImportResult
from counter_app.store.blobstore import BlobStore
from counter_app.ui.context import AppContext
from counter_app.ui.scan import ops
from counter_app.ui.scan.page_list import PageList
from counter_app.ui.scan.viewer import PageViewer, ViewSource

FILE_FILTER = N_("图像和 PDF (*.jpg *.jpeg *.png *.tif *.tiff *.pdf);;所有文件 (*)")


def _widget(obj: object) -> QWidget:
    assert isinstance(obj, QWidget)  # FileActions is mixed into a QWidget
    return obj


class FileActions:
    # Provided by MaterialFilesPanel.
    app: AppContext
    blobs: BlobStore
    list: PageList
    notice: QLabel
    application_id: str
    material_key: str
    material_name: str
    sane_env: dict[str, str] | None
    viewer: PageViewer | None
    _run: Any
    rows: Any
    reload: Any
    show_import_result: Any
    select_after_reload: Any

    def choose_replacement(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(
            _widget(self), _("选择替换用的文件"), "", _(FILE_FILTER)
        )
        if name:
            self.replace_selected(Path(name))

    def replace_selected(self, path: Path) -> None:
        row = self.list.current_row()
        if row is None:
            return
        store, actor = self.app.store, self.app.require_user().username
        self._run(
            lambda: materials.replace_file(
                store, file_id=row.id, path=path, actor=actor
            ),
            lambda new: self.select_after_reload(new.id),
        )

    def delete_selected(self) -> None:
        row = self.list.current_row()
        if row is None:
            return
        store, actor = self.app.store, self.app.require_user().username
        if row.replaces is not None:
            self._run(
                lambda: materials.discard_processing(store, file_id=row.id, actor=actor)
            )
            return
        self._run(lambda: materials.remove_file(store, file_id=row.id, actor=actor))

    def move_selected(self, step: int) -> None:
        row = self.list.current_row()
        order = ops.moved_order(self.rows(), row.id, step) if row else None
        if order is None:
            return
        store, actor = self.app.store, self.app.require_user().username
        app_id, key = self.application_id, self.material_key
        self._run(
            lambda: materials.reorder(
                store, application_id=app_id, material_key=key,
                file_ids_in_order=order, actor=actor,
            )
        )  # fmt: skip

    def rotate_selected(self) -> None:
        row = self.list.current_row()
        if row is None:
            return
        store, actor = self.app.store, self.app.require_user().username
        self.notice.setText(_("正在旋转，完成后请确认或撤销。"))
        self._run(
            lambda: ops.rotate_pending(store, row=row, actor=actor),
            lambda new: self.select_after_reload(new.id),
            progress=True,
        )

    def confirm_selected(self) -> None:
        row = self.list.current_row()
        pending = ops.pending_for(self.rows(), row) if row else None
        if pending is None:
            return
        store, actor = self.app.store, self.app.require_user().username
        self.notice.clear()
        self._run(
            lambda: materials.confirm_processing(
                store, file_id=pending.id, actor=actor
            ),
            lambda new: self.select_after_reload(new.id),
        )

    def discard_selected(self) -> None:
        row = self.list.current_row()
        pending = ops.pending_for(self.rows(), row) if row else None
        if pending is None:
            return
        store, actor = self.app.store, self.app.require_user().username
        self.notice.clear()
        self._run(
            lambda: materials.discard_processing(
                store, file_id=pending.id, actor=actor
            ),
            lambda _none: self.select_after_reload(pending.replaces or 0),
        )

    def view_selected(self) -> None:
        row = self.list.current_row()
        if row is None:
            return
        blobs, sha = self.blobs, row.sha256
        source = ViewSource(
            read=lambda: blobs.read_bytes(sha),
            mime=row.mime,
            pages=max(1, row.pages),
            title=row.original_name,
        )
        self.viewer = PageViewer(self.app, source, _widget(self))
        self.viewer.open()

    def open_scan_dialog(self) -> None:
        if not (self.application_id and self.material_key):
            return
        from counter_app.ui.scan.scan_dialog import ScanDialog

        dialog = ScanDialog(
            self.app,
            application_id=self.application_id,
            material_key=self.material_key,
            material_name=self.material_name,
            sane_env=self.sane_env,
            parent=_widget(self),
        )
        dialog.attached.connect(self._scanned)
        self.scan_dialog = dialog
        dialog.open()

    def open_camera_dialog(self) -> None:
        if not (self.application_id and self.material_key):
            return
        from counter_app.ui.scan.camera_dialog import CameraDialog

        dialog = CameraDialog(
            self.app,
            application_id=self.application_id,
            material_key=self.material_key,
            material_name=self.material_name,
            parent=_widget(self),
        )
        dialog.attached.connect(self._scanned)
        dialog.finished.connect(dialog.deleteLater)  # lets the camera go
        self.camera_dialog = dialog
        dialog.open()

    def _scanned(self, result: ImportResult) -> None:
        self.show_import_result(result)
        self.reload()
