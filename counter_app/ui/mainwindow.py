"""The window workspace: the queue on the left, 受理 and 办件 tabs in the
centre, menus with every shortcut, and the honest sync status below."""

from __future__ import annotations

import logging

from PySide6.QtCore import QByteArray, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app.i18n import _
from counter_app.ui.applications_list import ApplicationsPanel
from counter_app.ui.context import AppContext
from counter_app.ui.detail import DetailView
from counter_app.ui.errors import show_error
from counter_app.ui.hall_panel import HallPanel
from counter_app.ui.integrations import add_supervisor_menu, add_sync_menu
from counter_app.ui.statusbar import SyncStatusProvider, SyncStatusWidget

log = logging.getLogger(__name__)


def make_intake_widget(app: AppContext) -> QWidget:
    """The 受理 tab: the intake form (imported here, after sign-in)."""
    from counter_app.ui.intake.widget import IntakeWidget

    try:
        return IntakeWidget(app)
    except Exception as exc:  # the rest of the workspace stays usable
        log.exception("intake form failed to start")
        return _placeholder(_("受理表单无法打开：{error}").format(error=exc))


def _placeholder(text: str) -> QWidget:
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setAccessibleName(_("受理"))
    return label


class MainWindow(QMainWindow):
    lock_requested = Signal()
    switch_user_requested = Signal()
    settings_requested = Signal()

    def __init__(
        self,
        app: AppContext,
        *,
        sync_provider: SyncStatusProvider,
        intake: QWidget | None = None,
        heading: str = "",
    ) -> None:
        super().__init__()
        self.app = app
        self.heading = heading
        self.setObjectName("mainWindow")
        self.setAccessibleName(_("Counter 窗口工作台"))
        self.queue = HallPanel(app)
        self.intake = intake if intake is not None else make_intake_widget(app)
        self.list_panel = ApplicationsPanel(app)
        self.detail = DetailView(app)
        self.work_splitter = QSplitter(Qt.Orientation.Vertical)
        self.work_splitter.setObjectName("workSplitter")
        self.work_splitter.addWidget(self.list_panel)
        self.work_splitter.addWidget(self.detail)
        self.work_splitter.setStretchFactor(0, 3)
        self.work_splitter.setStretchFactor(1, 2)
        self.work_splitter.setSizes([460, 340])
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(_("工作区"))
        # The form may want more width than a large font leaves on a small
        # screen; it scrolls rather than pushing the window off the screen.
        self.intake_scroll = QScrollArea()
        self.intake_scroll.setWidgetResizable(True)
        self.intake_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.intake_scroll.setWidget(self.intake)
        self.intake_scroll.setAccessibleName(_("受理"))
        self.tabs.addTab(self.intake_scroll, _("受理(&1)"))
        self.tabs.addTab(self.work_splitter, _("办件(&2)"))
        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.main_splitter.setObjectName("mainSplitter")
        self.main_splitter.addWidget(self.queue)
        self.main_splitter.addWidget(self.tabs)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setSizes([180, 1220])
        # While locked the work is hidden (names and ID numbers are on it),
        # not closed: every widget keeps its state for the unlock.
        self.locked_label = QLabel(_("已锁定。请在登录框中输入密码继续。"))
        self.locked_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.locked_label.setAccessibleName(_("已锁定"))
        self.stack = QStackedWidget()
        self.stack.addWidget(self.main_splitter)
        self.stack.addWidget(self.locked_label)
        self.setCentralWidget(self.stack)

        self.sync_provider = sync_provider
        self.sync_widget = SyncStatusWidget(sync_provider)
        self.user_label = QLabel()
        self.user_label.setAccessibleName(_("当前用户"))
        self.statusBar().addPermanentWidget(self.sync_widget)
        self.statusBar().addPermanentWidget(self.user_label)
        self._build_menus()
        self.update_user()

        # Moving through the list with the arrow keys opens (and audits) only
        # the row the clerk stops on.
        self._detail_timer = QTimer(self)
        self._detail_timer.setSingleShot(True)
        self._detail_timer.setInterval(250)
        self._detail_timer.timeout.connect(self._load_selected)
        self._selected_id = ""
        self.list_panel.selected.connect(self._select)
        self.list_panel.opened.connect(self._open_detail)
        self.detail.changed.connect(self.list_panel.keep_selection)
        self.queue.called.connect(lambda _ticket: self.new_intake())
        decided = getattr(self.intake, "decided", None)
        if decided is not None:
            decided.connect(self._intake_decided)
        app.messages.info_shown.connect(self._status_message)
        app.messages.warning_shown.connect(self._status_message)
        app.messages.error_shown.connect(self._error)
        self.resize(1280, 800)
        self.restore_layout()
        self.list_panel.refresh()

    # -- menus --------------------------------------------------------------
    def _action(self, text: str, shortcut: str, slot: object) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(_("文件(&F)"))
        self.new_action = self._action(_("新受理"), "Ctrl+N", self.new_intake)
        self.lock_action = self._action(_("锁定"), "Ctrl+L", self.lock_requested.emit)
        self.switch_action = self._action(
            _("切换用户"), "Ctrl+Shift+L", self.switch_user_requested.emit
        )
        self.quit_action = self._action(_("退出"), "Ctrl+Q", self.close)
        for a in (self.new_action, self.lock_action, self.switch_action):
            file_menu.addAction(a)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        view_menu = bar.addMenu(_("查看(&V)"))
        self.find_action = self._action(_("查找办件"), "Ctrl+F", self.find_applications)
        self.refresh_action = self._action(_("刷新"), "F5", self.refresh)
        self.next_action = self._action(_("下一位"), "F2", self.queue.call_next)
        for a in (self.find_action, self.refresh_action, self.next_action):
            view_menu.addAction(a)
        tools = bar.addMenu(_("工具(&T)"))
        self.settings_action = self._action(
            _("设置"), "Ctrl+,", self.settings_requested.emit
        )
        tools.addAction(self.settings_action)
        tools.addAction(_("设备(&D)…"), self.show_devices)
        self.sync_menu = add_sync_menu(self, self.app, self.sync_provider)
        self.supervisor_menu = add_supervisor_menu(self, self.app)
        help_menu = bar.addMenu(_("帮助(&H)"))
        self.help_action = self._action(_("快捷键"), "F1", self.show_shortcuts)
        help_menu.addAction(self.help_action)

    def shortcut_lines(self) -> list[str]:
        actions = (
            self.new_action,
            self.find_action,
            self.refresh_action,
            self.next_action,
            self.lock_action,
            self.switch_action,
            self.settings_action,
            self.help_action,
            self.quit_action,
        )
        # PortableText as the intake's keys: with Qt's Chinese catalogue
        # loaded, NativeText would say "Ctrl+上" for Ctrl+Up.
        lines = [
            f"{a.shortcut().toString(QKeySequence.SequenceFormat.PortableText)}\t"
            f"{a.text()}"
            for a in actions
        ]
        intake_keys = getattr(self.intake, "shortcut_help", None)
        if callable(intake_keys):
            lines += [f"{key}\t{text}" for key, text in intake_keys()]
        # keys of a panel (the scans of the selected material), named with it
        seen = set(actions)
        for widget in self.findChildren(QWidget):
            for a in widget.actions():
                if a in seen or a.shortcut().isEmpty():
                    continue
                seen.add(a)
                key = a.shortcut().toString(QKeySequence.SequenceFormat.PortableText)
                text = _("{area}：{action}").format(
                    area=widget.accessibleName(), action=a.text()
                )
                lines.append(f"{key}\t{text}")
        return lines

    def show_devices(self) -> None:
        from counter_app.ui.devices.devices_page import DevicesDialog

        DevicesDialog(self.app, self).open()

    def show_shortcuts(self) -> None:
        dialog = QDialog(self)
        dialog.setWindowTitle(_("快捷键"))
        dialog.setAccessibleName(_("快捷键"))
        layout = QVBoxLayout(dialog)
        text = QPlainTextEdit("\n".join(self.shortcut_lines()))
        text.setReadOnly(True)
        text.setAccessibleName(_("快捷键列表"))
        # one column of keys: as wide as the longest key (Ctrl+Shift+L)
        keys = [line.split("\t", 1)[0] for line in self.shortcut_lines()]
        metrics = text.fontMetrics()
        text.setTabStopDistance(max(metrics.horizontalAdvance(k) for k in keys) + 24)
        layout.addWidget(text)
        hint = QLabel(
            _("Tab 在输入项之间移动，Enter 进入下一项；各菜单项旁显示其快捷键。")
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)
        close = QPushButton(_("关闭"))
        close.setAccessibleName(_("关闭"))
        close.clicked.connect(dialog.accept)
        layout.addWidget(close)
        dialog.resize(620, 620)
        self.help_dialog = dialog
        dialog.open()

    # -- actions ------------------------------------------------------------
    def new_intake(self) -> None:
        """A fresh intake form; the form saves what was typed as a draft
        (未完成的受理) before it clears."""
        self.tabs.setCurrentIndex(0)
        fresh = getattr(self.intake, "new_intake", None)
        if callable(fresh):
            fresh()
        else:
            self.intake.setFocus()

    def forget_previous_user(self) -> None:
        """A different user signed in: the last one's search, selection and
        open record go (the new user's reads are their own)."""
        panel = self.list_panel
        panel.search.clear()
        panel.table.clearSelection()
        panel.table.setCurrentIndex(QModelIndex())
        self._selected_id = ""
        self._detail_timer.stop()
        self.detail.clear()
        panel.apply()

    def focus_intake(self) -> None:
        """After a sign-in the first keys typed go to the item search (or to
        the applications search, when the window reopened on that tab)."""
        self.activateWindow()
        if self.tabs.currentWidget() is self.intake_scroll:
            self.intake.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.list_panel.focus_search()

    def flush_intake_draft(self) -> None:
        """Save what is typed in the intake form now (before a lock)."""
        flush = getattr(self.intake, "flush_draft", None)
        if callable(flush):
            flush()

    def find_applications(self) -> None:
        self.tabs.setCurrentIndex(1)
        self.list_panel.focus_search()

    def refresh(self) -> None:
        self.list_panel.refresh()
        self.detail.reload()

    def _select(self, application_id: str) -> None:
        self._selected_id = application_id
        self._detail_timer.start()

    def _load_selected(self) -> None:
        if self._selected_id:
            self.detail.load(self._selected_id)

    def _open_detail(self, application_id: str) -> None:
        self._detail_timer.stop()
        self.detail.load(application_id)
        self.detail.setFocus()

    def _intake_decided(self, results: object) -> None:
        self.list_panel.model.refresh()
        self.queue.decided(results)

    def set_locked(self, locked: bool) -> None:
        self.stack.setCurrentIndex(1 if locked else 0)
        self.menuBar().setEnabled(not locked)

    def update_user(self) -> None:
        user = self.app.user
        self.supervisor_menu.menuAction().setVisible(
            user is not None and user.is_supervisor
        )
        who = "" if user is None else user.display_name
        role = (
            "" if user is None else (_("负责人") if user.is_supervisor else _("窗口"))
        )
        self.user_label.setText(_("{name}（{role}）").format(name=who, role=role))
        title = _("Counter 窗口工作台")
        if self.heading:
            title += " — " + self.heading
        if who:
            title += " — " + who
        self.setWindowTitle(title)
        self.detail.reload()

    def _status_message(self, text: str) -> None:
        """In the room left of the sync and user labels, never under them:
        a long message (a day close with its archive path) is elided, the
        whole of it in the tooltip."""
        bar = self.statusBar()
        room = bar.width() - self.sync_widget.width() - self.user_label.width() - 40
        shown = bar.fontMetrics().elidedText(
            text, Qt.TextElideMode.ElideMiddle, max(room, 80)
        )
        bar.setToolTip(text if shown != text else "")
        bar.showMessage(shown, 8000)

    def _error(self, text: str, details: str) -> None:
        show_error(text, details, self)

    # -- layout memory ------------------------------------------------------
    def save_layout(self) -> None:
        s = self.app.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/mainSplitter", self.main_splitter.saveState())
        s.setValue("window/workSplitter", self.work_splitter.saveState())
        s.setValue("window/tab", self.tabs.currentIndex())
        s.sync()

    def restore_layout(self) -> None:
        s = self.app.settings
        for key, restore in (
            ("window/geometry", self.restoreGeometry),
            ("window/state", self.restoreState),
            ("window/mainSplitter", self.main_splitter.restoreState),
            ("window/workSplitter", self.work_splitter.restoreState),
        ):
            value = s.value(key)
            if isinstance(value, QByteArray) and not value.isEmpty():
                restore(value)
        self.tabs.setCurrentIndex(int(str(s.value("window/tab", 0) or 0)))

    def take_intake(self) -> QWidget:
        """Hand the intake form (and whatever is typed in it) to a new window."""
        widget = self.intake_scroll.takeWidget()
        self.tabs.removeTab(0)
        widget.setParent(None)
        return widget

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        self.queue.shutdown()
        super().closeEvent(event)
