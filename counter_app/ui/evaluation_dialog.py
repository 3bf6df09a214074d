"""好差评: 1–5 stars, reasons and a comment. Evaluation is voluntary, so no
level is preselected. A rating of 1 or 2 is a bad rating and is stored only
together with its follow-up record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QPlainTextEdit,
    QRadioButton,
    QSizePolicy,
    QWidget,
)

from counter_app.domain.evaluation import BAD_REASONS, GOOD_REASONS, LEVELS
from counter_app.i18n import _
from counter_app.services import applications
from counter_app.ui.context import AppContext
from counter_app.ui.dialogbase import FormDialog
from counter_app.ui.flow_layout import WrapRow

# The clerk's dialog offers the reasons in this order (指引清楚 only on the
# applicant's own screens).
REASONS = (*GOOD_REASONS[:3], *BAD_REASONS)


def record_evaluation(
    store: Any,
    ctx: Any,
    *,
    application_id: str,
    level: int,
    reasons: list[str],
    comment: str,
    follow_up: str,
) -> str:
    """Store the rating and, for a bad one, its follow-up (store worker)."""
    eval_id = applications.evaluate(
        store,
        ctx,
        application_id=application_id,
        level=level,
        reasons=reasons,
        comment=comment,
    )
    if level <= 2:
        applications.follow_up(store, ctx, evaluation_id=eval_id, text=follow_up)
    return eval_id


class EvaluationDialog(FormDialog):
    def __init__(
        self, app: AppContext, *, application_id: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(app, _("好差评"), parent)
        self.application_id = application_id
        stars = QWidget()
        row = QHBoxLayout(stars)
        row.setContentsMargins(0, 0, 0, 0)
        self.level_group = QButtonGroup(self)
        self.level_buttons: dict[int, QRadioButton] = {}
        for level, label in LEVELS:
            button = QRadioButton(
                _("{stars} {label}").format(stars="★" * level, label=_(label))
            )
            button.setAccessibleName(
                _("{n} 星 {label}").format(n=level, label=_(label))
            )
            self.level_group.addButton(button, level)
            self.level_buttons[level] = button
            row.addWidget(button)
        self.add_field("level", _("评价等级(&L)："), stars, _("评价等级"))
        # as many a line as fit: long English reasons wrap, never cut
        reasons = WrapRow()
        # its one-line width must not set the dialog's: it takes the width
        # the other rows give it and wraps there
        reasons.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.reason_boxes: list[tuple[str, QCheckBox]] = []
        for reason in REASONS:
            box = QCheckBox(_(reason))
            box.setAccessibleName(_(reason))
            reasons.add(box)
            self.reason_boxes.append((reason, box))
        self.add_field("reasons", _("原因："), reasons, _("评价原因"))
        self.comment = QPlainTextEdit()
        self.comment.setTabChangesFocus(True)
        self.comment.setMaximumHeight(70)
        self.add_field("comment", _("意见(&C)："), self.comment, _("评价意见"))
        self.follow_up = QPlainTextEdit()
        self.follow_up.setTabChangesFocus(True)
        self.follow_up.setMaximumHeight(90)
        self.follow_up.setPlaceholderText(
            _("差评（1–2 星）必须填写：核实情况、整改措施和向申请人反馈的结果。")
        )
        self.add_field(
            "follow_up", _("差评回访(&F)："), self.follow_up, _("差评回访记录")
        )
        self.level_group.idToggled.connect(self._level_changed)
        # Rating is the applicant's free choice: nothing is preselected.
        self.follow_up.setEnabled(False)
        self.level_buttons[5].setFocus()

    def _level_changed(self, level: int, checked: bool) -> None:
        if checked:
            self.follow_up.setEnabled(level <= 2)

    def level(self) -> int:
        return self.level_group.checkedId()

    def build_op(self) -> Callable[[], Any] | None:
        level = self.level()
        if level not in range(1, 6):
            self.show_error(
                "level", _("请由申请人选择评价等级；申请人不评价时请按“取消”。")
            )
            return None
        follow_up = self.follow_up.toPlainText().strip()
        if level <= 2 and not follow_up:
            self.show_error(
                "follow_up",
                _("差评须同时记录回访与整改情况，填写后才能保存。"),
            )
            return None
        store, ctx = self.app.store, self.app.require_user()
        app_id = self.application_id
        reasons = [r for r, box in self.reason_boxes if box.isChecked()]
        comment = self.comment.toPlainText()
        return lambda: record_evaluation(
            store,
            ctx,
            application_id=app_id,
            level=level,
            reasons=reasons,
            comment=comment,
            follow_up=follow_up,
        )
