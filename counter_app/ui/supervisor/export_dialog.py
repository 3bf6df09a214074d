"""The daily log on screen, and its export to CSV, XLSX or PDF. A clerk's
log is fixed to the own window and records; the supervisor may pick any
window, clerk, department or item, or leave them empty for the whole site.
The table shows what the export will hold for the filters as they stand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app import clock
from counter_app.domain.errors import DomainError
from counter_app.i18n import N_, _
from counter_app.services.context import PermissionDenied
from counter_app.services.daily_log import DailyLog, LogFilter, daily_log
from counter_app.services.exports import (
    ExportFormat,
    ExportResult,
    PreparedExport,
    default_filename,
    prepare_export,
    record_export,
    write_export,
)
from counter_app.ui.context import AppContext
from counter_app.ui.supervisor.daily_log_view import DailyLogView

FORMATS = (
    (ExportFormat.XLSX, N_("Excel 表格（XLSX）")),
    (ExportFormat.CSV, N_("CSV（UTF-8，带 BOM）")),
    (ExportFormat.PDF, N_("PDF（横向 A4，带合计和页码）")),
)


class ExportDialog(QDialog):
    exported = Signal(object)  # ExportResult

    def __init__(
        self,
        app: AppContext,
        *,
        day: date | None = None,
        out_dir: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.app = app
        self.result_value: ExportResult | None = None
        user = app.require_user()
        self.setWindowTitle(_("业务日志"))
        self.setAccessibleName(_("导出业务日志"))
        day = day or clock.today()
        self.out_dir = out_dir or Path.home()
        self.start = _date_edit(day, _("开始日期"))
        self.end = _date_edit(day, _("结束日期"))
        self.format = QComboBox()
        self.format.setAccessibleName(_("格式"))
        for fmt, label in FORMATS:
            self.format.addItem(_(label), fmt)
        self.window_edit = QLineEdit("" if user.is_supervisor else user.window_code)
        self.window_edit.setPlaceholderText(_("全部窗口"))
        self.window_edit.setAccessibleName(_("窗口"))
        self.clerk_edit = QLineEdit("" if user.is_supervisor else user.username)
        self.clerk_edit.setPlaceholderText(_("全部经办人"))
        self.clerk_edit.setAccessibleName(_("经办人"))
        self.department_edit = QLineEdit()
        self.department_edit.setAccessibleName(_("部门"))
        self.item_edit = QLineEdit()
        self.item_edit.setPlaceholderText(_("事项编码"))
        self.item_edit.setAccessibleName(_("事项"))
        if not user.is_supervisor:
            self.window_edit.setEnabled(False)
            self.clerk_edit.setEnabled(False)
        self.path_edit = QLineEdit()
        self.path_edit.setAccessibleName(_("保存到"))
        self.path_edit.textChanged.connect(self._fit_path)
        browse = QPushButton(_("浏览…"))
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)

        form = QFormLayout()
        form.addRow(_("开始日期"), self.start)
        form.addRow(_("结束日期"), self.end)
        form.addRow(_("格式"), self.format)
        form.addRow(_("窗口"), self.window_edit)
        form.addRow(_("经办人"), self.clerk_edit)
        form.addRow(_("部门"), self.department_edit)
        form.addRow(_("事项"), self.item_edit)
        form.addRow(_("保存到"), path_row)
        self.note = QLabel(_("证件号码按规定脱敏导出；每次导出都记入审计日志。"))
        self.note.setWordWrap(True)
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.setAccessibleName(_("错误"))
        self.export_button = QPushButton(_("导出"))
        cancel = QPushButton(_("取消"))
        cancel.clicked.connect(self.reject)
        self.export_button.clicked.connect(self.submit)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(cancel)
        self.log_view = DailyLogView(self)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.log_view, 1)
        layout.addWidget(self.note)
        layout.addWidget(self.error)
        layout.addLayout(buttons)

        self.format.currentIndexChanged.connect(lambda _i: self._suggest_path())
        self.start.dateChanged.connect(lambda _d: self._suggest_path())
        self.end.dateChanged.connect(lambda _d: self._suggest_path())
        self.window_edit.textChanged.connect(lambda _t: self._suggest_path())
        self._suggested = ""
        self._suggest_path()
        self._log_timer = QTimer(self)
        self._log_timer.setSingleShot(True)
        self._log_timer.setInterval(250)
        self._log_timer.timeout.connect(self.refresh_log)
        for edit in (self.start, self.end):
            edit.dateChanged.connect(lambda _d: self._log_timer.start())
        for line in (
            self.window_edit,
            self.clerk_edit,
            self.department_edit,
            self.item_edit,
        ):
            line.textChanged.connect(lambda _t: self._log_timer.start())
        self.log: DailyLog | None = None
        self.resize(1100, 680)
        self.refresh_log()

    def refresh_log(self) -> None:
        """Read the log for the filters off the UI thread and show it."""
        wanted = self.wanted()
        if wanted.start > wanted.end:
            self.error.setText(_("开始日期不能晚于结束日期。"))
            return
        store, user = self.app.store, self.app.require_user()
        self.app.tasks.run_op(
            lambda: daily_log(store, user, wanted),
            success=self._show_log,
            failure=self._failed,
        )

    def _show_log(self, log: DailyLog) -> None:
        self.log = log
        self.error.clear()
        self.log_view.show_log(log)

    def wanted(self) -> LogFilter:
        return LogFilter(
            start=self.start.date().toPython(),  # type: ignore[arg-type]
            end=self.end.date().toPython(),  # type: ignore[arg-type]
            window_code=self.window_edit.text().strip(),
            clerk=self.clerk_edit.text().strip(),
            department=self.department_edit.text().strip(),
            item_code=self.item_edit.text().strip(),
        )

    def fmt(self) -> ExportFormat:
        return ExportFormat(self.format.currentData())

    def _suggest_path(self) -> None:
        # Follow the filters until the user types a path of their own.
        current = self.path_edit.text()
        if current and current != self._suggested:
            return
        wanted = self.wanted()
        if wanted.start > wanted.end:
            return
        self._suggested = str(self.out_dir / default_filename(wanted, self.fmt()))
        self.path_edit.setText(self._suggested)

    def _fit_path(self, text: str) -> None:
        """The whole path in view (up to a screen's width), and in the tip."""
        need = self.path_edit.fontMetrics().horizontalAdvance(text) + 24
        self.path_edit.setMinimumWidth(min(need, 900))
        self.path_edit.setToolTip(text)

    def _browse(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, _("导出业务日志"), self.path_edit.text(), f"*.{self.fmt().value}"
        )
        if path:
            self.path_edit.setText(path)

    def submit(self) -> None:
        wanted = self.wanted()
        if wanted.start > wanted.end:
            self.error.setText(_("开始日期不能晚于结束日期。"))
            return
        text = self.path_edit.text().strip()
        if not text:
            self.error.setText(_("请选择保存位置。"))
            return
        out = Path(text)
        fmt = self.fmt()
        if out.suffix.lower() != "." + fmt.value:
            out = out.with_suffix("." + fmt.value)
        store, user = self.app.store, self.app.require_user()
        self.export_button.setEnabled(False)
        self.error.setText(_("正在导出……"))
        tasks = self.app.tasks

        # Read on the store's worker, write the file beside it (a month's PDF
        # takes seconds: the desk's other work goes on), then record it.
        def write(prepared: PreparedExport) -> None:
            self.error.setText(_("正在写入 {path}……").format(path=out))
            tasks.run_io(
                lambda: write_export(prepared, out),
                success=lambda _none: record(prepared),
                failure=self._failed,
            )

        def record(prepared: PreparedExport) -> None:
            tasks.run_op(
                lambda: record_export(store, user, prepared, out),
                success=self._done,
                failure=self._failed,
            )

        tasks.run_op(
            lambda: prepare_export(store, user, wanted, fmt=fmt),
            success=write,
            failure=self._failed,
        )

    def _done(self, result: ExportResult) -> None:
        self.result_value = result
        self.export_button.setEnabled(True)
        self.app.messages.info(
            _("已导出 {rows} 条记录到 {path}。").format(
                rows=result.rows, path=result.path
            )
        )
        self.exported.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.export_button.setEnabled(True)
        if isinstance(exc, DomainError | PermissionDenied):
            self.error.setText(str(exc))
            return
        self.error.setText(_("导出失败：{error}").format(error=exc))
        self.app.messages.error(
            _("导出失败：{error}").format(error=exc),
            getattr(exc, "__traceback_text__", ""),
        )


def _date_edit(day: date, name: str) -> QDateEdit:
    edit = QDateEdit(QDate(day.year, day.month, day.day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setAccessibleName(name)
    return edit
