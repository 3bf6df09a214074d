"""The hot folder watched while the workspace is open.

``start_hot_folder(app, target_getter)`` starts a ``HotFolderWatcher``. Its
thread imports each stable file through the store's worker (one writer) and
reports by signals, which Qt delivers on the UI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, Signal

from counter_app.i18n import _
from counter_app.scanning.errors import FileRejected
from counter_app.scanning.hotfolder import HotFolder, HotFolderEvent, HotFolderWatcher
from counter_app.services import materials
from counter_app.services.settings_service import HOT_FOLDER_KEY, get_setting
from counter_app.ui.context import AppContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HotFolderTarget:
    application_id: str
    material_key: str
    material_name: str = ""


# Called on the watcher thread: it must only read plain data (no widgets).
TargetGetter = Callable[[], HotFolderTarget | None]


class _Call(QRunnable):
    def __init__(self, fn: Callable[[], Any], future: Future[Any]) -> None:
        super().__init__()
        self.fn, self.future = fn, future

    def run(self) -> None:
        try:
            self.future.set_result(self.fn())
        except BaseException as exc:  # handed back to the waiting thread
            self.future.set_exception(exc)


class _TargetedFolder(HotFolder):
    """Leaves files where they are while no material is chosen."""

    def __init__(self, folder: Path, handler: Any, target: TargetGetter) -> None:
        super().__init__(folder, handler)
        self.target = target

    def scan_once(self) -> list[HotFolderEvent]:
        if self.target() is None:
            return []
        return super().scan_once()


class HotFolderService(QObject):
    imported = Signal(str, str, str)  # application_id, material_key, file name
    events_arrived = Signal(object)  # list[HotFolderEvent], on the UI thread
    message = Signal(str)  # a failure a clerk should read
    started = Signal(str)  # the folder now watched

    def __init__(
        self,
        app: AppContext,
        target_getter: TargetGetter,
        *,
        interval_s: float = 1.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.app = app
        self.target_getter = target_getter
        self.interval_s = interval_s
        self.folder: Path | None = None
        self.watcher: HotFolderWatcher | None = None
        self.events_arrived.connect(self._show_events)
        app_instance = QCoreApplication.instance()
        if app_instance is not None:
            app_instance.aboutToQuit.connect(self.stop)

    def start(self, folder: Path | None = None) -> None:
        """Watch ``folder``, or the folder in the settings when None."""
        if folder is not None:
            self._start_at(folder)
            return
        store = self.app.store
        self.app.tasks.run_op(
            lambda: get_setting(store, HOT_FOLDER_KEY),
            success=lambda value: self._start_at(Path(value) if value else None),
        )

    def _start_at(self, folder: Path | None) -> None:
        self.stop()
        self.folder = folder
        if folder is None:
            return
        hot = _TargetedFolder(folder, self._handle, self.target_getter)
        self.watcher = HotFolderWatcher(
            hot,
            interval_s=self.interval_s,
            on_events=self.events_arrived.emit,
            on_error=lambda exc: self.message.emit(
                _("热文件夹出错：{error}").format(error=exc)
            ),
        )
        self.watcher.start()
        self.started.emit(str(folder))

    def stop(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher = None

    def running(self) -> bool:
        return self.watcher is not None

    def _handle(self, path: Path) -> None:
        """On the watcher thread: import through the store's one worker."""
        target = self.target_getter()
        if target is None:  # the material was unset meanwhile: try later
            raise FileRejected(
                name=path.name,
                reason="changed",
                message=_("请先选择热文件夹中的文件要归入的材料。"),
            )
        store, actor = self.app.store, self.app.require_user().username
        future: Future[Any] = Future()
        self.app.tasks.store_pool.start(
            _Call(
                lambda: materials.import_one(
                    store, application_id=target.application_id,
                    material_key=target.material_key, path=path, actor=actor,
                ),
                future,
            )
        )  # fmt: skip
        future.result()
        self.imported.emit(target.application_id, target.material_key, path.name)

    def _show_events(self, events: list[HotFolderEvent]) -> None:
        for event in events:
            if event.status == "imported":
                self.app.messages.info(
                    _("已从热文件夹导入“{name}”。").format(name=event.name)
                )
            elif event.status in ("failed", "vanished"):
                self.app.messages.warning(event.message)
                self.message.emit(event.message)
            else:
                log.info("hot folder: %s %s", event.name, event.message)


def start_hot_folder(
    app: AppContext,
    target_getter: TargetGetter,
    *,
    folder: Path | None = None,
    interval_s: float = 1.0,
) -> HotFolderService:
    """Start watching (the setting's folder unless ``folder`` is given); the
    service is also kept in ``app.extras["hot_folder"]``."""
    service = HotFolderService(app, target_getter, interval_s=interval_s)
    app.extras["hot_folder"] = service
    service.start(folder)
    return service


def connect_panel(service: HotFolderService, panel: Any) -> None:
    """Let a ``MaterialFilesPanel`` reload and show hot-folder failures."""
    service.imported.connect(panel.hot_folder_imported)
    service.message.connect(panel.hot_folder_message)
