"""Changes from the central platform this desk could not apply yet (a
duplicate acceptance number, an item the catalog lacks, a newer format),
with the reason. Each sync retries them first; nothing here is lost."""

from __future__ import annotations

from PySide6.QtWidgets import QTableWidgetItem, QWidget

from counter_app.i18n import N_, _
from counter_app.ui.context import AppContext
from counter_app.ui.listdialog import ListDialog, read_only_table
from sync.quarantine import QuarantinedChange, changes

KIND_LABELS = {
    "catalog_item": N_("事项"),
    "catalog_meta": N_("事项目录"),
    "calendar_year": N_("节假日日历"),
    "user": N_("用户"),
    "application_status": N_("办件状态"),
    "site_application": N_("其他窗口办件"),
    "window_push": N_("其他窗口同步"),
}


class QuarantineDialog(ListDialog):
    def __init__(self, app: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(
            app,
            title=_("暂未应用的中心变更"),
            hint=_(
                "这些来自中心平台的变更本机暂时无法应用，已原样保存。"
                "每次同步会先重试它们；升级软件或事项目录更新后通常会自动应用。"
            ),
            fetch=lambda store: changes(store.db),
            parent=parent,
        )
        self.entries: list[QuarantinedChange] = []
        self.table = read_only_table(
            [_("类型"), _("记录"), _("原因"), _("首次收到"), _("重试次数")],
            _("暂未应用的变更列表"),
        )
        self.resize(820, 420)
        self.finish(self.table)

    def show_rows(self, entries: list[QuarantinedChange]) -> None:
        self.entries = entries
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            label = KIND_LABELS.get(entry.kind)
            values = [
                _(label) if label else entry.kind,
                entry.record,
                entry.reason_text,
                entry.first_seen[:16].replace("T", " "),
                str(entry.attempts),
            ]
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        if not entries:
            self.hint.setText(_("没有暂未应用的中心变更。"))
