"""The evaluation display (好差评) turned to the applicant: on a second screen
when the desk has one, else full screen on the clerk's. Large touch
buttons for the five levels, large reason boxes, one submit. The rating is
the applicant's own: the clerk's window cannot pick it for them."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.errors import DomainError
from counter_app.domain.evaluation import BAD_REASONS, CHANNEL_PAD, GOOD_REASONS, LEVELS
from counter_app.i18n import _
from counter_app.services import applications
from counter_app.ui.context import AppContext

CLOSE_AFTER_MS = 3000

STYLE = """
QDialog#evaluationScreen { background: #f7f9fc; }
QLabel { font-size: 26px; }
QLabel#evalTitle { font-size: 40px; font-weight: bold; }
QPushButton { font-size: 30px; min-height: 96px; min-width: 180px;
              border-radius: 12px; border: 2px solid #8aa1c1; background: white; }
QPushButton:checked { background: #1f6feb; color: white; border-color: #1f6feb; }
QPushButton#submitButton { background: #1a7f37; color: white; min-width: 320px; }
QPushButton#submitButton:disabled { background: #9bb8a3; }
QCheckBox { font-size: 26px; spacing: 16px; min-height: 64px; }
QCheckBox::indicator { width: 40px; height: 40px; }
"""


class EvaluationScreen(QDialog):
    submitted = Signal(str)  # evaluation id

    def __init__(
        self,
        app: AppContext,
        *,
        application_id: str,
        acceptance_no: str,
        item_name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.app = app
        self.application_id = application_id
        self.evaluation_id = ""
        self.setObjectName("evaluationScreen")
        self.setWindowTitle(_("请您评价"))
        self.setAccessibleName(_("好差评"))
        self.setStyleSheet(STYLE)

        title = QLabel(_("请对本次服务进行评价"))
        title.setObjectName("evalTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        info = QLabel(
            _("受理编号：{number}\n办理事项：{item}").format(
                number=acceptance_no, item=item_name
            )
        )
        info.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.level_group = QButtonGroup(self)
        self.level_group.setExclusive(True)
        levels = QHBoxLayout()
        self.level_buttons: dict[int, QPushButton] = {}
        for level, label in LEVELS:
            button = QPushButton(_(label))
            button.setCheckable(True)
            button.setAccessibleName(_(label))
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            self.level_group.addButton(button, level)
            self.level_buttons[level] = button
            levels.addWidget(button)
        self.level_group.idToggled.connect(self._level_changed)

        self.reason_boxes: dict[str, QCheckBox] = {}
        reasons = QGridLayout()
        for column, group in enumerate((GOOD_REASONS, BAD_REASONS)):
            for row, reason in enumerate(group):
                box = QCheckBox(_(reason))
                box.setAccessibleName(_(reason))
                self.reason_boxes[reason] = box
                reasons.addWidget(box, row, column)

        self.message = QLabel(_("请先选择满意程度。"))
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.submit_button = QPushButton(_("提交评价"))
        self.submit_button.setObjectName("submitButton")
        self.submit_button.setEnabled(False)
        self.submit_button.clicked.connect(self.submit)
        self.skip_button = QPushButton(_("不评价"))
        self.skip_button.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.skip_button)
        bottom.addWidget(self.submit_button)
        bottom.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 36, 48, 36)
        layout.setSpacing(24)
        layout.addWidget(title)
        layout.addWidget(info)
        layout.addLayout(levels)
        layout.addWidget(QLabel(_("您的意见（可多选）：")))
        layout.addLayout(reasons)
        layout.addStretch(1)
        layout.addWidget(self.message)
        layout.addLayout(bottom)

    def level(self) -> int | None:
        checked = self.level_group.checkedId()
        return checked if checked > 0 else None

    def reasons(self) -> list[str]:
        return [_(r) for r, box in self.reason_boxes.items() if box.isChecked()]

    def _level_changed(self, _id: int, checked: bool) -> None:
        if checked:
            self.submit_button.setEnabled(True)
            self.message.setText("")

    def submit(self) -> None:
        level = self.level()
        if level is None:
            self.message.setText(_("请先选择满意程度。"))
            return
        store, user = self.app.store, self.app.require_user()
        reasons, app_id = self.reasons(), self.application_id
        self.submit_button.setEnabled(False)
        self.message.setText(_("正在提交……"))
        self.app.tasks.run_op(
            lambda: applications.evaluate(
                store,
                user,
                application_id=app_id,
                level=level,
                reasons=reasons,
                channel=CHANNEL_PAD,
            ),
            success=self._done,
            failure=self._failed,
        )

    def _done(self, evaluation_id: str) -> None:
        self.evaluation_id = evaluation_id
        for button in self.level_buttons.values():
            button.setEnabled(False)
        self.skip_button.setEnabled(False)
        self.message.setText(_("感谢您的评价！"))
        self.submitted.emit(evaluation_id)
        QTimer.singleShot(CLOSE_AFTER_MS, self.accept)

    def _failed(self, exc: BaseException) -> None:
        self.submit_button.setEnabled(True)
        if isinstance(exc, DomainError):
            self.message.setText(str(exc))
            return
        self.message.setText(_("评价未能保存，请告知窗口工作人员。"))
        self.app.messages.error(
            _("评价未能保存：{error}").format(error=exc),
            getattr(exc, "__traceback_text__", ""),
        )

    def present(self) -> None:
        """Show on the second screen when there is one (turned to the
        applicant), else full screen on this one."""
        screens = QGuiApplication.screens()
        if len(screens) > 1:
            target = screens[1]
            self.setScreen(target)
            self.setGeometry(target.geometry())
        self.showFullScreen()
