"""The daily log on screen: the rows an export would hold, for the filters
of the export dialog; sortable by any column, overdue cases and bad ratings
(差评) marked, and how complete each window's records are here."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from counter_app import clock
from counter_app.i18n import N_, _
from counter_app.services.daily_log import DailyLog, LogEntry
from counter_app.services.queries import RUNNING
from counter_app.ui.theme import tone

Index = QModelIndex | QPersistentModelIndex
HEADERS = [
    N_("时间"),
    N_("类型"),
    N_("受理编号"),
    N_("事项"),
    N_("申请人"),
    N_("证件号码"),
    N_("决定"),
    N_("状态"),
    N_("办结时限"),
    N_("评价"),
    N_("窗口"),
    N_("经办人"),
]
DUE, RATING = 8, 9
SORT_ROLE = Qt.ItemDataRole.UserRole


def overdue(entry: LogEntry, today: date) -> bool:
    """Still running past its due date (an accepted case not yet decided)."""
    return (
        entry.due_date is not None
        and entry.status in RUNNING
        and entry.due_date < today
    )


def bad_rating(entry: LogEntry) -> bool:
    return entry.evaluation is not None and entry.evaluation <= 2


class LogModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.entries: list[LogEntry] = []
        self.today = clock.today()

    def set_log(self, log: DailyLog) -> None:
        self.beginResetModel()
        self.entries = list(log.entries)
        self.today = clock.today()
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def text(self, e: LogEntry, col: int) -> str:
        due = e.due_text
        if col == DUE and overdue(e, self.today):
            due = _("{date}（超期）").format(date=due)
        rating = e.evaluation_label
        if col == RATING and bad_rating(e):
            rating = _("{label} 差评").format(label=rating)
        values = [
            e.at.strftime("%Y-%m-%d %H:%M"),
            e.kind_label,
            e.acceptance_no,
            e.item_name,
            e.applicant_name,
            e.id_masked,
            e.decision_label,
            e.status_label,
            due,
            rating,
            e.window_code,
            e.clerk_name or e.clerk,
        ]
        return values[col]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        e, col = self.entries[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.text(e, col)
        if role == SORT_ROLE:  # dates and ratings sort by value, not by words
            if col == 0:
                return e.at.isoformat()
            if col == DUE:
                return e.due_date.isoformat() if e.due_date else ""
            if col == RATING:
                return -1 if e.evaluation is None else e.evaluation
            return self.text(e, col)
        if role == Qt.ItemDataRole.ForegroundRole and (
            (col == DUE and overdue(e, self.today)) or (col == RATING and bad_rating(e))
        ):
            return QBrush(tone("error"))
        return None

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
        ):
            return _(HEADERS[section])
        return None


class DailyLogView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = LogModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setAccessibleName(_("业务日志"))
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.summary = QLabel(self)
        self.summary.setAccessibleName(_("合计"))
        self.summary.setWordWrap(True)
        self.coverage = QLabel(self)
        self.coverage.setAccessibleName(_("数据完整性"))
        self.coverage.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.coverage)

    def show_log(self, log: DailyLog) -> None:
        self.model.set_log(log)
        today = self.model.today
        late = sum(overdue(e, today) for e in log.entries)
        bad = sum(bad_rating(e) for e in log.entries)
        self.summary.setText(
            _("共 {n} 条；超期 {late} 件；差评 {bad} 件。").format(
                n=len(log.entries), late=late, bad=bad
            )
        )
        self.coverage.setText(_("各窗口数据：{text}").format(text=log.coverage_text()))
