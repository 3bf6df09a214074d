"""The applications list (办件): search box, filters and a table model that
loads page by page on the store worker as the clerk scrolls."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.status import STATUS_LABELS, Status
from counter_app.i18n import N_, _, ngettext
from counter_app.services import queries
from counter_app.services.queries import ApplicationQuery, Cursor, ListRow
from counter_app.ui.context import AppContext
from counter_app.ui.theme import tone

PAGE_SIZE = 100
SEARCH_DEBOUNCE_MS = 300
COLUMNS = (
    N_("受理编号"),
    N_("时间"),
    N_("事项"),
    N_("申请人"),
    N_("证件号"),
    N_("状态"),
    N_("承诺期限"),
    N_("剩余工作日"),
)
NO_DATE = QDate(2000, 1, 1)
_DISPLAY = Qt.ItemDataRole.DisplayRole
_ACCESSIBLE = Qt.ItemDataRole.AccessibleTextRole
_OTHER_ROLES = frozenset(
    {
        Qt.ItemDataRole.UserRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.ToolTipRole,
    }
)
Index = QModelIndex | QPersistentModelIndex


class ApplicationsModel(QAbstractTableModel):
    """Rows arrive a page at a time; a newer query drops late answers."""

    loaded = Signal()
    counted = Signal(int)
    failed = Signal(object)

    def __init__(self, app: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.app = app
        self.query = ApplicationQuery()
        self.rows: list[ListRow] = []
        # Cell texts are formatted once when a page arrives: painting asks
        # for them many times, and each ask is a call into Python.
        self.texts: list[tuple[str, ...]] = []
        self._cursor: Cursor | None = None
        self._more = False
        self._loading = False
        self._generation = 0
        self.total: int | None = None

    # -- loading ------------------------------------------------------------
    def set_query(self, query: ApplicationQuery) -> None:
        self._generation += 1
        self.beginResetModel()
        self.query = query
        self.rows = []
        self.texts = []
        self._cursor = None
        self._more = False
        self._loading = False
        self.total = None
        self.endResetModel()
        self._load(first=True)

    def refresh(self) -> None:
        self.set_query(self.query)

    def _load(self, *, first: bool) -> None:
        generation = self._generation
        store, query, cursor = self.app.store, self.query, self._cursor
        self._loading = True

        def done(page: queries.Page) -> None:
            if generation != self._generation:
                return
            self._loading = False
            if page.rows:
                start = len(self.rows)
                texts = [
                    tuple(cell_text(r, c) for c in range(len(COLUMNS)))
                    for r in page.rows
                ]
                self.beginInsertRows(QModelIndex(), start, start + len(page.rows) - 1)
                self.rows.extend(page.rows)
                self.texts.extend(texts)
                self.endInsertRows()
            self._cursor = page.next_cursor
            self._more = page.next_cursor is not None
            self.loaded.emit()

        def counted(total: int) -> None:
            if generation == self._generation:
                self.total = total
                self.counted.emit(total)

        def fail(exc: BaseException) -> None:
            if generation == self._generation:
                self._loading = False
            self.failed.emit(exc)

        self.app.tasks.run_op(
            lambda: queries.list_page(store, query, after=cursor, limit=PAGE_SIZE),
            success=done,
            failure=fail,
        )
        if first:
            # The count follows the first page (the worker is serial), so
            # the rows show before a broad search has been counted.
            self.app.tasks.run_op(
                lambda: queries.count(store, query), success=counted, failure=fail
            )

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more and not self._loading

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._load(first=False)

    def is_loading(self) -> bool:
        return self._loading

    # -- table --------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = 0
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
        ):
            return _(COLUMNS[section])
        return None

    def data(self, index: Index, role: int = 0) -> Any:
        if role in (_DISPLAY, _ACCESSIBLE):  # the hot path first
            return self.texts[index.row()][index.column()]
        if role not in _OTHER_ROLES or not index.isValid():
            return None
        row = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        overdue = row.days_left is not None and row.days_left < 0
        if role == Qt.ItemDataRole.ForegroundRole and col == 7 and overdue:
            return QBrush(tone("error"))
        if role == Qt.ItemDataRole.ToolTipRole and col == 6 and row.due_provisional:
            return _("节假日安排尚未发布，期限按周一至周五预计，发布后自动重算。")
        return None

    def row_at(self, index: int) -> ListRow:
        return self.rows[index]


def cell_text(row: ListRow, col: int) -> str:
    if col == 0:
        return row.acceptance_no
    if col == 1:
        return row.created_at[:16].replace("T", " ")
    if col == 2:
        return row.item_name
    if col == 3:
        return row.applicant_name
    if col == 4:
        return row.id_masked
    if col == 5:
        return _(STATUS_LABELS[row.status])
    if col == 6:
        if row.due_date is None:
            return ""
        text = row.due_date.isoformat()
        return _("{date}（预计）").format(date=text) if row.due_provisional else text
    if row.days_left is None:
        return ""
    if row.days_left < 0:
        return ngettext(
            "已超期 {n} 个工作日", "已超期 {n} 个工作日", -row.days_left
        ).format(n=-row.days_left)
    if row.days_left == 0:
        return _("今日到期")
    return ngettext("剩余 {n} 个工作日", "剩余 {n} 个工作日", row.days_left).format(
        n=row.days_left
    )


class ApplicationsPanel(QWidget):
    """Search, filters and the table. ``selected(str)`` carries the id of
    the application under the cursor; ``opened(str)`` is Enter/double-click."""

    selected = Signal(str)
    opened = Signal(str)

    def __init__(self, app: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        self.search = QLineEdit()
        self.search.setPlaceholderText(
            _("查找：受理编号、姓名、证件号（或后 4 位）、电话、事项")
        )
        self.search.setAccessibleName(_("查找办件"))
        self.search.setClearButtonEnabled(True)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        layout.addLayout(top)

        filters = QHBoxLayout()
        self.status = QComboBox()
        self.status.setAccessibleName(_("状态筛选"))
        self.status.addItem(_("全部状态"), "")
        for status, label in STATUS_LABELS.items():
            if status is not Status.DRAFT:
                self.status.addItem(_(label), status.value)
        self.date_from = _date_edit(_("起始日期"))
        self.date_to = _date_edit(_("截止日期"))
        self.window_filter = QComboBox()
        self.window_filter.setAccessibleName(_("窗口筛选"))
        self.window_filter.addItem(_("全部窗口"), "")
        self.overdue = QCheckBox(_("只看超期(&O)"))
        self.overdue.setAccessibleName(_("只看超期"))
        self.count_label = QLabel()
        self.count_label.setAccessibleName(_("查到的办件数"))
        top.addWidget(self.count_label)
        filters.addWidget(QLabel(_("状态：")))
        filters.addWidget(self.status)
        filters.addWidget(QLabel(_("日期：")))
        filters.addWidget(self.date_from)
        filters.addWidget(QLabel("–"))
        filters.addWidget(self.date_to)
        filters.addWidget(QLabel(_("窗口：")))
        filters.addWidget(self.window_filter)
        filters.addWidget(self.overdue)
        filters.addStretch(1)
        layout.addLayout(filters)

        self.model = ApplicationsModel(app, self)
        self.table = QTableView()
        self.table.setAccessibleName(_("办件列表"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.horizontalHeader().setResizeContentsPrecision(30)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Interactive
        )
        self.table.horizontalHeader().setStretchLastSection(True)
        for col, width in enumerate((200, 120, 200, 90, 170, 80, 130)):
            self.table.setColumnWidth(col, width)
        layout.addWidget(self.table, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.returnPressed.connect(self._search_now)
        for combo in (self.status, self.window_filter):
            combo.currentIndexChanged.connect(lambda _i: self.apply())
        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(lambda _d: self._debounce.start())
        self.overdue.toggled.connect(lambda _c: self.apply())
        self.model.counted.connect(self._show_count)
        self.model.loaded.connect(self._reselect)
        # after a change to a record: keep it selected, never jump to another
        self._keep = ""
        self._held = False
        self._quiet = False
        self.model.failed.connect(self._failed)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.activated.connect(self._activated)
        self.setTabOrder(self.search, self.status)
        self.setTabOrder(self.status, self.date_from)
        self.setTabOrder(self.date_from, self.date_to)
        self.setTabOrder(self.date_to, self.window_filter)
        self.setTabOrder(self.window_filter, self.overdue)
        self.setTabOrder(self.overdue, self.table)

    def current_query(self) -> ApplicationQuery:
        status = self.status.currentData()
        return ApplicationQuery(
            text=self.search.text(),
            statuses=(status,) if status else (),
            date_from=_date_value(self.date_from),
            date_to=_date_value(self.date_to),
            window_code=self.window_filter.currentData() or "",
            overdue_only=self.overdue.isChecked(),
        )

    def apply(self) -> None:
        self._debounce.stop()
        self._keep, self._held = "", False
        self.count_label.setText(_("正在查找……"))
        self.model.set_query(self.current_query())

    def refresh(self) -> None:
        self.apply()
        store = self.app.store
        self.app.tasks.run_op(
            lambda: queries.window_codes(store), success=self._set_windows
        )

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _search_now(self) -> None:
        self.apply()
        self.table.setFocus()

    def _set_windows(self, codes: list[str]) -> None:
        current = self.window_filter.currentData()
        self.window_filter.blockSignals(True)
        while self.window_filter.count() > 1:
            self.window_filter.removeItem(1)
        for code in codes:
            self.window_filter.addItem(code, code)
        index = self.window_filter.findData(current)
        self.window_filter.setCurrentIndex(max(index, 0))
        self.window_filter.blockSignals(False)

    def fit_columns(self) -> None:
        """Widths for the current font; the item column stays bounded."""
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(2, min(self.table.columnWidth(2), 260))
        # The last column stretches into what is left, and takes the default
        # width when nothing is: never narrower than its own header.
        header = self.table.horizontalHeader()
        last = self.model.columnCount() - 1
        header.setMinimumSectionSize(
            max(
                header.minimumSectionSize(),
                header.sectionSizeFromContents(last).width(),
            )
        )
        self._fitted = True

    def keep_selection(self, application_id: str) -> None:
        """Reload the list after a change to ``application_id`` and keep it
        selected (the detail already shows it; no second read)."""
        self._keep = application_id
        self._held = True
        self.model.refresh()

    def _reselect(self) -> None:
        keep = self._keep
        if not keep:
            return
        for i, row in enumerate(self.model.rows):
            if row.id == keep:
                self._keep = ""
                self._quiet = True
                try:
                    self.table.selectRow(i)
                finally:
                    self._quiet = False
                return
        if not self.model.canFetchMore():
            self._keep = ""  # no longer in this list: nothing else selected

    def _show_count(self, total: int) -> None:
        self.count_label.setText(_("共 {n} 件").format(n=total))
        if total and not getattr(self, "_fitted", False):
            self.fit_columns()
        if total and not self._held and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def _failed(self, exc: BaseException) -> None:
        self.count_label.setText(_("查找失败"))
        self.app.tasks.default_failure(exc)
        self.app.messages.error(_("查找办件时出错：{error}").format(error=exc))

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and not self._quiet:
            self.selected.emit(self.model.row_at(current.row()).id)

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.opened.emit(self.model.row_at(index.row()).id)


def _date_edit(name: str) -> QDateEdit:
    edit = QDateEdit()
    edit.setAccessibleName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(NO_DATE)
    edit.setSpecialValueText(_("不限"))
    edit.setDate(NO_DATE)
    return edit


def _date_value(edit: QDateEdit) -> date | None:
    value = edit.date()
    if value == NO_DATE:
        return None
    return date(value.year(), value.month(), value.day())
