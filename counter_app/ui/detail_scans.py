"""The 扫描件 part of the application detail: the files of the material
selected in the materials table, the hot folder feeding that material, and
the number of scans per material.

The hot folder watcher is started once per app (``app.extras["hot_folder"]``);
its target follows whichever detail view was built last, so a window rebuilt
in another language keeps feeding the same watcher.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from counter_app.services import materials
from counter_app.store.db import Store
from counter_app.ui.context import AppContext
from counter_app.ui.scan.files_panel import MaterialFilesPanel
from counter_app.ui.scan.hotfolder_service import (
    HotFolderService,
    HotFolderTarget,
    connect_panel,
    start_hot_folder,
)
from counter_app.ui.scan.hotfolder_setting import HotFolderSetting


class LatestSettingTarget:
    """The target getter handed to the watcher thread: plain Python, reads the
    cached value of the newest ``HotFolderSetting`` (never a widget call)."""

    def __init__(self) -> None:
        self.setting: HotFolderSetting | None = None

    def __call__(self) -> HotFolderTarget | None:
        setting = self.setting
        return None if setting is None else setting.current_target()


def shared_hot_folder(app: AppContext) -> HotFolderService:
    """The app's one hot folder service, started on first use."""
    service = app.extras.get("hot_folder")
    if isinstance(service, HotFolderService):
        return service
    return start_hot_folder(app, LatestSettingTarget())


def stop_hot_folder(app: AppContext) -> None:
    service = app.extras.get("hot_folder")
    if isinstance(service, HotFolderService):
        service.stop()


def scan_counts(store: Store, application_id: str) -> dict[str, int]:
    """Files per material key (a pending processed copy is not counted)."""
    rows = materials.list_files(store, application_id)
    return dict(Counter(r.material_key for r in rows if r.replaces is None))


class DetailScans(QWidget):
    """``counts_changed(dict)`` whenever the per-material counts change."""

    counts_changed = Signal(object)

    def __init__(self, app: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.application_id = ""
        self.counts: dict[str, int] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.service = shared_hot_folder(app)
        self.hot_folder = HotFolderSetting(app, service=self.service)
        form = self.hot_folder.layout()
        if form is not None:
            form.setContentsMargins(0, 0, 0, 0)
        getter = self.service.target_getter
        if isinstance(getter, LatestSettingTarget):
            getter.setting = self.hot_folder
        self.files = MaterialFilesPanel(app)
        self.files.setEnabled(False)
        self.files.files_changed.connect(self._files_changed)
        connect_panel(self.service, self.files)
        layout.addWidget(self.files, 1)
        layout.addWidget(self.hot_folder)

    def show_record(self, record: dict[str, Any]) -> None:
        """A newly shown application: its materials become the hot folder's
        choices (paused until a material is selected); counts are reloaded."""
        self.application_id = str(record["id"])
        self.files.setEnabled(False)
        local = record.get("origin", "local") == "local"
        choices: Sequence[tuple[str, str]] = [
            (m["material_key"], m["name"]) for m in record["materials"]
        ]
        self.hot_folder.set_materials(
            self.application_id if local else "", choices if local else []
        )
        self.counts = {}
        self.counts_changed.emit(dict(self.counts))
        store, app_id = self.app.store, self.application_id
        self.app.tasks.run_op(
            lambda: scan_counts(store, app_id),
            success=lambda counts: self._counts_loaded(app_id, counts),
        )

    def select(self, record: dict[str, Any], material: dict[str, Any] | None) -> None:
        if material is None:
            self.files.setEnabled(False)
            return
        local = record.get("origin", "local") == "local"
        self.files.setEnabled(local)
        self.files.set_material(
            record["id"], material["material_key"], material["name"]
        )
        if local:
            self.hot_folder.choose_material(material["material_key"])

    def _counts_loaded(self, application_id: str, counts: dict[str, int]) -> None:
        if application_id != self.application_id:
            return  # another application is shown by now
        self.counts = dict(counts)
        self.counts_changed.emit(dict(self.counts))

    def _files_changed(self, material_key: str, count: int) -> None:
        if self.files.application_id != self.application_id:
            return
        if self.counts.get(material_key, 0) == count:
            return
        self.counts[material_key] = count
        self.counts_changed.emit(dict(self.counts))
