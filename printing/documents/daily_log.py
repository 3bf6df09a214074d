"""The daily log: landscape A4 table, totals at the end, numbered pages.

The table is a ``log_grid.Grid`` rather than a reportlab Table: a month's
log (60,000 rows) lays out in time proportional to its rows.
"""

from __future__ import annotations

from datetime import datetime

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from counter_app.i18n import _
from printing.blocks import field_table, para, title
from printing.documents.common import a4_only
from printing.documents.log_grid import Column, Grid, GridSlice, Measure, plan_columns
from printing.layout import Document, render
from printing.model import DailyLogData, MissingField, Paper, require
from printing.styles import Styles


def validate(data: DailyLogData) -> None:
    require(
        title=(_("日志标题"), data.title),
        period=(_("统计期间"), data.period),
        columns=(_("表格列"), data.columns),
    )
    for number, row in enumerate(data.rows, start=1):
        if len(row) != len(data.columns):
            raise MissingField(
                _("第 {row} 行的数据（应有 {count} 列）").format(
                    row=number, count=len(data.columns)
                )
            )


def columns(data: DailyLogData, width: float, size: float) -> list[Column]:
    """Each column's width and font size in a table ``width`` wide."""
    return plan_columns(data.columns, data.rows, width, size, Measure())


def _story(data: DailyLogData, width: float, styles: Styles) -> list[Flowable]:
    story: list[Flowable] = [
        title(data.title, styles),
        para(_("统计期间：{period}").format(period=data.period), styles.center),
    ]
    if data.filters_text:
        story.append(
            para(
                _("筛选条件：{filters}").format(filters=data.filters_text), styles.small
            )
        )
    story.append(Spacer(1, 3 * mm))
    if data.rows:
        grid = Grid(data.columns, data.rows, width=width, size=styles.cell.fontSize)
        story.append(GridSlice(grid, 0, len(data.rows)))
    else:
        story.append(para(_("（本期间无记录）"), styles.center))
    if data.totals:
        story.append(
            KeepTogether(
                [
                    para(_("合计"), styles.heading),
                    field_table(list(data.totals), min(width, 150 * mm), styles),
                ]
            )
        )
    if data.sign_off:
        story += [Spacer(1, 8 * mm), para("　　　　".join(data.sign_off), styles.body)]
    return story


def render_daily_log(
    data: DailyLogData, *, paper: Paper = Paper.A4, reprint_at: datetime | None = None
) -> bytes:
    """The daily log as a landscape A4 PDF."""
    a4_only(_("日志"), paper)
    validate(data)
    return render(
        Document(
            title=_("{title} {period}").format(title=data.title, period=data.period),
            letterhead=data.letterhead,
            story=lambda width, styles: _story(data, width, styles),
            paper=paper,
            landscape=True,
            reprint_at=reprint_at,
        )
    )
