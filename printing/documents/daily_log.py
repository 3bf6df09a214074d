"""The daily log: landscape A4 table, totals at the end, numbered pages."""

from __future__ import annotations

from datetime import datetime

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepTogether, Spacer

from counter_app.i18n import _
from printing.blocks import field_table, grid_table, para, proportional, title
from printing.documents.common import a4_only
from printing.fonts import BODY
from printing.layout import Document, render
from printing.model import DailyLogData, MissingField, Paper, require
from printing.styles import Styles

_MAX_COLUMN = 60 * mm


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


def column_widths(data: DailyLogData, width: float, size: float) -> list[float]:
    """Widths proportional to each column's widest text, within bounds."""
    weights = []
    for i, name in enumerate(data.columns):
        texts = [name, *(row[i] for row in data.rows)]
        widest = max(stringWidth(t, BODY, size) for t in texts) + 8
        weights.append(min(max(widest, 12 * mm), _MAX_COLUMN))
    return proportional(width, weights)


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
        widths = column_widths(data, width, styles.cell.fontSize)
        story.append(grid_table(data.columns, data.rows, widths, styles))
    else:
        story.append(para(_("（本期间无记录）"), styles.center))
    if data.totals:
        story.append(
            KeepTogether(
                [
                    para(_("合计"), styles.heading),
                    field_table(list(data.totals), min(width, 120 * mm), styles),
                ]
            )
        )
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
