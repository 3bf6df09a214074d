"""叫号 at the window: call the next ticket of the types this window serves,
recall, skip (过号), transfer to another window; the ticket is stored with
the applications taken in under it. The panel also runs the desk's hall
server (the evaluation pad's page, and the kiosk and display where this
machine serves them) and asks the pad for a rating after each decision."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.errors import DomainError
from counter_app.domain.hall import call_text
from counter_app.hall import config as hall_config
from counter_app.hall.pad import PadOutcome, PadSession
from counter_app.hall.server import HallServer, TicketPrinter
from counter_app.hall.service import link_ticket
from counter_app.hall.tickets import (
    SOURCE_EXTERNAL,
    SOURCE_LOCAL,
    QueueBackend,
    QueueUnavailable,
    Ticket,
)
from counter_app.i18n import _
from counter_app.store import settings
from counter_app.ui.context import AppContext

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Pad outcomes arrive on the server's thread; Qt queues them here."""

    outcome = Signal(object)


class HallPanel(QWidget):
    called = Signal(str)
    pad_outcome = Signal(object)  # PadOutcome

    def __init__(self, app: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.backend: QueueBackend | None = None
        self.config: hall_config.HallConfig | None = None
        self.current: Ticket | None = None
        self.server: HallServer | None = None
        self.pad: PadSession | None = None
        self.voice: Any = None  # HallVoice, when the setting asks for one
        self.last_announcement = ""  # "speech" or "chime"
        self._busy = False
        self._relay = _Relay(self)
        self._relay.outcome.connect(self._pad_done)

        layout = QVBoxLayout(self)
        title = QLabel(_("叫号"))
        title.setAccessibleName(_("叫号"))
        layout.addWidget(title)
        self.ticket_label = QLabel("—")
        self.ticket_label.setObjectName("ticketLabel")
        self.ticket_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.ticket_label.setAccessibleName(_("当前号码"))
        layout.addWidget(self.ticket_label)
        self.next_button = self._button(_("下一位 (F2)"), _("下一位"), self.call_next)
        layout.addWidget(self.next_button)
        row = QHBoxLayout()
        self.recall_button = self._button(_("重呼"), _("重呼"), self.recall)
        self.skip_button = self._button(_("过号"), _("过号"), self.skip)
        row.addWidget(self.recall_button)
        row.addWidget(self.skip_button)
        layout.addLayout(row)
        row = QHBoxLayout()
        self.transfer_edit = QLineEdit()
        self.transfer_edit.setPlaceholderText(_("窗口号"))
        self.transfer_edit.setAccessibleName(_("转至窗口号"))
        self.transfer_edit.setMaxLength(8)
        self.transfer_button = self._button(_("转窗口"), _("转窗口"), self.transfer)
        row.addWidget(self.transfer_edit)
        row.addWidget(self.transfer_button)
        layout.addLayout(row)
        self.source_label = QLabel()
        self.source_label.setWordWrap(True)
        self.source_label.setAccessibleName(_("叫号来源"))
        layout.addWidget(self.source_label)
        self.history = QPlainTextEdit()
        self.history.setReadOnly(True)
        self.history.setAccessibleName(_("已叫号码"))
        self.history.setMaximumWidth(220)
        layout.addWidget(self.history, 1)
        self.pad_label = QLabel()
        self.pad_label.setWordWrap(True)
        self.pad_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.pad_label.setAccessibleName(_("评价器"))
        layout.addWidget(self.pad_label)
        self.settings_button = self._button(
            _("叫号设置…"), _("叫号与评价器设置"), self.open_settings
        )
        layout.addWidget(self.settings_button)
        self.setMaximumWidth(240)
        self._update_buttons()
        store = app.store
        app.tasks.run_op(
            lambda: self._prepare(store), success=self._prepared, failure=self._failed
        )

    def _button(self, text: str, name: str, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(name)
        button.clicked.connect(slot)
        return button

    # -- start and stop ----------------------------------------------------------
    @staticmethod
    def _prepare(store: Any) -> tuple[hall_config.HallConfig, QueueBackend, str]:
        config = hall_config.load(store)
        backend = hall_config.make_backend(store, config)
        token = hall_config.pad_token(store) if config.port else ""
        return config, backend, token

    def _prepared(
        self, result: tuple[hall_config.HallConfig, QueueBackend, str]
    ) -> None:
        self.config, self.backend, token = result
        self._show_source()
        self.voice = None
        if self.config.voice:
            from counter_app.ui.hall_voice import HallVoice

            self.voice = HallVoice(self.config.voice, self)
        if self.config.port:
            self.start_server(token)
        self._update_buttons()

    def start_server(self, token: str) -> None:
        assert self.config is not None
        config = self.config
        self.pad = PadSession(
            self.app.store, token=token, on_outcome=self._relay.outcome.emit
        )
        center = settings.get(self.app.store.db, "center_name")
        printer = (
            TicketPrinter(config.kiosk_printer, center)
            if config.kiosk and config.kiosk_printer
            else None
        )
        try:
            self.server = HallServer(
                host=config.bind_host,
                port=config.port,
                hall_name=center,
                queue=self.backend if config.kiosk else None,
                pad=self.pad,
                printer=printer,
            ).start()
        except OSError as exc:
            self.pad = None
            self.pad_label.setText(
                _("评价器未启动：端口 {port} 无法使用（{error}）。").format(
                    port=config.port, error=exc.strerror or exc
                )
            )
            return
        self.pad_label.setText(
            _("评价器配对链接：{url}").format(url=self.server.url("pad"))
        )

    def shutdown(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
        self.pad = None

    def take_over(self, previous: HallPanel) -> None:
        """The window was rebuilt (a language switch): keep the ticket being
        served and the calls made."""
        self.current = previous.current
        self.ticket_label.setText(previous.ticket_label.text())
        self.history.setPlainText(previous.history.toPlainText())
        self._update_buttons()

    def reload(self) -> None:
        """New settings: stop the server, start again with them."""
        self.shutdown()
        self.backend, self.current = None, None
        self.pad_label.clear()
        self.ticket_label.setText("—")
        self._update_buttons()
        store = self.app.store
        self.app.tasks.run_op(
            lambda: self._prepare(store), success=self._prepared, failure=self._failed
        )

    def open_settings(self) -> None:
        from counter_app.ui.hall_settings import HallSettingsDialog

        if self.config is None:
            return
        url = self.server.url("pad") if self.server is not None else ""
        dialog = HallSettingsDialog(self.app, self.config, pad_url=url, parent=self)
        dialog.accepted.connect(self.reload)
        self.settings_dialog = dialog
        dialog.open()

    def _show_source(self) -> None:
        source = getattr(self.backend, "source", "")
        text = {
            SOURCE_LOCAL: _("本机排队（中心平台未连接或未启用）"),
            SOURCE_EXTERNAL: _("大厅叫号系统"),
        }.get(source, _("中心平台排队"))
        self.source_label.setText(text)

    def _update_buttons(self) -> None:
        ready = self.backend is not None and not self._busy
        self.next_button.setEnabled(ready)
        for button in (self.recall_button, self.skip_button, self.transfer_button):
            button.setEnabled(ready and self.current is not None)

    # -- queue actions -------------------------------------------------------
    def _run(self, fn: Any, done: Any) -> None:
        if self.backend is None or self._busy:
            return
        self._busy = True
        self._update_buttons()
        self.app.tasks.run_io(fn, success=done, failure=self._failed)

    def _window(self) -> str:
        user = self.app.user
        return user.window_code if user is not None else ""

    def call_next(self) -> None:
        backend, previous = self.backend, self.current
        types = self.config.window_types if self.config else ["A"]
        window = self._window()

        def work() -> Ticket | None:
            assert backend is not None
            if previous is not None:  # the last applicant is served
                try:
                    backend.finish(previous)
                except DomainError as exc:
                    log.info("finish %s: %s", previous.number, exc)
            return backend.call_next(window_code=window, types=types)

        self._run(work, self._called)

    def _called(self, ticket: Ticket | None) -> None:
        self._busy = False
        self.current = ticket
        self._show_source()
        if ticket is None:
            self.ticket_label.setText("—")
            self.app.messages.info(_("目前没有等候的号码。"))
        else:
            self._announce(ticket)
            self.called.emit(ticket.number)
        self._update_buttons()

    def _announce(self, ticket: Ticket) -> None:
        text = call_text(ticket.number, ticket.window_code or self._window())
        self.ticket_label.setText(ticket.number)
        self.history.appendPlainText(text)
        if self.voice is not None:
            self.last_announcement = self.voice.announce(text)

    def recall(self) -> None:
        backend, ticket = self.backend, self.current
        if ticket is None or backend is None:
            return

        def done(fresh: Ticket) -> None:
            self._busy = False
            self.current = fresh
            self._announce(fresh)
            self._update_buttons()

        self._run(lambda: backend.recall(ticket), done)

    def skip(self) -> None:
        backend, ticket = self.backend, self.current
        if ticket is None or backend is None:
            return
        self._run(lambda: backend.skip(ticket), lambda _r: self._cleared())

    def transfer(self) -> None:
        backend, ticket = self.backend, self.current
        target = self.transfer_edit.text().strip()
        if ticket is None or backend is None:
            return
        if not target or target == self._window():
            self.app.messages.warning(_("请填写要转到的窗口号（不是本窗口）。"))
            self.transfer_edit.setFocus()
            return
        self._run(
            lambda: backend.transfer(ticket, window_code=target),
            lambda _r: self._cleared(),
        )

    def _cleared(self) -> None:
        self._busy = False
        self.current = None
        self.ticket_label.setText("—")
        self.transfer_edit.clear()
        self._update_buttons()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self._update_buttons()
        if isinstance(exc, QueueUnavailable):
            self.app.messages.warning(
                _("叫号系统暂时无法连接：{error}").format(error=exc)
            )
        elif isinstance(exc, DomainError):
            self.app.messages.warning(str(exc))
        else:
            self.app.messages.error(
                _("叫号出错：{error}").format(error=exc),
                getattr(exc, "__traceback_text__", ""),
            )

    # -- the applications taken in under the ticket --------------------------------
    def decided(self, results: Any) -> None:
        """Store the current ticket with the decided applications, then ask
        the pad (when paired) to rate the service."""
        user, ticket, store = self.app.user, self.current, self.app.store
        ids = [r.application_id for r in results or []]
        if user is None or not ids:
            return
        if ticket is not None:
            self.app.tasks.run_op(
                lambda: link_ticket(store, user, application_ids=ids, ticket=ticket),
                failure=self._failed,
            )
        if self.pad is not None:
            pad = self.pad

            def ask() -> None:
                row = store.db.execute(
                    "SELECT acceptance_no, item_name FROM applications WHERE id = ?",
                    [ids[0]],
                ).fetchone()
                if row is not None:
                    pad.ask(
                        user,
                        application_id=ids[0],
                        acceptance_no=str(row[0] or ""),
                        item_name=str(row[1]),
                    )

            self.app.tasks.run_op(ask, failure=self._failed)

    def _pad_done(self, outcome: PadOutcome) -> None:
        if outcome.evaluation_id:
            self.app.messages.info(_("申请人已在评价器上完成评价。"))
        else:
            self.app.messages.info(_("申请人选择不评价。"))
        self.pad_outcome.emit(outcome)
