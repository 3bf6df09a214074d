"""The screens scripts/screenshots.py takes, once per language and font
size, on the X display it started (see that script)."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication, QDialog, QWidget

SIZE = (1280, 800)


class Shots:
    def __init__(self, qt_app: QApplication, out: Path) -> None:
        self.qt_app = qt_app
        self.out = out
        self.n = 0

    def wait(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        end = time.monotonic() + timeout
        while not condition() and time.monotonic() < end:
            self.qt_app.processEvents()
            time.sleep(0.01)
        for _ in range(30):
            self.qt_app.processEvents()
            time.sleep(0.01)

    def take(self, widget: QWidget, name: str) -> None:
        if not widget.isVisible():
            widget.show()
        widget.raise_()
        widget.activateWindow()
        self.wait(lambda: widget.isVisible(), 2)
        frame = widget.frameGeometry()
        pixmap = widget.screen().grabWindow(
            0, frame.x(), frame.y(), frame.width(), frame.height()
        )
        if pixmap.isNull():
            pixmap = widget.grab()
        self.n += 1
        path = self.out / f"{self.n:02d}-{name}.png"
        pixmap.save(str(path))
        print(path)


def capture_all(
    out: Path, langs: list[str], fonts: list[str], data_dir: Path, applications: int
) -> int:
    from counter_app.services.demo import seed_demo
    from counter_app.store.db import Store

    store = Store.open(data_dir)
    seed_demo(store, applications=applications)
    qt_app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(qt_app, QApplication)
    qt_app.setApplicationName("Counter")
    try:
        for lang in langs:
            for font in fonts:
                folder = out / f"{lang}-{font}"
                folder.mkdir(parents=True, exist_ok=True)
                capture(Shots(qt_app, folder), store, data_dir, lang, font == "large")
    finally:
        store.close()
    return 0


def capture(shots: Shots, store: Any, data_dir: Path, lang: str, large: bool) -> None:
    from counter_app import i18n
    from counter_app.services.demo import demo_context
    from counter_app.store import settings
    from counter_app.ui.app import ui_settings
    from counter_app.ui.context import AppContext
    from counter_app.ui.messages import MessageBridge
    from counter_app.ui.qt_translations import install_qt_translations
    from counter_app.ui.signin import SignInDialog
    from counter_app.ui.tasks import TaskRunner
    from counter_app.ui.theme import ThemeOptions, apply_theme
    from counter_app.ui.workspace import Workspace

    i18n.set_language(lang)
    install_qt_translations(lang)
    apply_theme(shots.qt_app, ThemeOptions(large_font=large))
    tasks = TaskRunner()
    app = AppContext(
        store=store,
        tasks=tasks,
        messages=MessageBridge(),
        settings=ui_settings(data_dir / f"ui-{lang}-{int(large)}"),
    )
    ident = settings.identity(store.db)
    heading = f"{ident.center_name} {ident.window_name}"

    dialog = SignInDialog(store, tasks, mode="start", heading=heading)
    dialog.show()
    dialog.username.setText("clerk01")
    dialog.password.setText("x" * 9)
    dialog.password.setFocus()
    shots.wait(lambda: dialog.isVisible())
    shots.take(dialog, "signin")
    dialog.close()

    app.user = demo_context(store, "chief01")  # every menu shows
    ws = Workspace(app, idle_lock_minutes=0, heading=heading)
    window = ws.window
    window.resize(*SIZE)
    window.move(20, 20)
    ws.show()
    window.tabs.setCurrentIndex(0)
    window.queue.call_next()
    intake = window.intake
    intake.load_selection(("XK00101001",), "", answers={})
    shots.wait(lambda: intake.selection is not None and not tasks.busy())
    shots.take(window, "intake")
    intake_dialogs(shots, ws)

    window.find_applications()
    panel = window.list_panel
    shots.wait(lambda: panel.model.total is not None)
    shots.take(window, "list")
    detail_dialogs(shots, ws)
    menu_dialogs(shots, ws)

    window.show_shortcuts()
    shots.take(window.help_dialog, "shortcuts")
    window.help_dialog.accept()
    settings_dialog = ws.open_settings()
    shots.take(settings_dialog, "settings")
    settings_dialog.reject()

    apply_theme(shots.qt_app, ThemeOptions(large_font=large, high_contrast=True))
    panel.fit_columns()
    shots.wait(lambda: True)
    shots.take(window, "high-contrast")
    apply_theme(shots.qt_app, ThemeOptions(large_font=large))

    ws.lock()
    assert ws.lock_dialog is not None
    shots.take(window, "locked-window")
    shots.take(ws.lock_dialog, "lock-dialog")
    ws.lock_dialog.hide()
    ws.close()
    tasks.wait()
    apply_theme(shots.qt_app, ThemeOptions())


def intake_dialogs(shots: Shots, ws: Any) -> None:
    from counter_app.services.intake import MaterialState
    from counter_app.ui.intake.decision_dialogs import (
        DeferredDialog,
        NoticeDialog,
        RejectDialog,
    )

    w = ws.window.intake
    outstanding = [
        ("营业执照", MaterialState.MISSING, ""),
        ("经营场所使用证明", MaterialState.DEFECTIVE, "过期"),
    ]
    for name, dialog in (
        ("deferred", DeferredDialog(["经营场所使用证明"], date.today(), w)),
        ("notice", NoticeDialog(outstanding, w)),
        ("reject", RejectDialog(w)),
    ):
        dialog.show()
        shots.take(dialog, name)
        dialog.reject()


def _select(shots: Shots, ws: Any, status: str) -> None:
    panel, detail = ws.window.list_panel, ws.window.detail
    app_id = ws.app.store.db.execute(
        "SELECT id FROM applications WHERE status = ? ORDER BY acceptance_no LIMIT 1",
        [status],
    ).fetchone()[0]
    while not any(r.id == app_id for r in panel.model.rows):
        if not panel.model.canFetchMore():
            detail.load(app_id)
            break
        panel.model.fetchMore()
        shots.wait(lambda: not panel.model.is_loading())
    else:
        row = next(i for i, r in enumerate(panel.model.rows) if r.id == app_id)
        panel.table.selectRow(row)
    shots.wait(lambda: detail.view is not None and detail.current_id() == app_id)


def detail_dialogs(shots: Shots, ws: Any) -> None:
    detail = ws.window.detail
    _select(shots, ws, "result_ready")
    shots.take(ws.window, "detail")
    detail.deliver()
    deliver = detail.active_dialog
    deliver.recipient_id.setText("110101199001011237")
    deliver.submit()
    shots.wait(lambda: deliver.errors["recipient_id_number"].text() != "")
    shots.take(deliver, "deliver-error")
    deliver.reject()
    detail.evaluate()
    evaluation = detail.active_dialog
    evaluation.level_buttons[2].setChecked(True)
    evaluation.submit()
    shots.take(evaluation, "evaluation-follow-up")
    evaluation.reject()
    detail.withdraw()
    shots.take(detail.active_dialog, "withdraw")
    detail.active_dialog.reject()
    from counter_app.ui.documents import open_application_document

    paper = open_application_document(
        ws.app, [detail.current_id()], "receipt", ws.window
    )
    shots.wait(lambda: not ws.app.tasks.busy())
    shots.take(paper, "document-receipt")
    paper.close()
    _select(shots, ws, "notified_to_supplement")
    detail.supplement()
    shots.take(detail.active_dialog, "supplement")
    detail.active_dialog.reject()


def menu_dialogs(shots: Shots, ws: Any) -> None:
    """Every dialog the 同步 and 负责人 menus open."""
    window = ws.window
    for menu in (window.sync_menu, window.supervisor_menu):
        for action in menu.actions():
            if action.isSeparator() or not action.isEnabled():
                continue
            if action.text() in ("立即同步(&N)", "Sync &now"):
                continue
            before = set(window.findChildren(QDialog))
            action.trigger()
            shots.wait(lambda: not ws.app.tasks.busy())
            opened = [
                d
                for d in window.findChildren(QDialog)
                if d not in before and d.isVisible()
            ]
            for dialog in opened:
                text = re.sub(r"\(&\w\)|&", "", action.text())
                name = re.sub(r"\W+", "-", text).strip("-").lower()
                shots.take(dialog, "menu-" + name)
                dialog.reject()
