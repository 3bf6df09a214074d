"""用户与锁定: the supervisor sees each local account (locked until when,
temporary password) and unlocks it or sets a temporary password. The
services check the role again and write the audit events."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.i18n import _
from counter_app.services import users
from counter_app.ui.context import AppContext


def describe_state(account: users.Account) -> str:
    if account.locked_until is not None:
        return _("已锁定至 {time}").format(
            time=account.locked_until.astimezone().strftime("%H:%M")
        )
    if not account.active:
        return _("已停用")
    if account.must_change:
        return _("临时密码，登录时须修改")
    if account.failures:
        return _("正常（连续错误 {n} 次）").format(n=account.failures)
    return _("正常")


class AccountsDialog(QDialog):
    def __init__(self, app: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.accounts: list[users.Account] = []
        self.setWindowTitle(_("用户与锁定"))
        self.setAccessibleName(self.windowTitle())
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(
            [_("用户名"), _("姓名"), _("角色"), _("状态")]
        )
        self.table.setAccessibleName(_("本机用户"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        for col in range(3):  # names and roles never cut
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table)
        row = QHBoxLayout()
        self.unlock_button = QPushButton(_("解锁(&U)"))
        self.unlock_button.setAccessibleName(_("解锁所选用户"))
        row.addWidget(self.unlock_button)
        row.addStretch(1)
        layout.addLayout(row)
        form = QFormLayout()
        self.new_password = QLineEdit()
        self.new_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_password.setAccessibleName(_("临时密码"))
        self.repeat_password = QLineEdit()
        self.repeat_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat_password.setAccessibleName(_("再次输入临时密码"))
        form.addRow(_("临时密码(&T)："), self.new_password)
        form.addRow(_("再次输入(&R)："), self.repeat_password)
        layout.addLayout(form)
        hint = QLabel(
            _(
                "重置后该用户即解除锁定，下次登录须改为自己的密码。"
                "密码至少 8 个字符，包含字母、数字、符号中的至少两种。"
            )
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)
        buttons = QHBoxLayout()
        self.reset_button = QPushButton(_("重置密码(&P)"))
        self.reset_button.setAccessibleName(_("重置所选用户的密码"))
        close = QPushButton(_("关闭"))
        close.setAccessibleName(_("关闭"))
        for button in (self.unlock_button, self.reset_button, close):
            button.setAutoDefault(False)
        buttons.addWidget(self.reset_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.status_label = QLabel()
        self.status_label.setObjectName("fieldError")
        self.status_label.setWordWrap(True)
        self.status_label.setAccessibleName(_("操作结果"))
        layout.addWidget(self.status_label)
        self.unlock_button.clicked.connect(self.unlock)
        self.reset_button.clicked.connect(self.reset)
        close.clicked.connect(self.accept)
        self.resize(620, 460)
        self.refresh()

    def refresh(self) -> None:
        store = self.app.store
        self.app.tasks.run_op(
            lambda: users.accounts(store), success=self._show, failure=self._failed
        )

    def _show(self, accounts: list[users.Account]) -> None:
        selected = self.selected()
        self.accounts = accounts
        self.table.setRowCount(len(accounts))
        for i, account in enumerate(accounts):
            role = _("科室负责人") if account.role == "supervisor" else _("窗口人员")
            for col, text in enumerate(
                (account.username, account.display_name, role, describe_state(account))
            ):
                self.table.setItem(i, col, QTableWidgetItem(text))
            if account.username == selected:
                self.table.selectRow(i)

    def selected(self) -> str:
        row = self.table.currentRow()
        if 0 <= row < len(self.accounts):
            return self.accounts[row].username
        return ""

    def select(self, username: str) -> None:
        for i, account in enumerate(self.accounts):
            if account.username == username:
                self.table.selectRow(i)

    def unlock(self) -> None:
        name = self.selected()
        if not name:
            self.status_label.setText(_("请先在表中选择一个用户。"))
            return
        store, by = self.app.store, self.app.require_user()
        self.app.tasks.run_op(
            lambda: users.unlock_user(store, by, username=name),
            success=lambda _locked: self._done(
                _("用户 {username} 已解锁。").format(username=name)
            ),
            failure=self._failed,
        )

    def reset(self) -> None:
        name = self.selected()
        if not name:
            self.status_label.setText(_("请先在表中选择一个用户。"))
            return
        new, repeat = self.new_password.text(), self.repeat_password.text()
        if new != repeat:
            self.status_label.setText(_("两次输入的临时密码不一致，请重新输入。"))
            return
        store, by = self.app.store, self.app.require_user()
        self.app.tasks.run_op(
            lambda: users.reset_password(store, by, username=name, new_password=new),
            success=lambda _r: self._done(
                _("用户 {username} 的密码已重置，下次登录时须修改。").format(
                    username=name
                )
            ),
            failure=self._failed,
        )

    def _done(self, message: str) -> None:
        self.new_password.clear()
        self.repeat_password.clear()
        self.status_label.setText(message)
        self.app.messages.info(message)
        self.refresh()

    def _failed(self, exc: BaseException) -> None:
        from counter_app.domain.errors import DomainError
        from counter_app.services.context import PermissionDenied

        if isinstance(exc, DomainError | PermissionDenied):
            self.status_label.setText(str(exc))
            return
        self.app.tasks.default_failure(exc)
