"""The windows other parts of the desk provide, reached from the workspace:
sync (sync now, rejected operations, conflicts), the supervisor's tools
(statistics, day close, daily log export) and reprinting an application's
documents. Each is imported when first used, so the workspace starts fast."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QMainWindow, QMenu, QVBoxLayout, QWidget

from counter_app.i18n import _
from counter_app.ui.context import AppContext
from counter_app.ui.statusbar import SyncStatusProvider


def _open(parent: QWidget, make: Callable[[], QDialog]) -> QDialog:
    dialog = make()
    dialog.setParent(parent, dialog.windowFlags())
    dialog.open()
    return dialog


def add_sync_menu(
    window: QMainWindow, app: AppContext, provider: SyncStatusProvider
) -> QMenu:
    menu = window.menuBar().addMenu(_("同步(&Y)"))
    now = QAction(_("立即同步(&N)"), window)
    sync_now = getattr(provider, "sync_now", None)
    now.setEnabled(callable(sync_now))
    if callable(sync_now):

        def sync() -> None:
            sync_now()
            app.messages.info(_("正在同步…"))

        now.triggered.connect(sync)
    menu.addAction(now)

    def dead_letters() -> QDialog:
        from counter_app.ui.dead_letters import DeadLettersDialog

        return DeadLettersDialog(app, parent=window)

    def conflicts() -> QDialog:
        from counter_app.ui.conflicts import ConflictsDialog

        return ConflictsDialog(app, parent=window)

    def quarantined() -> QDialog:
        from counter_app.ui.quarantine import QuarantineDialog

        return QuarantineDialog(app, parent=window)

    for text, make in (
        (_("被中心拒绝的操作(&R)…"), dead_letters),
        (_("同步冲突(&C)…"), conflicts),
        (_("暂未应用的中心变更(&A)…"), quarantined),
    ):
        action = QAction(text, window)
        action.triggered.connect(lambda _c=False, m=make: _open(window, m))
        menu.addAction(action)
    _add_enroll_action(menu, window, app, sync_now)
    return menu


def _add_enroll_action(
    menu: QMenu, window: QMainWindow, app: AppContext, sync_now: object
) -> None:
    """注册到中心平台… — for supervisors (the dialog checks the role too);
    a fresh enrollment starts a sync round at once."""

    def started(_enrollment: object) -> None:
        if callable(sync_now):
            sync_now()

    def enroll() -> QDialog:
        from counter_app.ui.enroll_dialog import EnrollDialog

        return EnrollDialog(app, on_enrolled=started, parent=window)

    text = _("注册到中心平台(&E)…")
    menu.addSeparator()
    action = QAction(text, window)
    action.setObjectName("enrollAction")
    action.triggered.connect(lambda _c=False: _open(window, enroll))
    menu.addAction(action)

    def site_codes() -> QDialog:
        from counter_app.ui.site_dialog import SiteDialog

        return SiteDialog(app, parent=window)

    codes = QAction(_("站点和窗口代码(&W)…"), window)
    codes.setObjectName("siteCodesAction")
    codes.triggered.connect(lambda _c=False: _open(window, site_codes))
    menu.addAction(codes)

    def role_check() -> None:
        action.setVisible(app.user is not None and app.user.is_supervisor)
        codes.setVisible(app.user is not None and app.user.is_supervisor)

    menu.aboutToShow.connect(role_check)
    role_check()


def add_supervisor_menu(window: QMainWindow, app: AppContext) -> QMenu:
    """统计, 日结, 导出, 用户与锁定 — shown to supervisors only (the services
    check too)."""
    menu = window.menuBar().addMenu(_("负责人(&M)"))

    def stats() -> QDialog:
        from counter_app.ui.supervisor.stats_view import DIALOG_SIZE, StatsView

        dialog = QDialog(window)
        dialog.setWindowTitle(_("统计"))
        dialog.setAccessibleName(_("统计"))
        QVBoxLayout(dialog).addWidget(StatsView(app, dialog))
        dialog.resize(*DIALOG_SIZE)
        return dialog

    def day_close() -> QDialog:
        from counter_app.ui.supervisor.day_close_dialog import DayCloseDialog

        return DayCloseDialog(app, parent=window)

    def export() -> QDialog:
        from counter_app.ui.supervisor.export_dialog import ExportDialog

        return ExportDialog(app, parent=window)

    def accounts() -> QDialog:
        from counter_app.ui.supervisor.accounts_dialog import AccountsDialog

        return AccountsDialog(app, parent=window)

    for text, make in (
        (_("统计(&S)…"), stats),
        (_("日结(&C)…"), day_close),
        (_("导出办件日志(&E)…"), export),
        (_("用户与锁定(&U)…"), accounts),
    ):
        action = QAction(text, window)
        action.triggered.connect(lambda _c=False, m=make: _open(window, m))
        menu.addAction(action)
    return menu


def documents_menu(app: AppContext, record: dict[str, Any], parent: QWidget) -> QMenu:
    """补打: the documents that make sense for this application now."""
    from counter_app.services.documents import documents_for
    from counter_app.ui.documents import DOCUMENT_TITLES, open_application_document

    menu = QMenu(parent)
    for kind in documents_for(record):
        action = menu.addAction(_(DOCUMENT_TITLES.get(kind, kind)))
        action.triggered.connect(
            lambda _c=False, k=kind: open_application_document(
                app, [record["id"]], k, parent
            )
        )
    return menu


def connect_sync_events(app: AppContext, provider: SyncStatusProvider) -> None:
    """Results ready, conflicts and rejections reach the clerk as messages."""
    for name, show in (
        (
            "result_ready",
            lambda number, text: app.messages.info(
                _("{number}：{text}").format(number=number, text=text)
            ),
        ),
        ("conflict", app.messages.warning),
        ("dead_letter", app.messages.warning),
    ):
        signal = getattr(provider, name, None)
        if signal is not None:
            signal.connect(show)
