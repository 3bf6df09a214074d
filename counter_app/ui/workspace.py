"""The workspace around the main window: idle lock, switching user and
settings (theme, language — the window is rebuilt in place and the intake
form moves over with whatever is typed in it)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

from counter_app import i18n
from counter_app.i18n import _
from counter_app.scanning import pagework
from counter_app.services.context import DeskContext
from counter_app.ui.context import AppContext
from counter_app.ui.detail_scans import stop_hot_folder
from counter_app.ui.integrations import connect_sync_events
from counter_app.ui.mainwindow import MainWindow
from counter_app.ui.qt_translations import install_qt_translations
from counter_app.ui.settings_dialog import SettingsDialog, WorkspaceSettings
from counter_app.ui.signin import IdleWatcher, SignInDialog
from counter_app.ui.statusbar import StoreSyncStatusProvider, SyncStatusProvider
from counter_app.ui.theme import apply_theme, options_from_settings


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
        connect_sync_events(app, self.sync_provider)
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
        self.window.focus_intake()

    @property
    def locked(self) -> bool:
        return self.lock_dialog is not None

    # -- lock and switch ----------------------------------------------------
    def lock(self) -> None:
        if self.locked or self.app.user is None:
            return
        self.idle.pause()
        self.window.flush_intake_draft()
        self.window.set_locked(True)
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
        self.window.set_locked(False)
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
        previous = self.app.user
        self.app.user = ctx
        if previous is not None and previous.username != ctx.username:
            self.window.forget_previous_user()
        self.window.update_user()
        self.window.focus_intake()
        self.app.messages.info(_("当前用户：{name}").format(name=ctx.display_name))

    # -- settings -----------------------------------------------------------
    def current_settings(self) -> WorkspaceSettings:
        return WorkspaceSettings(
            language=i18n.language(),
            idle_lock_minutes=self.idle_lock_minutes,
            theme=options_from_settings(self.app.settings),
            printer=str(self.app.settings.value("print/printer", "") or ""),
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
        # the key the print dialogs read; empty = the system default
        if chosen.printer:
            s.setValue("print/printer", chosen.printer)
        else:
            s.remove("print/printer")
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, chosen.theme)
            # after the new font has reached the widgets
            QTimer.singleShot(0, self.window.list_panel.fit_columns)
        self.idle_lock_minutes = chosen.idle_lock_minutes
        self.idle.set_timeout_ms(chosen.idle_lock_minutes * 60_000)
        if chosen.language != i18n.language():
            i18n.set_language(chosen.language)
            install_qt_translations(chosen.language)
            self.rebuild()
            self.app.messages.info(_("界面语言已切换。"))

    def rebuild(self) -> None:
        """A new main window in the current language, in the old one's place;
        the intake form (and what is typed in it) moves across."""
        old = self.window
        old.save_layout()
        intake = old.take_intake()
        retranslate = getattr(intake, "retranslate", None)
        if callable(retranslate):  # what is typed stays, the words change
            retranslate()
        # the hall server stops here and starts again in the new window;
        # the ticket being served moves across
        old.queue.shutdown()
        self.window = self._new_window(intake)
        self.window.queue.take_over(old.queue)
        self.window.show()
        old.hide()
        old.deleteLater()

    def close(self) -> None:
        self.idle.detach()
        self.sync_provider.stop()
        stop_hot_folder(self.app)
        pagework.shutdown(wait=False)
        self.window.close()
