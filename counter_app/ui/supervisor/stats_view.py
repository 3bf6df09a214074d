"""The statistics view: decisions and deliveries per day, window or clerk as
a bar chart and the same figures as a table ("复制" copies them as TSV),
with overdue, nearly due and bad-rating lists. Every query runs on the
store worker; the view only shows what comes back."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app import clock
from counter_app.i18n import N_, _
from counter_app.services import statistics
from counter_app.services.daily_log import minutes_text
from counter_app.services.statistics import GroupBy, StatsFilter, StatsReport, VolumeRow
from counter_app.ui.context import AppContext
from counter_app.ui.supervisor.models import RowsModel
from counter_app.ui.supervisor.volume_chart import VolumeChart

GROUPS = (
    (GroupBy.DAY, N_("按日")),
    (GroupBy.WINDOW, N_("按窗口")),
    (GroupBy.CLERK, N_("按经办人")),
)
SERIES = (
    ("accepted", N_("受理")),
    ("deferred", N_("容缺受理")),
    ("notified", N_("一次性告知")),
    ("rejected", N_("不予受理")),
    ("delivered", N_("出件")),
)
BAD_STATES = {
    "done": N_("已回访"),
    "late": N_("逾期回访"),
    "overdue": N_("逾期未回访"),
    "open": N_("待回访"),
}


def volume_headers(group: GroupBy) -> list[str]:
    first = {
        GroupBy.DAY: _("日期"),
        GroupBy.WINDOW: _("窗口"),
        GroupBy.CLERK: _("经办人"),
    }[group]
    return [
        first,
        _("办件"),
        *(_(label) for _k, label in SERIES),
        _("平均受理用时（秒）"),
    ]


def volume_cells(row: VolumeRow) -> list[str]:
    avg = row.average_intake_seconds
    return [
        row.label,
        str(row.applications),
        *(str(getattr(row, key)) for key, _label in SERIES),
        "" if avg is None else f"{avg:.0f}",
    ]


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


# The statistics dialog's first size: a month of working days (23 with a
# make-up Sunday) keeps every date label whole under the bars; it still fits
# the 1280×800 screens of the smallest desks.
DIALOG_SIZE = (1200, 700)


class StatsView(QWidget):
    loaded = Signal(object)  # StatsReport, after it is shown

    def __init__(self, app: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.report: StatsReport | None = None
        self.setAccessibleName(_("统计"))
        user = app.require_user()
        today = clock.today()

        self.start = QDateEdit(_qdate(today - timedelta(days=29)))
        self.end = QDateEdit(_qdate(today))
        for edit, name in ((self.start, _("开始日期")), (self.end, _("结束日期"))):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setAccessibleName(name)
        self.window_edit = QLineEdit(user.window_code if not user.is_supervisor else "")
        self.window_edit.setPlaceholderText(_("全部窗口"))
        self.window_edit.setAccessibleName(_("窗口"))
        self.window_edit.setEnabled(user.is_supervisor)
        self.clerk_edit = QLineEdit("" if user.is_supervisor else user.username)
        self.clerk_edit.setPlaceholderText(_("全部经办人"))
        self.clerk_edit.setAccessibleName(_("经办人"))
        self.clerk_edit.setEnabled(user.is_supervisor)
        self.group = QComboBox()
        self.group.setAccessibleName(_("分组"))
        for key, label in GROUPS:
            self.group.addItem(_(label), key)
        self.refresh_button = QPushButton(_("刷新"))
        self.copy_button = QPushButton(_("复制"))
        self.copy_button.setToolTip(
            _("把表格中的数字复制为制表符分隔文本，可粘贴到表格软件")
        )

        # two rows of filters, so large print fits the default window
        bar, who = QHBoxLayout(), QHBoxLayout()
        for row, label, widget in (
            (bar, _("从"), self.start),
            (bar, _("到"), self.end),
            (bar, _("分组"), self.group),
            (who, _("窗口"), self.window_edit),
            (who, _("经办人"), self.clerk_edit),
        ):
            row.addWidget(QLabel(label))
            row.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.copy_button)
        who.addStretch(1)

        self.status = QLabel(_("正在统计……"))
        self.status.setWordWrap(True)
        self.coverage = QLabel()
        self.coverage.setWordWrap(True)
        self.coverage.setAccessibleName(_("数据完整性"))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName(_("汇总"))

        self.chart_view = VolumeChart(self)
        self.chart = self.chart_view.chart_

        self.model = RowsModel(volume_headers(GroupBy.DAY), self)
        self.table = _table(self.model, _("统计表"))
        self.overdue_model = RowsModel(_due_headers(_("逾期工作日")), self)
        self.soon_model = RowsModel(_due_headers(_("剩余工作日")), self)
        self.bad_model = RowsModel(
            [
                _("评价日期"),
                _("受理编号"),
                _("事项"),
                _("评价"),
                _("原因"),
                _("窗口"),
                _("经办人"),
                _("回访期限"),
                _("回访情况"),
            ],
            self,
        )
        self.tabs = QTabWidget()
        self.tabs.addTab(self.table, _("办件量"))
        self.tabs.addTab(_table(self.overdue_model, _("逾期办件")), _("逾期"))
        self.tabs.addTab(_table(self.soon_model, _("即将到期")), _("两个工作日内到期"))
        self.tabs.addTab(_table(self.bad_model, _("差评回访")), _("差评回访"))

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.chart_view)
        split.addWidget(self.tabs)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(who)
        layout.addWidget(self.coverage)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)

        self.refresh_button.clicked.connect(self.refresh)
        self.copy_button.clicked.connect(self.copy)
        self.group.currentIndexChanged.connect(lambda _i: self._show_volumes())

    def current_filter(self) -> StatsFilter:
        return StatsFilter(
            start=self.start.date().toPython(),  # type: ignore[arg-type]
            end=self.end.date().toPython(),  # type: ignore[arg-type]
            window_code=self.window_edit.text().strip(),
            clerk=self.clerk_edit.text().strip(),
        )

    def refresh(self) -> None:
        wanted = self.current_filter()
        if wanted.start > wanted.end:
            self.status.setText(_("开始日期不能晚于结束日期。"))
            return
        store, user = self.app.store, self.app.require_user()
        self.refresh_button.setEnabled(False)
        self.status.setText(_("正在统计……"))
        self.app.tasks.run_op(
            lambda: statistics.report(store, user, wanted),
            success=self._loaded,
            failure=self._failed,
        )

    def _failed(self, exc: BaseException) -> None:
        self.refresh_button.setEnabled(True)
        self.status.setText(_("统计失败：{error}").format(error=exc))
        self.app.messages.error(
            _("统计失败：{error}").format(error=exc),
            getattr(exc, "__traceback_text__", ""),
        )

    def _loaded(self, report: StatsReport) -> None:
        self.report = report
        self.refresh_button.setEnabled(True)
        self.coverage.setText(
            _("数据完整性：{text}").format(
                text=_("；").join(c.text() for c in report.coverage) or _("无记录")
            )
        )
        sat = report.satisfaction
        open_bad = sum(1 for b in sat.bad if b.state in ("open", "overdue"))
        avg = report.totals.average_intake_seconds
        self.summary.setText(
            _(
                "办件 {apps} 件；平均受理用时 {avg}；按时办结率 {on_time}（{done} 件办结）；"
                "满意率 {sat}（{ratings} 条评价）；逾期 {overdue} 件；两个工作日内到期 {soon} 件；"
                "差评待回访 {open_bad} 条（回访时限 {days} 个工作日）"
            ).format(
                apps=report.totals.applications,
                avg=_("{s} 秒").format(s=f"{avg:.0f}") if avg is not None else "—",
                on_time=percent(report.on_time.rate),
                done=report.on_time.completed,
                sat=percent(sat.rate),
                ratings=sat.ratings,
                overdue=report.overdue.total,
                soon=report.due_soon.total,
                open_bad=open_bad,
                days=sat.follow_up_days,
            )
            + queue_summary(report)
        )
        self.overdue_model.set_rows(
            [_due_cells(i, -i.working_days) for i in report.overdue.items]
        )
        self.soon_model.set_rows(
            [_due_cells(i, i.working_days) for i in report.due_soon.items]
        )
        self.bad_model.set_rows(
            [
                [
                    b.day.isoformat(),
                    b.acceptance_no,
                    b.item_name,
                    str(b.level),
                    b.reasons,
                    b.window_code,
                    b.clerk,
                    _deadline_text(b.deadline, b.deadline_provisional),
                    _(BAD_STATES[b.state]),
                ]
                for b in sat.bad
            ]
        )
        self._show_volumes()
        self.status.setText(
            _("统计时间：{time}").format(time=clock.now().strftime("%Y-%m-%d %H:%M"))
        )
        self.loaded.emit(report)

    def _rows(self) -> tuple[GroupBy, list[VolumeRow]]:
        group = GroupBy(self.group.currentData())
        assert self.report is not None
        rows = {
            GroupBy.DAY: self.report.by_day,
            GroupBy.WINDOW: self.report.by_window,
            GroupBy.CLERK: self.report.by_clerk,
        }[group]
        return group, rows

    def _show_volumes(self) -> None:
        if self.report is None:
            return
        group, rows = self._rows()
        self.model.headers = volume_headers(group)
        totals = self.report.totals
        total_row = VolumeRow(
            "",
            _("合计"),
            totals.applications,
            totals.accepted,
            totals.deferred,
            totals.notified,
            totals.rejected,
            totals.delivered,
            totals.intake_seconds_total,
            totals.intake_count,
        )
        self.model.set_rows([volume_cells(r) for r in [*rows, total_row]])
        self._draw_chart(rows)

    def _draw_chart(self, rows: list[VolumeRow]) -> None:
        self.chart_view.set_rows(
            [
                r.label[5:] if len(r.label) == 10 and r.label[4] == "-" else r.label
                for r in rows
            ],
            [(_(label), [getattr(r, key) for r in rows]) for key, label in SERIES],
        )

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.model.tsv())
        self.status.setText(
            _("已复制 {n} 行到剪贴板。").format(n=self.model.rowCount())
        )

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        if self.report is None and self.refresh_button.isEnabled():
            self.refresh()


def _table(model: RowsModel, name: str) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.horizontalHeader().setSectionResizeMode(
        QHeaderView.ResizeMode.ResizeToContents
    )
    # no stretched last column: squeezed, it would cut its own heading
    view.horizontalHeader().setStretchLastSection(False)
    return view


def _due_headers(days_label: str) -> list[str]:
    return [
        _("受理编号"),
        _("事项"),
        _("申请人"),
        _("窗口"),
        _("经办人"),
        _("办结期限"),
        days_label,
    ]


def _due_cells(item: statistics.DueItem, days: int) -> list[str]:
    count = str(days) + (_("（预计）") if item.count_provisional else "")
    return [
        item.acceptance_no,
        item.item_name,
        item.applicant_name,
        item.window_code,
        item.clerk,
        _deadline_text(item.due_date, item.due_provisional),
        count,
    ]


def _deadline_text(day: date, provisional: bool) -> str:
    text = day.isoformat()
    return _("{date}（预计）").format(date=text) if provisional else text


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def queue_summary(report: StatsReport) -> str:
    """排队叫号 figures, when the hall queue was used in the period."""
    q = report.queue
    if not q.tickets or q.average_wait is None:
        return ""
    service = q.average_service
    return _(
        "；排队取号 {n} 件，平均等候 {wait}，最长等候 {longest}，平均办理 {service}"
    ).format(
        n=q.tickets,
        wait=minutes_text(q.average_wait),
        longest=minutes_text(q.longest_wait or 0),
        service=minutes_text(service) if service is not None else "—",
    )
