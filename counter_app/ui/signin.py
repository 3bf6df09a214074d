"""Sign-in, lock and switch user.

The password is checked against the locally stored verifier on the store
worker (scrypt is slow on purpose). The same dialog locks the workspace: it
opens over the main window, which keeps everything the clerk had typed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.i18n import _
from counter_app.services.context import DeskContext
from counter_app.ui.tasks import TaskRunner

# The sign-in dialog is the first thing on screen: it imports nothing of the
# store or the services until a password is checked (on the store worker),
# so it shows while the store is still opening.
if TYPE_CHECKING:
    from counter_app.services.users import User
    from counter_app.store.db import Store

STARTUP_MARKER_ENV = "COUNTER_STARTUP_MARKER"
STARTUP_MARKER = "COUNTER_SIGNIN_SHOWN"


@dataclass(frozen=True)
class SignedIn:
    context: DeskContext
    must_change: bool  # an administrator set the password: choose one first


def sign_in(
    store: Store, username: str, password: str, *, channel: str = "window"
) -> SignedIn:
    """Check the password and build the desk context (store worker)."""
    from counter_app.services.users import authenticate

    user = authenticate(store, username=username, password=password, channel=channel)
    return SignedIn(_context(store, user), user.must_change)


def change_first_password(
    store: Store, username: str, old_password: str, new_password: str
) -> DeskContext:
    """Set the user's own password after a temporary one (store worker)."""
    from counter_app.services.users import change_password

    user = change_password(
        store,
        username=username,
        old_password=old_password,
        new_password=new_password,
    )
    return _context(store, user)


def _context(store: Store, user: User) -> DeskContext:
    from counter_app.store import settings

    ident = settings.identity(store.db)
    return DeskContext(
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        site_code=ident.site_code,
        window_code=ident.window_code,
        desk_id=ident.desk_id,
    )


_CHANNELS = {"start": "window", "lock": "unlock", "switch": "switch"}


class SignInDialog(QDialog):
    """Emits ``signed_in(DeskContext)`` and accepts when the password is right.

    ``mode``: "start" (cancel quits the program), "lock" (the lock screen
    over the main window: no way around it but a password; another user may
    sign in, which switches user) or "switch" (cancel keeps the current user).
    """

    signed_in = Signal(object)

    def __init__(
        self,
        store: Store | Callable[[], Store],
        tasks: TaskRunner,
        *,
        mode: str = "start",
        locked_user: DeskContext | None = None,
        heading: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.tasks = tasks
        self.mode = mode
        self.context: DeskContext | None = None
        self.locked_user = locked_user
        self._busy = False
        if mode == "lock":
            self.setWindowTitle(_("已锁定 — 请重新登录"))
        elif mode == "switch":
            self.setWindowTitle(_("切换用户"))
        else:
            self.setWindowTitle(_("Counter 登录"))
        self.setAccessibleName(self.windowTitle())
        layout = QVBoxLayout(self)
        self.center_label = QLabel(heading)
        self.center_label.setAccessibleName(_("服务中心与窗口"))
        layout.addWidget(self.center_label)
        if mode == "lock" and locked_user is not None:
            hint = QLabel(
                _(
                    "{name} 离开后已自动锁定。输入密码继续，正在办理的内容不受影响。"
                ).format(name=locked_user.display_name)
            )
            hint.setWordWrap(True)
            layout.addWidget(hint)
        form = QFormLayout()
        self.username = QLineEdit()
        self.username.setAccessibleName(_("用户名"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(_("密码"))
        form.addRow(_("用户名(&U)："), self.username)
        form.addRow(_("密码(&P)："), self.password)
        layout.addLayout(form)
        self._build_change_part(layout)
        self.error_label = QLabel()
        self.error_label.setObjectName("fieldError")
        self.error_label.setAccessibleName(_("登录错误"))
        self.error_label.setWordWrap(True)
        layout.addWidget(self.error_label)
        buttons = QHBoxLayout()
        self.sign_in_button = QPushButton(_("登录"))
        self.sign_in_button.setAccessibleName(_("登录"))
        cancel = _("取消") if mode == "switch" else _("退出程序")
        self.cancel_button = QPushButton(cancel)
        self.cancel_button.setAccessibleName(cancel)
        # The lock screen has no way around it but signing in.
        self.cancel_button.setVisible(mode != "lock")
        # Enter belongs to the fields (next field, then sign in); a default
        # button would also fire on Enter in the user name field.
        for button in (self.sign_in_button, self.cancel_button):
            button.setAutoDefault(False)
        buttons.addStretch(1)
        buttons.addWidget(self.sign_in_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        self.sign_in_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self.reject)
        self.username.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self.submit)
        if mode == "lock" and locked_user is not None:
            self.username.setText(locked_user.username)
            self.password.setFocus()
        self.setMinimumWidth(380)

    def _build_change_part(self, layout: QVBoxLayout) -> None:
        """New password and its repetition, shown after a sign-in with a
        password an administrator set (new account or reset)."""
        self.change_part = QWidget()
        part = QVBoxLayout(self.change_part)
        part.setContentsMargins(0, 0, 0, 0)
        hint = QLabel(
            _(
                "这是管理员设置的临时密码，请先设置您自己的新密码：至少 8 个字符，"
                "并包含字母、数字、符号中的至少两种。"
            )
        )
        hint.setWordWrap(True)
        part.addWidget(hint)
        form = QFormLayout()
        self.new_password = QLineEdit()
        self.new_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_password.setAccessibleName(_("新密码"))
        self.repeat_password = QLineEdit()
        self.repeat_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat_password.setAccessibleName(_("再次输入新密码"))
        form.addRow(_("新密码(&N)："), self.new_password)
        form.addRow(_("再次输入(&R)："), self.repeat_password)
        part.addLayout(form)
        layout.addWidget(self.change_part)
        self.change_part.setVisible(False)
        self.new_password.returnPressed.connect(self.repeat_password.setFocus)
        self.repeat_password.returnPressed.connect(self.submit)
        self._pending: SignedIn | None = None
        self._old_password = ""

    @property
    def changing_password(self) -> bool:
        return self._pending is not None

    def set_heading(self, heading: str) -> None:
        self.center_label.setText(heading)

    def submit(self) -> None:
        if self._busy:
            return
        if self._pending is not None:
            self._submit_new_password()
            return
        name, password = self.username.text().strip(), self.password.text()
        if not name:
            self.error_label.setText(_("请输入用户名。"))
            self.username.setFocus()
            return
        self._busy = True
        self.sign_in_button.setEnabled(False)
        self.error_label.setText(_("正在验证……"))
        source = self.store
        channel = _CHANNELS.get(self.mode, "window")

        def op() -> SignedIn:
            # a callable source is the store still opening on this same
            # serial worker; by now it has opened (or failed).
            store = source() if callable(source) else source
            return sign_in(store, name, password, channel=channel)

        self.tasks.run_op(
            op,
            success=self._done,
            failure=self._failed,
        )

    def _done(self, result: SignedIn) -> None:
        self._busy = False
        self.sign_in_button.setEnabled(True)
        self.error_label.clear()
        if result.must_change:
            # the same dialog asks for the new password; nothing opens until
            # it is set
            self._pending = result
            self._old_password = self.password.text()
            self.password.clear()
            self.username.setEnabled(False)
            self.password.setEnabled(False)
            self.change_part.setVisible(True)
            self.sign_in_button.setText(_("设置新密码并登录"))
            self.new_password.setFocus()
            return
        self.password.clear()
        self._finish(result.context)

    def _finish(self, ctx: DeskContext) -> None:
        self.context = ctx
        self.signed_in.emit(ctx)
        self.accept()

    def _submit_new_password(self) -> None:
        assert self._pending is not None
        new, repeat = self.new_password.text(), self.repeat_password.text()
        if new != repeat:
            self.error_label.setText(_("两次输入的新密码不一致，请重新输入。"))
            self.repeat_password.clear()
            self.repeat_password.setFocus()
            return
        self._busy = True
        self.sign_in_button.setEnabled(False)
        self.error_label.setText(_("正在保存新密码……"))
        source, name, old = (
            self.store,
            self._pending.context.username,
            self._old_password,
        )

        def op() -> DeskContext:
            store = source() if callable(source) else source
            return change_first_password(store, name, old, new)

        self.tasks.run_op(op, success=self._changed, failure=self._change_failed)

    def _changed(self, ctx: DeskContext) -> None:
        self._busy = False
        self.sign_in_button.setEnabled(True)
        self._pending, self._old_password = None, ""
        for field in (self.new_password, self.repeat_password):
            field.clear()
        self.error_label.clear()
        self._finish(ctx)

    def _change_failed(self, exc: BaseException) -> None:
        self._busy = False
        self.sign_in_button.setEnabled(True)
        from counter_app.domain.errors import DomainError
        from counter_app.services.users import SignInFailed

        if isinstance(exc, DomainError):  # the new password breaks a rule
            self.error_label.setText(str(exc))
            self.new_password.selectAll()
            self.new_password.setFocus()
            return
        # the temporary password no longer holds (locked, reset meanwhile):
        # back to the start
        self._pending, self._old_password = None, ""
        self.change_part.setVisible(False)
        self.username.setEnabled(True)
        self.password.setEnabled(True)
        self.sign_in_button.setText(_("登录"))
        if isinstance(exc, SignInFailed):
            self.error_label.setText(str(exc))
        else:
            self.tasks.default_failure(exc)
            self.error_label.setText(_("保存新密码时出错：{error}").format(error=exc))
        self.password.setFocus()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.sign_in_button.setEnabled(True)
        from counter_app.services.users import SignInFailed

        if isinstance(exc, SignInFailed):
            self.error_label.setText(str(exc))
        else:
            self.tasks.default_failure(exc)
            self.error_label.setText(_("登录时出错：{error}").format(error=exc))
        self.password.selectAll()
        self.password.setFocus()

    def reject(self) -> None:
        if self.mode != "lock":
            super().reject()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if os.environ.get(STARTUP_MARKER_ENV):
            print(STARTUP_MARKER, flush=True)
            sys.stdout.flush()
        if not self.username.text():
            self.username.setFocus()


class IdleWatcher(QObject):
    """Emits ``idle`` after ``timeout_ms`` without keyboard or mouse input
    anywhere in the application (an event filter on the QApplication)."""

    idle = Signal()
    _ACTIVITY = frozenset(
        {
            QEvent.Type.KeyPress,
            QEvent.Type.MouseButtonPress,
            QEvent.Type.MouseMove,
            QEvent.Type.Wheel,
            QEvent.Type.TouchBegin,
        }
    )

    def __init__(self, timeout_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.idle)
        self.set_timeout_ms(timeout_ms)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def set_timeout_ms(self, timeout_ms: int) -> None:
        self._timer.setInterval(max(timeout_ms, 1))
        if timeout_ms > 0:
            self._timer.start()
        else:
            self._timer.stop()
        self._enabled = timeout_ms > 0

    def pause(self) -> None:
        self._timer.stop()

    def resume(self) -> None:
        if self._enabled:
            self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in self._ACTIVITY and self._timer.isActive():
            self._timer.start()
        return False

    def detach(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self._timer.stop()
