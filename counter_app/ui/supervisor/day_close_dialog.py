"""Day close (日结) for one window and day: shows what will be recorded and
what is still waiting for sync; closing needs the window and date typed
out (a mistaken close stops the window's intake for the day), and while
changes are pending an explicit confirmation, recorded with the close. A
closed day can be reopened by a supervisor with a recorded reason."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app import clock
from counter_app.domain.errors import DomainError
from counter_app.i18n import _
from counter_app.services import day_close
from counter_app.services.context import PermissionDenied
from counter_app.services.day_close import ClosePreview, CloseResult
from counter_app.ui.context import AppContext


class DayCloseDialog(QDialog):
    closed = Signal(object)  # CloseResult
    reopened = Signal()

    def __init__(
        self,
        app: AppContext,
        *,
        window_code: str = "",
        day: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.app = app
        user = app.require_user()
        self.preview_value: ClosePreview | None = None
        self.result_value: CloseResult | None = None
        self.setWindowTitle(_("日结"))
        self.setAccessibleName(_("日结"))
        day = day or clock.today()
        self.window_edit = QLineEdit(window_code or user.window_code)
        self.window_edit.setAccessibleName(_("窗口"))
        self.day_edit = QDateEdit(QDate(day.year, day.month, day.day))
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("yyyy-MM-dd")
        self.day_edit.setAccessibleName(_("日期"))
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        self.totals.setAccessibleName(_("合计"))
        self.coverage = QLabel()
        self.coverage.setWordWrap(True)
        self.pending = QLabel()
        self.pending.setWordWrap(True)
        self.pending.setAccessibleName(_("待同步"))
        self.confirm = QCheckBox(_("确认在未同步的情况下日结（将被记录）"))
        self.confirm.setVisible(False)
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.setAccessibleName(_("错误"))
        self.typed = QLineEdit()
        self.typed.setAccessibleName(_("确认日结的窗口和日期"))
        self.typed_label = QLabel()
        self.typed_label.setWordWrap(True)
        self.typed_label.setBuddy(self.typed)
        self.reason = QLineEdit()
        self.reason.setAccessibleName(_("重新开放的理由"))
        self.reason_label = QLabel(_("重新开放理由(&R)："))
        self.reason_label.setBuddy(self.reason)
        self.close_button = QPushButton(_("日结(&L)"))
        self.close_button.setAccessibleName(_("日结"))
        self.close_button.setEnabled(False)
        self.reopen_button = QPushButton(_("重新开放(&O)"))
        self.reopen_button.setAccessibleName(_("重新开放"))
        cancel = QPushButton(_("关闭"))
        cancel.setAccessibleName(_("关闭"))
        cancel.clicked.connect(self.reject)
        # Enter belongs to the fields (see ``keyPressEvent``), never to a
        # default button: a stray Enter must not close or reopen a day.
        for button in (self.close_button, self.reopen_button, cancel):
            button.setAutoDefault(False)
        self.close_button.clicked.connect(self.submit)
        self.reopen_button.clicked.connect(self.reopen)
        self.typed.textChanged.connect(lambda _t: self._update_buttons())
        for w in (self.reason_label, self.reason, self.reopen_button):
            w.setVisible(False)

        form = QFormLayout()
        form.addRow(_("窗口(&W)"), self.window_edit)
        form.addRow(_("日期(&D)"), self.day_edit)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.reopen_button)
        buttons.addWidget(self.close_button)
        buttons.addWidget(cancel)
        confirm = QVBoxLayout()
        confirm.addWidget(self.typed_label)
        confirm.addWidget(self.typed)
        reopen = QFormLayout()
        reopen.addRow(self.reason_label, self.reason)
        confirm.addLayout(reopen)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.totals)
        layout.addWidget(self.coverage)
        layout.addWidget(self.pending)
        layout.addWidget(self.confirm)
        layout.addLayout(confirm)
        layout.addWidget(self.error)
        layout.addLayout(buttons)

        self.window_edit.editingFinished.connect(self.load_preview)
        self.day_edit.dateChanged.connect(lambda _d: self.load_preview())
        self.setMinimumWidth(560)
        self.load_preview()

    def expected_confirmation(self) -> str:
        window, day = self._target()
        return f"{window} {day.isoformat()}"

    def _confirmed(self) -> bool:
        return " ".join(self.typed.text().split()) == self.expected_confirmation()

    def _update_buttons(self) -> None:
        p = self.preview_value
        ready = p is not None and (p.window_code, p.day) == self._target()
        closed = bool(ready and p is not None and p.already_closed)
        self.close_button.setEnabled(ready and not closed and self._confirmed())
        for w in (self.reason_label, self.reason, self.reopen_button):
            w.setVisible(closed)
        for w in (self.typed_label, self.typed):
            w.setVisible(not closed)
        if closed:
            self.confirm.setVisible(False)
        self.typed.setEnabled(ready and not closed)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter in the typed confirmation or on the pending-changes box
        closes the day (or says what is missing); in the reason, reopens."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            target = self.focusWidget()
            if target in (self.typed, self.confirm) and self.typed.isEnabled():
                self.submit()
                return
            if target is self.reason and self.reopen_button.isVisible():
                self.reopen()
                return
        super().keyPressEvent(event)

    def _target(self) -> tuple[str, date]:
        day: date = self.day_edit.date().toPython()  # type: ignore[assignment]
        return self.window_edit.text().strip(), day

    def load_preview(self) -> None:
        window, day = self._target()
        store, user = self.app.store, self.app.require_user()
        self.close_button.setEnabled(False)
        self.error.setText("")
        self.typed_label.setText(
            _("请输入“{text}”（窗口和日期）确认日结(&C)：").format(
                text=self.expected_confirmation()
            )
        )
        self.app.tasks.run_op(
            lambda: day_close.preview(store, user, window_code=window, day=day),
            success=self._previewed,
            failure=self._failed,
        )

    def _previewed(self, p: ClosePreview) -> None:
        if (p.window_code, p.day) != self._target():
            return  # an older answer; a newer preview is on its way
        self.preview_value = p
        self.totals.setText(
            _("{day} 窗口 {window}：{totals}").format(
                day=p.day.isoformat(),
                window=p.window_code,
                totals=_("，").join(f"{k} {v}" for k, v in p.totals),
            )
        )
        self.coverage.setText(
            _("数据完整性：{text}").format(text=p.coverage_text or _("无记录"))
        )
        if p.pending_ops:
            self.pending.setText(
                _(
                    "还有 {ops} 项更改、{kib} KB 扫描件尚未同步到平台。可以先同步再日结；"
                    "如仍要日结，请勾选确认。"
                ).format(ops=p.pending_ops, kib=(p.pending_bytes + 1023) // 1024)
            )
        else:
            self.pending.setText(_("所有更改均已同步。"))
        self.confirm.setVisible(bool(p.pending_ops))
        self.confirm.setChecked(False)
        if p.already_closed:
            self.error.setText(
                _("该日已由 {by} 于 {at} 日结。").format(
                    by=p.already_closed["closed_by"],
                    at=str(p.already_closed["closed_at"])[:16].replace("T", " "),
                )
            )
        self._update_buttons()
        self._fit_text()
        (self.reason if p.already_closed else self.typed).setFocus()

    def _fit_text(self) -> None:
        """The summary arrives after the dialog opened: grow it to the
        height its wrapped lines need, so no line is cut off."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        need = layout.totalHeightForWidth(self.width())
        if need > self.height():
            self.resize(self.width(), need)

    def submit(self) -> None:
        window, day = self._target()
        if not self._confirmed():
            self.error.setText(
                _("请输入“{text}”确认要日结的窗口和日期。").format(
                    text=self.expected_confirmation()
                )
            )
            self._fit_text()
            return
        confirm = self.confirm.isChecked()
        if self.preview_value and self.preview_value.pending_ops and not confirm:
            self.error.setText(_("尚有未同步的更改，请先勾选确认或先同步。"))
            self._fit_text()
            self.confirm.setFocus()  # Space ticks it, Enter closes
            return
        if not self.close_button.isEnabled():
            return  # the preview of this window and day is not in yet
        store, user = self.app.store, self.app.require_user()
        self.close_button.setEnabled(False)
        self.error.setText(_("正在日结并归档……"))
        self.app.tasks.run_op(
            lambda: day_close.close_day(
                store, user, window_code=window, day=day, confirm_pending=confirm
            ),
            success=self._done,
            failure=self._failed,
        )

    def reopen(self) -> None:
        window, day = self._target()
        reason = self.reason.text()
        store, user = self.app.store, self.app.require_user()
        self.reopen_button.setEnabled(False)
        self.app.tasks.run_op(
            lambda: day_close.reopen_day(
                store, user, window_code=window, day=day, reason=reason
            ),
            success=lambda _kept: self._reopened(window, day),
            failure=self._reopen_failed,
        )

    def _reopened(self, window: str, day: date) -> None:
        self.reopen_button.setEnabled(True)
        self.reason.clear()
        self.app.messages.info(
            _("窗口 {window} {day} 已重新开放，可以继续受理；理由已记录。").format(
                window=window, day=day.isoformat()
            )
        )
        self.reopened.emit()
        self.load_preview()

    def _reopen_failed(self, exc: BaseException) -> None:
        self.reopen_button.setEnabled(True)
        self._failed(exc)

    def _done(self, result: CloseResult) -> None:
        self.result_value = result
        self.app.messages.info(
            _("窗口 {window} {day} 已日结，日志已归档：{path}").format(
                window=result.window_code,
                day=result.day.isoformat(),
                path=result.archive_path,
            )
        )
        self.closed.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, day_close.PendingNotConfirmed):
            self.confirm.setVisible(True)
        if isinstance(exc, DomainError | PermissionDenied):
            self.error.setText(str(exc))
            self._fit_text()
            if isinstance(exc, PermissionDenied):
                self.close_button.setEnabled(False)
            else:
                self._update_buttons()
            return
        self.error.setText(_("日结失败：{error}").format(error=exc))
        self._update_buttons()
        self.app.messages.error(
            _("日结失败：{error}").format(error=exc),
            getattr(exc, "__traceback_text__", ""),
        )
