"""Start the desk GUI: open the store, sign in, run the workspace, and on
quit wait for background writes so none is cut in half.

``Workspace`` owns the main window and what happens around it: idle lock,
switching user, settings (theme, language — the window is rebuilt in place
and the intake form moves over with whatever is typed in it).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from counter_app import i18n
from counter_app.i18n import _
from counter_app.services.context import DeskContext
from counter_app.services.setup import ensure_seeded
from counter_app.store import settings
from counter_app.store.db import Store, StoreError
from counter_app.ui.context import AppContext
from counter_app.ui.errors import install_excepthook, setup_logging
from counter_app.ui.mainwindow import MainWindow
from counter_app.ui.messages import MessageBridge
from counter_app.ui.settings_dialog import SettingsDialog, WorkspaceSettings
from counter_app.ui.signin import IdleWatcher, SignInDialog
from counter_app.ui.statusbar import StoreSyncStatusProvider, SyncStatusProvider
from counter_app.ui.tasks import TaskRunner
from counter_app.ui.theme import ThemeOptions, apply_theme, options_from_settings

log = logging.getLogger(__name__)
UI_SETTINGS_FILE = "ui.ini"


def ui_settings(data_dir: Path) -> QSettings:
    """Window geometry, splitters, theme and queue: an INI file in the data
    directory, so a desk's layout travels with its data."""
    return QSettings(str(data_dir / UI_SETTINGS_FILE), QSettings.Format.IniFormat)


class Workspace(QObject):
    def __init__(
        self,
        app: AppContext,
        *,
        idle_lock_minutes: int,
        sync_provider: SyncStatusProvider | None = None,
        heading: str = "",
    ) -> None:
        super().__init__()
        self.app = app
        self.heading = heading
        self.sync_provider = sync_provider or StoreSyncStatusProvider(
            app.store, app.tasks, parent=self
        )
        self.idle_lock_minutes = idle_lock_minutes
        self.idle = IdleWatcher(idle_lock_minutes * 60_000, self)
        self.idle.idle.connect(self.lock)
        self.lock_dialog: SignInDialog | None = None
        self.switch_dialog: SignInDialog | None = None
        self.window = self._new_window(None)

    def _new_window(self, intake: object) -> MainWindow:
        window = MainWindow(
            self.app,
            sync_provider=self.sync_provider,
            intake=intake,  # type: ignore[arg-type]
            heading=self.heading,
        )
        window.lock_requested.connect(self.lock)
        window.switch_user_requested.connect(self.switch_user)
        window.settings_requested.connect(self.open_settings)
        return window

    def show(self) -> None:
        self.window.show()

    @property
    def locked(self) -> bool:
        return self.lock_dialog is not None

    # -- lock and switch ----------------------------------------------------
    def lock(self) -> None:
        if self.locked or self.app.user is None:
            return
        self.idle.pause()
        dialog = SignInDialog(
            self.app.store,
            self.app.tasks,
            mode="lock",
            locked_user=self.app.user,
            heading=self.heading,
            parent=self.window,
        )
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        dialog.signed_in.connect(self._unlocked)
        self.lock_dialog = dialog
        dialog.open()

    def _unlocked(self, ctx: DeskContext) -> None:
        previous = self.app.user
        dialog, self.lock_dialog = self.lock_dialog, None
        if dialog is not None:
            dialog.deleteLater()
        if previous is None or ctx.username != previous.username:
            self._set_user(ctx)
        self.idle.resume()

    def switch_user(self) -> None:
        dialog = SignInDialog(
            self.app.store,
            self.app.tasks,
            mode="switch",
            heading=self.heading,
            parent=self.window,
        )
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        dialog.signed_in.connect(self._set_user)
        dialog.finished.connect(lambda _code: dialog.deleteLater())
        self.switch_dialog = dialog
        dialog.open()

    def _set_user(self, ctx: DeskContext) -> None:
        self.app.user = ctx
        self.window.update_user()
        self.app.messages.info(_("当前用户：{name}").format(name=ctx.display_name))

    # -- settings -----------------------------------------------------------
    def current_settings(self) -> WorkspaceSettings:
        return WorkspaceSettings(
            language=i18n.language(),
            idle_lock_minutes=self.idle_lock_minutes,
            theme=options_from_settings(self.app.settings),
        )

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(
            self.app, current=self.current_settings(), parent=self.window
        )
        dialog.accepted.connect(lambda: self.apply_settings(dialog.result_value))
        dialog.finished.connect(lambda _code: dialog.deleteLater())
        self.settings_dialog = dialog
        dialog.open()
        return dialog

    def apply_settings(self, chosen: WorkspaceSettings) -> None:
        s = self.app.settings
        s.setValue("ui/large_font", chosen.theme.large_font)
        s.setValue("ui/high_contrast", chosen.theme.high_contrast)
        s.setValue("ui/language", chosen.language)
        s.setValue("ui/printer", chosen.printer)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, chosen.theme)
            # after the new font has reached the widgets
            QTimer.singleShot(0, self.window.list_panel.fit_columns)
        self.idle_lock_minutes = chosen.idle_lock_minutes
        self.idle.set_timeout_ms(chosen.idle_lock_minutes * 60_000)
        if chosen.language != i18n.language():
            i18n.set_language(chosen.language)
            self.rebuild()
            self.app.messages.info(_("界面语言已切换。"))

    def rebuild(self) -> None:
        """A new main window in the current language, in the old one's place;
        the intake form (and what is typed in it) moves across."""
        old = self.window
        old.save_layout()
        intake = old.take_intake()
        self.window = self._new_window(intake)
        self.window.show()
        old.hide()
        old.deleteLater()

    def close(self) -> None:
        self.idle.detach()
        self.sync_provider.stop()
        self.window.close()


def _open_store(data_dir: Path) -> Store:
    store = Store.open(data_dir)
    ensure_seeded(store)
    return store


def run_gui(data_dir: Path, *, language: str | None) -> int:
    """The desk GUI; returns the process exit code."""
    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(qt_app, QApplication)
    qt_app.setApplicationName("Counter")
    qt_app.setOrganizationName("Counter")
    qt_app.setApplicationDisplayName("Counter")
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        setup_logging(data_dir)
    except OSError as exc:
        log.warning("no log file: %s", exc)
    install_excepthook()
    ui = ui_settings(data_dir)
    # The language is known before the store opens (cached in the INI) so the
    # first dialog is already in it; the store's setting wins below.
    cached = str(ui.value("ui/language", "") or "")
    if language or cached in i18n.LANGUAGES:
        i18n.set_language(language or cached)
    apply_theme(qt_app, options_from_settings(ui))
    try:
        # Before any window exists: nothing to freeze yet.
        store = _open_store(data_dir)
    except StoreError as exc:
        QMessageBox.critical(None, _("无法打开数据库"), str(exc))
        return 2
    tasks = TaskRunner()
    app = AppContext(store=store, tasks=tasks, messages=MessageBridge(), settings=ui)
    stored_language = settings.get(store.db, "language")
    chosen = language or stored_language or i18n.DEFAULT_LANGUAGE
    if chosen in i18n.LANGUAGES and chosen != i18n.language():
        i18n.set_language(chosen)
    ident = settings.identity(store.db)
    heading = f"{ident.center_name} {ident.window_name}"
    idle_minutes = settings.get_int(store.db, "idle_lock_minutes")
    try:
        dialog = SignInDialog(store, tasks, mode="start", heading=heading)
        dialog.signed_in.connect(lambda ctx: setattr(app, "user", ctx))
        if dialog.exec() != SignInDialog.DialogCode.Accepted or app.user is None:
            return 0
        workspace = Workspace(app, idle_lock_minutes=idle_minutes, heading=heading)
        workspace.show()
        code = qt_app.exec()
        workspace.close()
        return int(code)
    finally:
        tasks.wait()
        store.close()


__all__ = ["ThemeOptions", "Workspace", "run_gui", "ui_settings"]
