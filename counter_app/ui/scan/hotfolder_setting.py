"""Choose the hot folder (setting ``scan.hot_folder``) and the material the
next pages from it go to.

The folder is saved with ``set_setting`` on the store worker and checked
(``hot_folder_reason``: exists, writable — a network drive may hang) with
``run_io``. ``current_target()`` returns a frozen value cached when the
choice changes, so the watcher thread may call it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from counter_app.i18n import _
from counter_app.scanning.sources import hot_folder_reason
from counter_app.services.settings_service import (
    HOT_FOLDER_KEY,
    get_setting,
    set_setting,
)
from counter_app.ui.context import AppContext
from counter_app.ui.scan.hotfolder_service import HotFolderService, HotFolderTarget


class HotFolderSetting(QWidget):
    def __init__(
        self,
        app: AppContext,
        parent: QWidget | None = None,
        *,
        service: HotFolderService | None = None,
    ) -> None:
        super().__init__(parent)
        self.app = app
        self.service = service
        self.application_id = ""
        self._target: HotFolderTarget | None = None
        self.setAccessibleName(_("热文件夹"))
        form = QFormLayout(self)
        row = QHBoxLayout()
        self.path = QLineEdit()
        self.path.setAccessibleName(_("热文件夹路径"))
        self.path.setPlaceholderText(_("扫描软件保存文件的文件夹"))
        self.path.returnPressed.connect(self.save)
        row.addWidget(self.path, 1)
        self.browse = QPushButton(_("浏览…"))
        self.browse.setAccessibleName(_("浏览"))
        self.browse.clicked.connect(self.choose_folder)
        row.addWidget(self.browse)
        self.save_button = QPushButton(_("保存(&K)"))
        self.save_button.setAccessibleName(_("保存热文件夹"))
        self.save_button.clicked.connect(self.save)
        row.addWidget(self.save_button)
        # a label with a buddy underlines its letter instead of showing "&"
        folder_label = QLabel(_("热文件夹(&L)"))
        folder_label.setBuddy(self.path)
        form.addRow(folder_label, row)
        self.material = QComboBox()
        self.material.setAccessibleName(_("新文件归入的材料"))
        self.material.currentIndexChanged.connect(self._target_changed)
        form.addRow(_("归入材料(&G)"), self.material)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName(_("热文件夹状态"))
        form.addRow(self.status)
        self.set_materials("", [])
        self._load()

    # -- folder ------------------------------------------------------------
    def _load(self) -> None:
        store = self.app.store
        self.app.tasks.run_op(
            lambda: get_setting(store, HOT_FOLDER_KEY), success=self._loaded
        )

    def _loaded(self, value: str) -> None:
        if not self.path.text():
            self.path.setText(value)
        self._check(value)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, _("选择热文件夹"), self.path.text()
        )
        if folder:
            self.path.setText(folder)
            self.save()

    def save(self) -> None:
        value = self.path.text().strip()
        store = self.app.store
        actor = self.app.user.username if self.app.user else "system"
        self.save_button.setEnabled(False)
        self.app.tasks.run_op(
            lambda: set_setting(store, HOT_FOLDER_KEY, value, actor=actor),
            success=lambda _none: self._saved(value),
            failure=self._save_failed,
        )

    def _saved(self, value: str) -> None:
        self.save_button.setEnabled(True)
        self.app.messages.info(_("热文件夹设置已保存。"))
        self._check(value)
        if self.service is not None:
            if value:
                self.service.start(Path(value))
            else:
                self.service.stop()

    def _save_failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.app.tasks.default_failure(exc)
        self.status.setText(_("热文件夹设置没有保存：{error}").format(error=exc))

    def _check(self, value: str) -> None:
        folder = Path(value) if value else None
        self.app.tasks.run_io(
            lambda: hot_folder_reason(folder),
            success=lambda reason: self._checked(value, reason),
        )

    def _checked(self, value: str, reason: str | None) -> None:
        if value != self.path.text().strip():
            return  # the clerk has typed another folder since
        if reason is None:
            reason = _("正在监视“{path}”，放入的文件会自动归入所选材料。").format(
                path=value
            )
        self.status.setText(reason)

    # -- target material -----------------------------------------------------
    def set_materials(
        self, application_id: str, materials: Sequence[tuple[str, str]]
    ) -> None:
        """The materials of the application now open, as (key, name)."""
        self.application_id = application_id
        self.material.blockSignals(True)
        self.material.clear()
        self.material.addItem(_("（暂停：文件留在热文件夹中）"), "")
        for key, name in materials:
            self.material.addItem(name, key)
        self.material.blockSignals(False)
        self._target_changed()

    def choose_material(self, material_key: str) -> None:
        index = self.material.findData(material_key)
        if index >= 0:
            self.material.setCurrentIndex(index)

    def _target_changed(self) -> None:
        key = self.material.currentData()
        if self.application_id and key:
            self._target = HotFolderTarget(
                self.application_id, key, self.material.currentText()
            )
        else:
            self._target = None

    def current_target(self) -> HotFolderTarget | None:
        return self._target
