"""Export of the daily log as CSV (UTF-8 with BOM, for Excel), XLSX (typed
columns, frozen header) and PDF (landscape, through ``printing``). Every
export is recorded in the audit log with who, what and where."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

from counter_app import clock
from counter_app.domain.errors import DomainError
from counter_app.i18n import N_, _
from counter_app.services.context import DeskContext
from counter_app.services.daily_log import DailyLog, LogEntry, LogFilter, daily_log
from counter_app.store import settings
from counter_app.store.db import Store
from counter_app.store.events import add_event


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    PDF = "pdf"


class ExportError(DomainError):
    pass


# (header, XLSX width in characters)
COLUMNS: tuple[tuple[str, int], ...] = (
    (N_("序号"), 6),
    (N_("时间"), 17),
    (N_("类型"), 6),
    (N_("受理编号"), 26),
    (N_("事项"), 30),
    (N_("申请人"), 14),
    (N_("证件号码"), 21),
    (N_("决定"), 13),
    (N_("材料数"), 7),
    (N_("办结期限"), 18),
    (N_("状态"), 10),
    (N_("评价"), 14),
    (N_("窗口"), 6),
    (N_("经办人"), 10),
)
# XLSX holds the due date as a date; "预计" gets its own column.
XLSX_EXTRA = ((N_("期限性质"), 9),)


def column_names(*, xlsx: bool = False) -> list[str]:
    cols = COLUMNS + XLSX_EXTRA if xlsx else COLUMNS
    return [_(name) for name, _width in cols]


def row_text(n: int, e: LogEntry, *, with_date: bool) -> list[str]:
    """The row as printed and in CSV: everything as text."""
    at = e.at.strftime("%Y-%m-%d %H:%M" if with_date else "%H:%M")
    return [
        str(n),
        at,
        e.kind_label,
        e.acceptance_no,
        e.item_name,
        e.applicant_name,
        e.id_masked,
        e.decision_label,
        "" if e.materials is None else str(e.materials),
        e.due_text,
        e.status_label,
        e.evaluation_label,
        e.window_code,
        e.clerk_name,
    ]


def row_values(n: int, e: LogEntry) -> list[Any]:
    """The row for XLSX: numbers as numbers, times and dates as such."""
    return [
        n,
        e.at,
        e.kind_label,
        e.acceptance_no,
        e.item_name,
        e.applicant_name,
        e.id_masked,
        e.decision_label,
        e.materials,
        e.due_date,
        e.status_label,
        e.evaluation,
        e.window_code,
        e.clerk_name,
        _("预计") if e.due_provisional else "",
    ]


# The printed log is landscape A4: fewer, narrower columns than the files.
PDF_COLUMNS: tuple[str, ...] = (
    N_("序号"),
    N_("时间"),
    N_("受理编号"),
    N_("事项"),
    N_("申请人"),
    N_("证件号码"),
    N_("代理/帮办"),
    N_("决定"),
    N_("材料"),
    N_("办结期限"),
    N_("状态"),
    N_("评价"),
    N_("窗口/经办人"),
)


def pdf_row(n: int, e: LogEntry, *, with_date: bool) -> list[str]:
    at = e.at.strftime("%m-%d %H:%M" if with_date else "%H:%M")
    return [
        str(n),
        at,
        e.acceptance_no,
        e.item_name,
        e.applicant_name,
        e.id_masked,
        e.helper_text,
        e.decision_label or e.kind_label,
        "" if e.materials is None else str(e.materials),
        _("{due}\n{overdue}").format(due=e.due_text, overdue=e.overdue_text)
        if e.overdue_text
        else e.due_text,
        e.status_label,
        e.rating_text,
        _("{window}/{clerk}").format(window=e.window_code, clerk=e.clerk_name),
    ]


# A spreadsheet runs a cell that starts like this as a formula: a name such
# as ``=HYPERLINK(...)`` must stay text (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: str) -> str:
    """``value`` as a spreadsheet cell shows it and never runs it: broken
    Unicode as U+FFFD, control characters and U+FFFE/U+FFFF (which XLSX's
    XML cannot hold) dropped,
    and a leading formula character quoted with an apostrophe."""
    text = "".join(
        "\ufffd" if "\ud800" <= c <= "\udfff" else c
        for c in value
        if c in "\n"
        or not (ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or c in "\ufffe\uffff")
    )
    if text.startswith(_FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _cells(values: list[Any]) -> list[Any]:
    return [spreadsheet_text(v) if isinstance(v, str) else v for v in values]


def _multi_day(log: DailyLog) -> bool:
    return log.filters.start != log.filters.end


def write_csv(log: DailyLog, out: Path) -> None:
    with _atomic(out) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(column_names())
        with_date = _multi_day(log)
        writer.writerows(
            _cells(row_text(n, e, with_date=with_date))
            for n, e in enumerate(log.entries, start=1)
        )


def write_xlsx(log: DailyLog, out: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("业务日志"))
    ws.freeze_panes = "A2"
    for index, (_name, width) in enumerate(COLUMNS + XLSX_EXTRA, start=1):
        ws.column_dimensions[_column_letter(index)].width = width
    bold = Font(bold=True)
    header = []
    for name in column_names(xlsx=True):
        cell = WriteOnlyCell(ws, value=name)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for n, e in enumerate(log.entries, start=1):
        ws.append(_cells(row_values(n, e)))
    summary = wb.create_sheet(_("合计"))
    summary.column_dimensions["A"].width = 18
    summary.column_dimensions["B"].width = 60
    summary.append([_("统计期间"), log.filters.period_text()])
    summary.append([_("筛选条件"), log.filters.describe()])
    summary.append([_("数据完整性"), log.coverage_text()])
    summary.append([_("生成时间"), log.generated_at.replace(tzinfo=None)])
    summary.append([])
    for label, value in log.totals.pairs():
        summary.append([label, int(value)])
    with _atomic(out) as tmp:
        wb.save(tmp)


@dataclass(frozen=True)
class Sheet:
    """What a file needs besides the log: who made it, under which
    letterhead (read from the store with the log)."""

    center_name: str
    supervision_phone: str
    address: str
    clerk_name: str


def sheet(store: Store, ctx: DeskContext) -> Sheet:
    db = store.db
    return Sheet(
        center_name=settings.identity(db).center_name,
        supervision_phone=settings.get(db, "supervision_phone"),
        address=settings.get(db, "center_address"),
        clerk_name=ctx.display_name,
    )


def pdf_bytes(log: DailyLog, ctx: DeskContext, store: Store) -> bytes:
    return render_pdf(log, sheet(store, ctx))


def render_pdf(log: DailyLog, made_by: Sheet) -> bytes:
    from printing import render_daily_log
    from printing.model import DailyLogData, Letterhead
    from printing.text import blank_date

    head = Letterhead(
        center_name=made_by.center_name,
        window_name=_window_name(log),
        clerk_name=made_by.clerk_name,
        clerk_contact="",
        supervision_phone=made_by.supervision_phone,
        address=made_by.address,
        printed_at=clock.now(),
        clerk_role=N_("制表人"),
    )
    with_date = _multi_day(log)
    data = DailyLogData(
        letterhead=head,
        title=_("业务日志"),
        period=log.filters.period_text(),
        columns=[_(c) for c in PDF_COLUMNS],
        rows=[
            pdf_row(n, e, with_date=with_date)
            for n, e in enumerate(log.entries, start=1)
        ],
        totals=log.totals.pairs(),
        filters_text=_("{filters}；数据完整性：{coverage}").format(
            filters=log.filters.describe(), coverage=log.coverage_text() or _("无")
        ),
        sign_off=(
            _("制表人：{name}").format(name=made_by.clerk_name),
            _("审核人：＿＿＿＿＿＿"),
            _("日期：{date}").format(date=blank_date()),
        ),
    )
    return render_daily_log(data)


def write_pdf(log: DailyLog, out: Path, made_by: Sheet) -> None:
    data = render_pdf(log, made_by)
    with _atomic(out) as tmp:
        tmp.write_bytes(data)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: ExportFormat
    rows: int
    log: DailyLog


@dataclass(frozen=True)
class PreparedExport:
    """The log read for an export, and what its file needs: written to the
    file off the store's worker (a month's PDF takes seconds)."""

    log: DailyLog
    made_by: Sheet
    fmt: ExportFormat


def prepare_export(
    store: Store, ctx: DeskContext, wanted: LogFilter, *, fmt: ExportFormat
) -> PreparedExport:
    """Read the log ``ctx`` may see; a clerk's export is limited to the own
    window and records, a site-wide one needs a supervisor (filters left
    empty mean the whole site)."""
    return PreparedExport(daily_log(store, ctx, wanted), sheet(store, ctx), fmt)


def write_export(prepared: PreparedExport, out: Path) -> None:
    """Write the file; touches no store."""
    log = prepared.log
    writers: dict[ExportFormat, Callable[[], None]] = {
        ExportFormat.CSV: lambda: write_csv(log, out),
        ExportFormat.XLSX: lambda: write_xlsx(log, out),
        ExportFormat.PDF: lambda: write_pdf(log, out, prepared.made_by),
    }
    try:
        writers[prepared.fmt]()
    except OSError as exc:
        raise ExportError(
            _("无法写入导出文件 {path}：{error}。请换一个目录或检查磁盘空间。").format(
                path=out, error=exc.strerror or exc
            ),
            field="out",
        ) from exc


def record_export(
    store: Store, ctx: DeskContext, prepared: PreparedExport, out: Path
) -> ExportResult:
    """The export in the audit log, once its file is written."""
    log = prepared.log
    with store.transaction() as db:
        add_event(
            db,
            kind="export.daily_log",
            actor=ctx.username,
            target=f"file:{out}",
            detail={
                "format": prepared.fmt.value,
                "path": str(out),
                "rows": len(log.entries),
                "start": log.filters.start.isoformat(),
                "end": log.filters.end.isoformat(),
                "window": log.filters.window_code,
                "clerk": log.filters.clerk,
                "department": log.filters.department,
                "item": log.filters.item_code,
            },
        )
    return ExportResult(out, prepared.fmt, len(log.entries), log)


def export_daily_log(
    store: Store,
    ctx: DeskContext,
    wanted: LogFilter,
    *,
    fmt: ExportFormat,
    out: Path,
) -> ExportResult:
    """Read, write and record an export in one call (the CLI's way; the
    export dialog runs the three steps on the threads each belongs on)."""
    prepared = prepare_export(store, ctx, wanted, fmt=fmt)
    write_export(prepared, out)
    return record_export(store, ctx, prepared, out)


def default_filename(f: LogFilter, fmt: ExportFormat) -> str:
    period = f.start.isoformat()
    if f.end != f.start:
        period += "_" + f.end.isoformat()
    window = "_" + f.window_code if f.window_code else ""
    return _("业务日志_{period}{window}.{ext}").format(
        period=period, window=window, ext=fmt.value
    )


def _window_name(log: DailyLog) -> str:
    if log.filters.window_code:
        return _("窗口 {window}").format(window=log.filters.window_code)
    return _("全部窗口")


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(index))


class _atomic:
    """Write to a temporary file beside ``path`` and rename over it, so a
    failed export never leaves half a file under the chosen name."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp = path

    def __enter__(self) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(
            prefix="." + self.path.name + ".", dir=self.path.parent
        )
        os.close(fd)
        self.tmp = Path(name)
        return self.tmp

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            os.replace(self.tmp, self.path)
        else:
            self.tmp.unlink(missing_ok=True)


def parse_day(text: str, *, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ExportError(
            _("日期“{text}”格式不对，请写成 YYYY-MM-DD，例如 2026-11-23。").format(
                text=text
            ),
            field=field,
        ) from None
