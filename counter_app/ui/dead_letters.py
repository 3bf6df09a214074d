"""Operations the central platform rejected, with its reason. A supervisor
resends one after fixing the cause, or discards it (kept in the audit log)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QPushButton, QTableWidgetItem, QWidget

from counter_app.i18n import N_, _
from counter_app.services.context import PermissionDenied
from counter_app.ui.context import AppContext
from counter_app.ui.listdialog import ListDialog, read_only_table
from sync.resolve import DeadLetter, dead_letters, discard, reason_text, resend

ENTITY_LABELS = {
    "application": N_("办件"),
    "consultation": N_("咨询"),
    "evaluation": N_("评价"),
    "event": N_("事件"),
    "day_close": N_("日结"),
    "print_job": N_("打印"),
    "material_file": N_("材料文件"),
    "signature": N_("签名"),
}


class DeadLettersDialog(ListDialog):
    def __init__(self, app: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(
            app,
            title=_("被中心平台拒绝的操作"),
            hint=_(
                "这些操作未被中心平台接受。请按原因处理后“重新发送”，或由负责人“放弃”。"
            ),
            fetch=lambda store: dead_letters(store.db),
            parent=parent,
        )
        self.letters: list[DeadLetter] = []
        self.table = read_only_table(
            [_("序号"), _("类型"), _("受理编号/记录"), _("拒绝原因"), _("时间")],
            _("被拒绝的操作列表"),
        )
        self.resend_button = QPushButton(_("重新发送(&R)"))
        self.discard_button = QPushButton(_("放弃(&D)"))
        for button in (self.resend_button, self.discard_button):
            button.setEnabled(False)
        self.resend_button.clicked.connect(self.resend_selected)
        self.discard_button.clicked.connect(self.discard_selected)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.resize(820, 420)
        self.finish(self.table, [self.resend_button, self.discard_button])

    def show_rows(self, letters: list[DeadLetter]) -> None:
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

    def _act(self, action: str, fn: Callable[..., object], done: str) -> None:
        letter = self.selected()
        if letter is None:
            return
        user = self.app.require_user()
        try:
            user.require_supervisor(action)
        except PermissionDenied as exc:
            self.app.messages.warning(str(exc))
            return
        self.act(lambda store: fn(store, letter.op_id, actor=user.username), done)
