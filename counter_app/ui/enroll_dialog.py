"""注册到中心平台: a supervisor enrolls this desk with the server address and
the one-time code the platform's administrator issued. The HTTP exchange
(and the keyring) runs on the I/O pool, the settings write on the store
worker; a refusal is shown beside the field it concerns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from counter_app.i18n import _
from counter_app.services.context import PermissionDenied
from counter_app.services.enrollment import (
    FIELD_CA_CERT,
    FIELD_CODE,
    FIELD_SERVER,
    Enrollment,
    EnrollmentError,
    EnrollmentGrant,
    request_enrollment,
    save_enrollment,
)
from counter_app.services.site import used_prefixes
from counter_app.store import settings
from counter_app.store.db import Store
from counter_app.ui.context import AppContext
from counter_app.ui.dialogbase import FormDialog
from sync.credentials import NoKeyring

FIELD_NAME = "desk_name"


def current_enrollment(store: Store) -> dict[str, str]:
    """What the form starts from (store worker): the server and CA file of
    an earlier enrollment, the desk id and the window's name."""
    return {
        key: settings.get(store.db, key)
        for key in ("server_url", "server_ca_cert", "desk_id", "window_name")
    }


class EnrollDialog(FormDialog):
    def __init__(
        self,
        app: AppContext,
        *,
        on_enrolled: Callable[[Enrollment], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(app, _("注册到中心平台"), parent)
        self.on_enrolled = on_enrolled
        self.enrollment: Enrollment | None = None
        self.intro = QLabel(
            _(
                "填写中心平台管理员提供的服务器地址和一次性注册码。"
                "注册后本终端自动与中心平台同步。"
            )
        )
        self.intro.setWordWrap(True)
        self.layout_.insertWidget(0, self.intro)
        self.server = QLineEdit()
        self.server.setPlaceholderText("https://zwfw.example.cn")
        self.code = QLineEdit()
        self.code.setPlaceholderText(_("一次性注册码"))
        self.ca_path = QLineEdit()
        self.ca_path.setPlaceholderText(_("服务器使用自签名证书时才需要"))
        self.ca_path.setAccessibleName(_("CA 证书文件路径"))
        self.ca_browse = QPushButton(_("选择(&B)…"))
        self.ca_browse.setAccessibleName(_("选择 CA 证书文件"))
        self.ca_browse.setAutoDefault(False)
        self.ca_browse.clicked.connect(self._choose_ca)
        ca_row = QWidget()
        row = QHBoxLayout(ca_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.ca_path, 1)
        row.addWidget(self.ca_browse)
        ca_row.setFocusProxy(self.ca_path)
        self.ca_path.returnPressed.connect(self.focusNextChild)
        self.desk_name = QLineEdit()
        self.add_field(
            FIELD_SERVER, _("服务器地址(&U)："), self.server, _("服务器地址")
        )
        self.add_field(FIELD_CODE, _("注册码(&C)："), self.code, _("注册码"))
        self.add_field(
            FIELD_CA_CERT, _("CA 证书（可选）(&A)："), ca_row, _("CA 证书文件")
        )
        self.add_field(FIELD_NAME, _("终端名称(&N)："), self.desk_name, _("终端名称"))
        self.success = QLabel()
        self.success.setObjectName("enrollSuccess")
        self.success.setWordWrap(True)
        self.success.setAccessibleName(_("注册结果"))
        self.success.hide()
        self.layout_.insertWidget(self.layout_.count() - 1, self.success)
        self.ok_button.setText(_("注册(&E)"))
        user = app.user
        if user is None or not user.is_supervisor:
            self.ok_button.setEnabled(False)
            self.general_error.setText(
                _("注册终端需要科室负责人权限，请由负责人登录后操作。")
            )
        store = app.store
        app.tasks.run_op(lambda: current_enrollment(store), success=self._prefill)
        self.server.setFocus()

    def _prefill(self, current: dict[str, str]) -> None:
        if not self.server.text():
            self.server.setText(current["server_url"])
        if not self.ca_path.text():
            self.ca_path.setText(current["server_ca_cert"])
        if not self.desk_name.text():
            self.desk_name.setText(current["window_name"])
        if current["desk_id"] and current["server_url"]:
            self.intro.setText(
                self.intro.text()
                + "\n"
                + _(
                    "本终端已注册为 {desk}（{url}）；重新注册会换用新的终端身份。"
                ).format(desk=current["desk_id"], url=current["server_url"])
            )

    def _choose_ca(self) -> None:
        path, _chosen = QFileDialog.getOpenFileName(
            self,
            _("选择 CA 证书文件"),
            self.ca_path.text() or str(Path.home()),
            _("证书文件 (*.pem *.crt *.cer);;所有文件 (*)"),
        )
        if path:
            self.ca_path.setText(path)

    # -- submit: the store, the network on the I/O pool, then the settings
    def submit(self) -> None:
        if self._busy or self.enrollment is not None:
            return
        self.clear_errors()
        user = self.app.user
        try:
            if user is None:
                raise PermissionDenied(
                    _("注册终端需要科室负责人权限，请由负责人登录后操作。")
                )
            user.require_supervisor(_("注册到中心平台"))
        except PermissionDenied as exc:
            self.general_error.setText(str(exc))
            return
        server, code = self.server.text(), self.code.text()
        ca = self.ca_path.text().strip() or None
        name = self.desk_name.text().strip() or None
        self._busy = True
        self.ok_button.setEnabled(False)
        self.general_error.setText(_("正在连接中心平台…"))
        store = self.app.store

        def request(prefixes: list[tuple[str, str]]) -> None:
            self.app.tasks.run_io(
                lambda: request_enrollment(
                    server_url=server,
                    code=code,
                    ca_cert=ca,
                    desk_name=name,
                    prefixes=prefixes,
                ),
                success=self._granted,
                failure=self._failed,
            )

        # The prefixes numbered under so far go with the request (store
        # worker first, then the network on the I/O pool).
        self.app.tasks.run_op(
            lambda: used_prefixes(store.db), success=request, failure=self._failed
        )

    def build_op(self) -> Callable[[], Any] | None:
        return None  # submit() is overridden: two steps on two pools

    def _granted(self, grant: EnrollmentGrant) -> None:
        store = self.app.store
        self.app.tasks.run_op(
            lambda: save_enrollment(store, grant),
            success=self._saved,
            failure=self._failed,
        )

    def _saved(self, enrollment: Enrollment) -> None:
        self._busy = False
        self.enrollment = self.result_value = enrollment
        self.general_error.clear()
        text = _(
            "注册成功：本终端编号 {desk}（站点 {site}，窗口 {window}），"
            "已开始与中心平台同步。"
        ).format(
            desk=enrollment.desk_id,
            site=enrollment.site_code,
            window=enrollment.window_code,
        )
        self.success.setText(text)
        self.success.show()
        for field in (self.server, self.code, self.ca_path, self.desk_name):
            field.setReadOnly(True)
        self.ca_browse.setEnabled(False)
        self.ok_button.hide()
        self.cancel_button.setText(_("关闭"))
        self.cancel_button.setAccessibleName(_("关闭"))
        self.cancel_button.setFocus()
        self.app.messages.info(text)
        if self.app.user is not None:  # numbers are taken under the new codes
            self.app.user = replace(
                self.app.user,
                site_code=enrollment.site_code,
                window_code=enrollment.window_code,
                desk_id=enrollment.desk_id,
            )
        if self.on_enrolled is not None:
            self.on_enrolled(enrollment)

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.ok_button.setEnabled(True)
        self.general_error.clear()
        if isinstance(exc, EnrollmentError):
            self.show_error(exc.field or None, str(exc))
        elif isinstance(exc, NoKeyring):
            self.show_error(None, str(exc))
        else:
            self.app.tasks.default_failure(exc)
            self.show_error(
                None,
                _("注册没有完成：{error}。输入的内容仍在，可以修改后重试。").format(
                    error=exc
                ),
            )
