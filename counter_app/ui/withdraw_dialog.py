"""撤回: the applicant withdraws before the decision, with a written reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QLineEdit, QWidget

from counter_app.i18n import _
from counter_app.services import applications
from counter_app.ui.context import AppContext
from counter_app.ui.dialogbase import FormDialog


class WithdrawDialog(FormDialog):
    def __init__(
        self, app: AppContext, *, application_id: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(app, _("撤回申请"), parent)
        self.application_id = application_id
        self.reason = QLineEdit()
        self.add_field("reason", _("撤回理由(&R)："), self.reason, _("撤回理由"))

    def build_op(self) -> Callable[[], Any] | None:
        store, ctx = self.app.store, self.app.require_user()
        app_id, reason = self.application_id, self.reason.text()
        return lambda: applications.withdraw(
            store, ctx, application_id=app_id, reason=reason
        )
