"""The questions a decision asks before it is stored: the promise date of a
deferred acceptance, the full list of a one-time notice, the reason of a
rejection. Each dialog only gathers input; the widget runs the decision."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from counter_app import clock
from counter_app.i18n import _, listing
from counter_app.services.intake import (
    MATERIAL_STATE_LABELS,
    REJECT_REASONS,
    MaterialState,
)


def _buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    box.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    box.button(QDialogButtonBox.StandardButton.Cancel).setText(_("返回修改"))
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


class DeferredDialog(QDialog):
    """容缺受理: the date by which the applicant promises the deferred items."""

    def __init__(
        self, deferred: list[str], default: date, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("容缺受理"))
        self.date = QDateEdit(QDate(default.year, default.month, default.day), self)
        self.date.setObjectName("promise_date")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        today = clock.today()  # the desk's clock, not the machine's
        self.date.setMinimumDate(QDate(today.year, today.month, today.day))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("容缺材料：{names}").format(names=listing(deferred))))
        form = QFormLayout()
        form.addRow(_("承诺补交日期"), self.date)
        layout.addLayout(form)
        layout.addWidget(_buttons(self, _("容缺受理")))

    def promise_date(self) -> date:
        chosen = self.date.date().toPython()
        assert isinstance(chosen, date)
        return chosen


class NoticeDialog(QDialog):
    """一次性告知: every missing or defective material, checked before it is
    printed, so the applicant comes back once."""

    def __init__(
        self,
        outstanding: list[tuple[str, MaterialState, str]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("一次性告知"))
        self.list = QListWidget(self)
        self.list.setObjectName("notice_list")
        for name, state, problem in outstanding:
            text = _("{name}：{state}").format(
                name=name, state=_(MATERIAL_STATE_LABELS[state])
            )
            if problem:
                text += _("（{problem}）").format(problem=problem)
            self.list.addItem(text)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(_("请申请人一次补齐以下 {n} 项材料：").format(n=len(outstanding)))
        )
        layout.addWidget(self.list)
        layout.addWidget(_buttons(self, _("确认一次性告知")))


class RejectDialog(QDialog):
    """不予受理: a legal reason, the clerk's explanation, and the competent
    organ when the matter belongs elsewhere."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("不予受理"))
        self.reason = QComboBox(self)
        self.reason.setObjectName("reject_reason")
        for code, label in REJECT_REASONS.items():
            self.reason.addItem(_(label), code)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("reject_text")
        self.text.setTabChangesFocus(True)
        self.organ = QLineEdit(self)
        self.organ.setObjectName("competent_organ")
        self.error = QLabel(self)
        self.error.setProperty("tone", "error")
        form = QFormLayout()
        form.addRow(_("不予受理理由"), self.reason)
        form.addRow(_("具体说明"), self.text)
        form.addRow(_("有权受理的机关"), self.organ)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(_buttons(self, _("不予受理")))

    def accept(self) -> None:
        code = self.reason.currentData()
        if code == "other" and not self.text.toPlainText().strip():
            self.error.setText(_("选择“其他原因”时请写明具体理由。"))
            self.text.setFocus()
            return
        if code == "not_competent" and not self.organ.text().strip():
            self.error.setText(_("请写明有权受理的机关，以便申请人前往办理。"))
            self.organ.setFocus()
            return
        super().accept()

    def reason_code(self) -> str:
        return str(self.reason.currentData())

    def reason_text(self) -> str:
        parts = [self.reason.currentText()]
        if self.text.toPlainText().strip():
            parts.append(self.text.toPlainText().strip())
        return "；".join(parts)

    def competent_organ(self) -> str:
        """Printed in the decision as 请向{organ}提出申请."""
        return self.organ.text().strip()
