"""Stale edits: the desk changed a record the back office had already
moved on. Both versions are shown field by field; the clerk keeps the
desk's version (pushed again on top of the server's) or takes the server's."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from counter_app.domain.status import STATUS_LABELS, Status
from counter_app.i18n import N_, _
from counter_app.ui.context import AppContext
from counter_app.ui.listdialog import ListDialog
from sync.resolve import Conflict, keep_local, open_conflicts, take_remote

FIELD_LABELS = {
    "status": N_("状态"),
    "applicant_name": N_("申请人"),
    "phone": N_("联系电话"),
    "address": N_("地址"),
    "due_date": N_("办结期限"),
    "decision": N_("决定"),
    "reason": N_("理由"),
    "materials": N_("材料"),
    "promise_date": N_("承诺日期"),
    "acceptance_no": N_("受理编号"),
}


def _value_text(key: str, value: Any) -> str:
    if value is None:
        return ""
    if key == "status":
        try:
            return _(STATUS_LABELS[Status(str(value))])
        except ValueError:
            return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)[:200]
    return str(value)


class ConflictsDialog(ListDialog):
    def __init__(self, app: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(
            app,
            title=_("同步冲突"),
            hint=_(
                "以下办件在本机修改时，中心平台已有更新的版本。请逐项比较后选择保留哪一版。"
            ),
            fetch=lambda store: open_conflicts(store.db),
            parent=parent,
        )
        self.conflicts: list[Conflict] = []
        body = QHBoxLayout()
        self.list = QListWidget()
        self.list.setAccessibleName(_("冲突的办件"))
        body.addWidget(self.list, 1)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(
            [_("字段"), _("本机版本"), _("中心平台版本")]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAccessibleName(_("两个版本的差异"))
        body.addWidget(self.table, 3)
        self.keep_button = QPushButton(_("保留本机版本(&L)"))
        self.take_button = QPushButton(_("采用中心平台版本(&S)"))
        self.keep_button.clicked.connect(lambda: self._resolve(keep_local))
        self.take_button.clicked.connect(lambda: self._resolve(take_remote))
        self.list.currentRowChanged.connect(self._show_one)
        self.resize(860, 460)
        self.finish(body, [self.keep_button, self.take_button])

    def show_rows(self, conflicts: list[Conflict]) -> None:
        self.conflicts = conflicts
        self.list.clear()
        for conflict in conflicts:
            number = conflict.local.get("acceptance_no") or conflict.entity_id
            name = conflict.local.get("applicant_name") or ""
            self.list.addItem(f"{number} {name}".strip())
        if conflicts:
            self.list.setCurrentRow(0)
        else:
            self.hint.setText(_("没有待处理的同步冲突。"))
            self.table.setRowCount(0)
        self.keep_button.setEnabled(bool(conflicts))
        self.take_button.setEnabled(bool(conflicts))

    def current(self) -> Conflict | None:
        row = self.list.currentRow()
        return self.conflicts[row] if 0 <= row < len(self.conflicts) else None

    def _show_one(self, _row: int) -> None:
        conflict = self.current()
        diffs = conflict.differences() if conflict else []
        self.table.setRowCount(len(diffs))
        for row, (key, mine, theirs) in enumerate(diffs):
            label = _(FIELD_LABELS[key]) if key in FIELD_LABELS else key
            for column, text in enumerate(
                (label, _value_text(key, mine), _value_text(key, theirs))
            ):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()

    def _resolve(self, fn: Callable[..., object]) -> None:
        conflict = self.current()
        if conflict is None:
            return
        user = self.app.require_user()
        self.act(
            lambda store: fn(store, conflict.id, actor=user.username),
            _("冲突已处理，将在下次同步时发送。"),
        )
