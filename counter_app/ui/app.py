"""Start the desk GUI: show the sign-in dialog at once while the store opens
on its worker, then run the workspace; on quit wait for background writes so
none is cut in half.

Only Qt and a few light modules load before the sign-in dialog is on screen;
the store, the services and the main window load behind it.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from counter_app import i18n
from counter_app.cli import upgrade_notice
from counter_app.i18n import _
from counter_app.ui.errors import describe, install_excepthook, setup_logging
from counter_app.ui.qt_translations import install_qt_translations
from counter_app.ui.signin import SignInDialog
from counter_app.ui.tasks import TaskRunner
from counter_app.ui.theme import apply_theme, options_from_settings

if TYPE_CHECKING:
    from counter_app.services.site_config import SiteConfig
    from counter_app.store.db import Store

log = logging.getLogger(__name__)
UI_SETTINGS_FILE = "ui.ini"


def ui_settings(data_dir: Path) -> QSettings:
    """Window geometry, splitters, theme and queue: an INI file in the data
    directory, so a desk's layout travels with its data."""
    path = data_dir / UI_SETTINGS_FILE
    if not path.exists() and data_dir.is_dir():  # 0600 like every file there
        with contextlib.suppress(OSError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    return QSettings(str(path), QSettings.Format.IniFormat)


def apply_print_defaults(ui: QSettings, config: SiteConfig) -> None:
    """The site's printer and paper in the INI the print dialog reads:
    always when the site fixes them, else only as the first choice."""
    for setting, ui_key in (
        ("print.printer", "print/printer"),
        ("print.paper", "print/paper"),
    ):
        value = config.values.get(setting)
        if value is None:
            continue
        if setting not in config.user_may_change or not ui.value(ui_key, ""):
            ui.setValue(ui_key, value)


@dataclass(frozen=True)
class DeskStart:
    store: Store
    heading: str
    language: str
    idle_lock_minutes: int
    upgrade_backup: Path | None = None


def open_desk(data_dir: Path, site_config: SiteConfig | None = None) -> DeskStart:
    """Open (and on first start seed) the store, apply the site
    configuration; runs on the store worker."""
    from counter_app.services.setup import ensure_seeded
    from counter_app.store import settings
    from counter_app.store.db import Store

    store = Store.open(data_dir)
    try:
        ensure_seeded(store)
        if store.upgrade_backup is not None:
            log.warning("%s", upgrade_notice(store.upgrade_backup))
        if site_config is not None:
            from counter_app.services.site_config import apply_site_config

            for notice in apply_site_config(store, site_config):
                log.warning("%s", notice)
        ident = settings.identity(store.db)
        return DeskStart(
            store=store,
            upgrade_backup=store.upgrade_backup,
            heading=f"{ident.center_name} {ident.window_name}",
            language=settings.get(store.db, "language") or i18n.DEFAULT_LANGUAGE,
            idle_lock_minutes=settings.get_int(store.db, "idle_lock_minutes"),
        )
    except BaseException:
        store.close()
        raise


# What building the workspace imports, loaded while the clerk types the
# password (modules the main window imports only when it is built).
WORKSPACE_MODULES = (
    "counter_app.ui.workspace",
    "counter_app.ui.intake.widget",
    "counter_app.ui.sync_status",
    "counter_app.ui.scan.startup",
    "counter_app.services.certificates",
)


def _preload_workspace() -> None:
    for name in WORKSPACE_MODULES:
        importlib.import_module(name)


def run_gui(
    data_dir: Path, *, language: str | None, site_config: SiteConfig | None = None
) -> int:
    """The desk GUI; returns the process exit code."""
    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(qt_app, QApplication)
    qt_app.setApplicationName("Counter")
    qt_app.setOrganizationName("Counter")
    qt_app.setApplicationDisplayName("Counter")
    install_excepthook()
    ui = ui_settings(data_dir)
    if site_config is not None:
        apply_print_defaults(ui, site_config)
    # The language is cached in the INI so the first dialog is already in
    # it; the store's setting is authoritative and refreshes the cache.
    cached = str(ui.value("ui/language", "") or "")
    if (language or cached) in i18n.LANGUAGES:
        i18n.set_language(language or cached)
    install_qt_translations(i18n.language())
    apply_theme(qt_app, options_from_settings(ui))
    tasks = TaskRunner()
    started: dict[str, Any] = {}

    def store_source() -> Store:
        if "desk" not in started:
            raise started.get("error") or RuntimeError("store not open")
        return started["desk"].store  # type: ignore[no-any-return]

    dialog = SignInDialog(store_source, tasks, mode="start")

    def opened(desk: DeskStart) -> None:
        started["desk"] = desk
        dialog.set_heading(desk.heading)
        if desk.upgrade_backup is not None:
            QMessageBox.information(
                dialog, _("程序已升级"), upgrade_notice(desk.upgrade_backup)
            )
        ui.setValue("ui/language", language or desk.language)
        if language is None and desk.language != i18n.language():
            i18n.set_language(desk.language)
            install_qt_translations(desk.language)

    def failed(exc: BaseException) -> None:
        started["error"] = exc
        message, details = describe(exc)
        log.error("%s\n%s", message, details)
        QMessageBox.critical(dialog, _("无法打开数据库"), message)
        dialog.done(2)

    def start() -> None:
        # Once the dialog is on screen: the log file, the store (its
        # imports would otherwise compete with the dialog for the GIL), and
        # the main window's modules, while the clerk types the password.
        try:
            setup_logging(data_dir)
        except OSError as exc:
            log.warning("no log file: %s", exc)
        tasks.run_op(
            lambda: open_desk(data_dir, site_config), success=opened, failure=failed
        )
        tasks.run_io(_preload_workspace)

    QTimer.singleShot(0, start)
    try:
        result = dialog.exec()
        tasks.wait()
        if "error" in started:
            return 2
        if result != SignInDialog.DialogCode.Accepted:
            return 0
        return _run_workspace(
            qt_app, data_dir, tasks, ui, started["desk"], dialog.context
        )
    finally:
        tasks.wait()
        if "desk" in started:
            started["desk"].store.close()


def _run_workspace(
    qt_app: QApplication,
    data_dir: Path,
    tasks: TaskRunner,
    ui: QSettings,
    desk: DeskStart,
    user: Any,
) -> int:
    from counter_app.ui.context import AppContext
    from counter_app.ui.messages import MessageBridge
    from counter_app.ui.workspace import Workspace

    app = AppContext(
        store=desk.store, tasks=tasks, messages=MessageBridge(), settings=ui, user=user
    )
    from counter_app.memory import release_free_memory
    from counter_app.ui.scan.startup import report_startup_check
    from counter_app.ui.sync_status import make_sync_provider

    provider = make_sync_provider(data_dir)
    workspace = Workspace(
        app,
        idle_lock_minutes=desk.idle_lock_minutes,
        heading=desk.heading,
        sync_provider=provider,
    )
    workspace.show()
    # Behind the shown window: the printing modules (reportlab: a second of
    # imports) and the body font for the first print (the rare-character
    # fonts, ~100 MB in memory, load with the first character that needs
    # them), and the check that every scan the database names is on disk;
    # after the checks, the heap pages they freed go back to the system.
    tasks.run_io(lambda: importlib.import_module("printing").register_fonts(rare=False))
    report_startup_check(app, finished=lambda: tasks.run_io(release_free_memory))
    code = qt_app.exec()
    workspace.close()
    return int(code)


__all__ = ["DeskStart", "open_desk", "run_gui", "ui_settings"]
