"""出件: hand the result to the applicant (or agent) after checking their ID,
or send it by EMS with a tracking number."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from counter_app.i18n import _, listing
from counter_app.services import applications
from counter_app.ui.context import AppContext
from counter_app.ui.devices.collector import CollectorCheck
from counter_app.ui.dialogbase import FormDialog


class DeliverDialog(FormDialog):
    def __init__(
        self,
        app: AppContext,
        *,
        application_id: str,
        applicant_name: str,
        outstanding: list[str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(app, _("出件"), parent)
        self.application_id = application_id
        self.override = QLineEdit()
        self.method = QComboBox()
        self.method.addItem(_("窗口领取"), "window")
        self.method.addItem(_("EMS 邮寄"), "ems")
        self.recipient_name = QLineEdit(applicant_name)
        self.recipient_id = QLineEdit()
        self.tracking_no = QLineEdit()
        self.result_name = QLineEdit()
        self.result_name.setPlaceholderText(_("不填则为“事项名称 + 办理结果文书”"))
        self.result_number = QLineEdit()
        self.result_number.setPlaceholderText(_("证照或决定书编号，无编号可不填"))
        self.add_field("method", _("送达方式(&M)："), self.method, _("送达方式"))
        self.add_field(
            "result_name", _("送达文书(&D)："), self.result_name, _("送达文书名称")
        )
        self.add_field(
            "result_number", _("文书编号(&U)："), self.result_number, _("文书编号")
        )
        self.add_field(
            "recipient_name",
            _("领取人姓名(&N)："),
            self.recipient_name,
            _("领取人姓名"),
        )
        self.add_field(
            "recipient_id_number",
            _("领取人证件号(&I)："),
            self.recipient_id,
            _("领取人证件号码"),
        )
        self.add_field("tracking_no", _("运单号(&T)："), self.tracking_no, _("运单号"))
        self.collector = CollectorCheck(
            app,
            application_id=application_id,
            name_field=self.recipient_name,
            id_field=self.recipient_id,
            parent=self,
        )
        self.form.addRow("", self.collector)
        if outstanding:
            # 容缺 materials still out: only a supervisor may hand over, with a reason.
            warning = QLabel(
                _(
                    "容缺材料尚未补交：{names}。请先登记补交；确需先出件的，"
                    "须由科室负责人核准并写明理由。"
                ).format(names=listing(outstanding))
            )
            warning.setWordWrap(True)
            warning.setAccessibleName(_("容缺材料未补交"))
            self.layout_.insertWidget(0, warning)
            self.add_field(
                "override_reason", _("核准理由(&O)："), self.override, _("核准理由")
            )
            self.override.setEnabled(app.require_user().is_supervisor)
        self.recipient_id.setPlaceholderText(_("核对申请人或代理人的证件"))
        self.method.currentIndexChanged.connect(self._method_changed)
        self._method_changed()
        self.recipient_id.setFocus()

    def _method_changed(self) -> None:
        ems = self.method.currentData() == "ems"
        self.tracking_no.setEnabled(ems)

    def build_op(self) -> Callable[[], Any] | None:
        store, ctx = self.app.store, self.app.require_user()
        kwargs = {
            "application_id": self.application_id,
            "recipient_name": self.recipient_name.text(),
            "recipient_id_number": self.recipient_id.text(),
            "method": self.method.currentData(),
            "tracking_no": self.tracking_no.text(),
            "override_reason": self.override.text(),
            "result_name": self.result_name.text(),
            "result_number": self.result_number.text(),
        }
        return lambda: applications.deliver(store, ctx, **kwargs)
