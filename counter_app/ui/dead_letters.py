"""Operations the central platform rejected, with its reason. A supervisor
resends one after fixing the cause, or discards it (kept in the audit log)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.i18n import N_, _
from counter_app.services.context import PermissionDenied
from counter_app.ui.context import AppContext
from sync.resolve import DeadLetter, dead_letters, discard, reason_text, resend

ENTITY_LABELS = {
    "application": N_("办件"),
    "consultation": N_("咨询"),
    "evaluation": N_("评价"),
    "event": N_("事件"),
    "day_close": N_("日结"),
    "print_job": N_("打印"),
    "material_file": N_("材料文件"),
}


class DeadLettersDialog(QDialog):
    def __init__(self, app: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.letters: list[DeadLetter] = []
        self.setWindowTitle(_("被中心平台拒绝的操作"))
        self.setAccessibleName(_("被中心平台拒绝的操作"))
        layout = QVBoxLayout(self)
        self.hint = QLabel(
            _("这些操作未被中心平台接受。请按原因处理后“重新发送”，或由负责人“放弃”。")
        )
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(
            [_("序号"), _("类型"), _("受理编号/记录"), _("拒绝原因"), _("时间")]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAccessibleName(_("被拒绝的操作列表"))
        layout.addWidget(self.table)
        buttons = QHBoxLayout()
        self.resend_button = QPushButton(_("重新发送(&R)"))
        self.discard_button = QPushButton(_("放弃(&D)"))
        self.close_button = QPushButton(_("关闭"))
        for button in (self.resend_button, self.discard_button):
            button.setEnabled(False)
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self.resend_button.clicked.connect(self.resend_selected)
        self.discard_button.clicked.connect(self.discard_selected)
        self.close_button.clicked.connect(self.accept)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.resize(820, 420)
        self.reload()

    def reload(self) -> None:
        store = self.app.store
        self.app.tasks.run_op(
            lambda: dead_letters(store.db),
            success=self._show,
            failure=lambda exc: self.app.messages.error(str(exc)),
        )

    def _show(self, letters: list[DeadLetter]) -> None:
        self.letters = letters
        self.table.setRowCount(len(letters))
        for row, letter in enumerate(letters):
            values = [
                str(letter.seq),
                _(ENTITY_LABELS.get(letter.entity, letter.entity)),
                letter.acceptance_no or letter.entity_id,
                reason_text(letter.reason),
                letter.acked_at or letter.created_at,
            ]
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        if not letters:
            self.hint.setText(_("没有被拒绝的操作。"))
        self._selection_changed()

    def selected(self) -> DeadLetter | None:
        rows = {index.row() for index in self.table.selectedIndexes()}
        if len(rows) != 1:
            return None
        return self.letters[rows.pop()]

    def _selection_changed(self) -> None:
        chosen = self.selected() is not None
        self.resend_button.setEnabled(chosen)
        self.discard_button.setEnabled(chosen)

    def resend_selected(self) -> None:
        self._act(_("重新发送被拒绝的操作"), resend, _("已重新排队发送。"))

    def discard_selected(self) -> None:
        self._act(
            _("放弃被拒绝的操作"), discard, _("已放弃该操作，内容保留在审计日志中。")
        )

    def _act(self, action: str, fn: object, done: str) -> None:
        letter = self.selected()
        if letter is None:
            return
        user = self.app.require_user()
        try:
            user.require_supervisor(action)
        except PermissionDenied as exc:
            self.app.messages.warning(str(exc))
            return
        store = self.app.store

        def run() -> None:
            fn(store, letter.op_id, actor=user.username)  # type: ignore[operator]

        def ok(_result: object) -> None:
            self.app.messages.info(done)
            self.reload()

        self.app.tasks.run_op(run, success=ok, failure=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.app.messages.error(str(exc))
        self.reload()
