"""站点和窗口代码…: the codes a desk not enrolled yet numbers under
(supervisor). A new desk shows its provisional code; numbers already issued
keep theirs (``services/site.py``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from counter_app.i18n import _
from counter_app.services import site
from counter_app.ui.context import AppContext
from counter_app.ui.dialogbase import FormDialog
from sync.codes import is_provisional_site_code


class SiteDialog(FormDialog):
    def __init__(self, app: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(app, _("站点和窗口代码"), parent)
        user = app.user
        site_code = user.site_code if user else ""
        window_code = user.window_code if user else ""
        enrolled = bool(user and user.desk_id)
        if enrolled:
            text = _(
                "本终端已注册到中心平台，站点和窗口代码由平台分配，不能在本机修改。"
            )
        elif is_provisional_site_code(site_code):
            text = _(
                "本终端尚未设置站点，受理编号暂用临时代码 {site}。请在受理第一件"
                "办件前填写本窗口的站点代码和窗口代码；已发出的编号保持不变，"
                "注册到中心平台时由平台登记。"
            ).format(site=site_code)
        else:
            text = _(
                "修改后只影响新的受理编号；已发出的编号保持不变，"
                "注册到中心平台时由平台登记。"
            )
        self.note = QLabel(text)
        self.note.setWordWrap(True)
        self.note.setAccessibleName(_("说明"))
        self.layout_.insertWidget(0, self.note)
        provisional = is_provisional_site_code(site_code)
        self.site = QLineEdit("" if provisional else site_code)
        self.site.setPlaceholderText(_("如 330106001"))
        self.window_code = QLineEdit(window_code)
        self.window_code.setPlaceholderText(_("如 02"))
        for field in (self.site, self.window_code):
            field.setReadOnly(enrolled)
        self.ok_button.setEnabled(not enrolled)
        self.add_field("site_code", _("站点代码(&S)："), self.site, _("站点代码"))
        self.add_field(
            "window_code", _("窗口代码(&W)："), self.window_code, _("窗口代码")
        )

    def build_op(self) -> Callable[[], Any] | None:
        user = self.app.user
        if user is None:
            return None
        store = self.app.store
        site_code, window_code = self.site.text(), self.window_code.text()
        return lambda: site.set_site_and_window(
            store, user, site_code=site_code, window_code=window_code
        )

    def _done(self, value: Any) -> None:
        if isinstance(value, site.SiteCodes) and self.app.user is not None:
            # New numbers are taken under the new codes from now on.
            self.app.user = replace(
                self.app.user,
                site_code=value.site_code,
                window_code=value.window_code,
            )
            self.app.messages.info(
                _(
                    "站点代码 {site}，窗口代码 {window}：新的受理编号使用这两个代码。"
                ).format(site=value.site_code, window=value.window_code)
            )
        super()._done(value)
