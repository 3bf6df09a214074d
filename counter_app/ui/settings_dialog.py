"""设置: language, large font, high contrast, idle lock and printer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QSpinBox, QWidget

from counter_app import i18n
from counter_app.i18n import _
from counter_app.services.settings_service import save_desk_settings
from counter_app.store import settings
from counter_app.store.db import Store
from counter_app.ui.context import AppContext
from counter_app.ui.dialogbase import FormDialog
from counter_app.ui.theme import ThemeOptions


@dataclass(frozen=True)
class WorkspaceSettings:
    language: str
    idle_lock_minutes: int
    theme: ThemeOptions
    printer: str = ""


def load_desk_settings(store: Store) -> tuple[str, int]:
    return (
        settings.get(store.db, "language") or i18n.DEFAULT_LANGUAGE,
        settings.get_int(store.db, "idle_lock_minutes"),
    )


def _printer_names() -> list[str]:
    try:
        from counter_app.ui.printer import printer_names
    except ImportError:
        return []
    return printer_names()


class SettingsDialog(FormDialog):
    def __init__(
        self,
        app: AppContext,
        *,
        current: WorkspaceSettings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(app, _("设置"), parent)
        self.language = QComboBox()
        for code, name in i18n.LANGUAGES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(self.language.findData(current.language), 0))
        self.large_font = QCheckBox(_("大字体"))
        self.large_font.setChecked(current.theme.large_font)
        self.high_contrast = QCheckBox(_("高对比度"))
        self.high_contrast.setChecked(current.theme.high_contrast)
        self.idle = QSpinBox()
        self.idle.setRange(0, 240)
        self.idle.setSuffix(_(" 分钟"))
        self.idle.setSpecialValueText(_("不自动锁定"))
        self.idle.setValue(current.idle_lock_minutes)
        self.printer = QComboBox()
        self.printer.addItem(_("系统默认打印机"), "")
        if current.printer:
            self.printer.addItem(current.printer, current.printer)
            self.printer.setCurrentIndex(1)
        # Asking CUPS for its printers is I/O: off the UI thread.
        app.tasks.run_io(_printer_names, success=self._set_printers)
        self.add_field("language", _("界面语言(&G)："), self.language, _("界面语言"))
        self.add_field("large_font", _("显示："), self.large_font, _("大字体"))
        self.add_field("high_contrast", "", self.high_contrast, _("高对比度"))
        self.add_field("idle", _("无操作自动锁定(&I)："), self.idle, _("自动锁定时间"))
        self.add_field("printer", _("打印机(&P)："), self.printer, _("打印机"))

    def _set_printers(self, names: list[str]) -> None:
        current = self.printer.currentData()
        while self.printer.count() > 1:
            self.printer.removeItem(1)
        for name in names:
            self.printer.addItem(name, name)
        if current and current not in names:
            self.printer.addItem(
                _("{name}（当前不可用）").format(name=current), current
            )
        self.printer.setCurrentIndex(max(self.printer.findData(current), 0))

    def chosen(self) -> WorkspaceSettings:
        return WorkspaceSettings(
            language=self.language.currentData(),
            idle_lock_minutes=self.idle.value(),
            theme=ThemeOptions(
                large_font=self.large_font.isChecked(),
                high_contrast=self.high_contrast.isChecked(),
            ),
            printer=self.printer.currentData() or "",
        )

    def build_op(self) -> Callable[[], Any] | None:
        chosen = self.chosen()
        store = self.app.store
        actor = self.app.user.username if self.app.user else "system"

        def op() -> WorkspaceSettings:
            save_desk_settings(
                store,
                language=chosen.language,
                idle_lock_minutes=chosen.idle_lock_minutes,
                actor=actor,
            )
            return chosen

        return op
