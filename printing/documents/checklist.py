"""一次性告知单 — the item's checklist tailored to the applicant's answers."""

from __future__ import annotations

from datetime import datetime

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from counter_app.i18n import _, ngettext
from printing.blocks import field_table, grid_table, para, proportional, qr_code, title
from printing.documents.common import a4_only, contact_lines, heading, item_label
from printing.fonts import BODY
from printing.layout import Document, render
from printing.model import ChecklistData, Paper, require
from printing.styles import Styles
from printing.text import fmt_date


def validate(data: ChecklistData) -> None:
    require(
        item_name=(_("事项名称"), data.item_name),
        materials=(_("材料清单"), data.materials),
        address=(_("办理地点"), data.address),
        center=(_("服务中心名称"), data.letterhead.center_name),
        clerk=(_("经办人"), data.letterhead.clerk_name),
    )


def _story(data: ChecklistData, width: float, styles: Styles) -> list[Flowable]:
    item = item_label(data.item_name, data.item_code)
    rows = [(_("事项名称"), item), (_("承办部门"), data.department)]
    if data.applicant_name:
        rows.append((_("咨询人"), data.applicant_name))
    if data.consult_no:
        rows.append((_("咨询编号"), data.consult_no))
    rows.append((_("咨询日期"), fmt_date(data.consulted_on)))
    story: list[Flowable] = [
        title(_("一次性告知单"), styles),
        para(
            _("请按本单准备齐全材料，一次办成。本单根据您的情况列明了全部所需材料。"),
            styles.center,
        ),
        Spacer(1, 3 * mm),
        _with_guide_qr(field_table(rows, width - _QR_COLUMN, styles), data, styles),
    ]
    if data.answers:
        story += [
            heading(_("您的情况"), styles),
            field_table(list(data.answers), width, styles),
        ]
    header = [
        _("序号"),
        _("材料名称"),
        _("原件"),
        _("复印件"),
        _("获取途径"),
        _("说明"),
    ]
    body = []
    needed = [m for m in data.materials if not m.by_promise]
    promised = [m for m in data.materials if m.by_promise]
    for i, m in enumerate(needed, start=1):
        note = m.note if m.required else _("（按情形提供）") + m.note
        body.append([str(i), m.name, str(m.originals), str(m.copies), m.source, note])
    story += [
        heading(
            _("需提交的材料（共 {count} 项）").format(count=len(needed)),
            styles,
        ),
        grid_table(header, body, proportional(width, [0.8, 5, 1, 1.2, 3, 3.5]), styles),
    ]
    if promised:
        story += [
            heading(_("以告知承诺代替、无需提交的材料"), styles),
            para(
                _(
                    "您选择告知承诺制的，以下证明材料不再提交，由您签署告知承诺书"
                    "承诺已符合相应条件，办理后接受核查："
                ),
                styles.body,
            ),
        ]
        story += [
            para(_("{number}. {name}").format(number=i, name=m.name), styles.body)
            for i, m in enumerate(promised, start=1)
        ]
    story += [
        heading(_("收费、时限与办理地点"), styles),
        field_table(
            [
                (_("收费标准"), data.fee or _("不收费")),
                (_("法定办结时限"), working_days(data.legal_days)),
                (_("承诺办结时限"), working_days(data.promised_days)),
                (_("办理地点"), data.address),
                (_("办理时间"), data.hours),
            ],
            width,
            styles,
        ),
    ]
    if data.notes:
        story.append(heading(_("温馨提示"), styles))
        story += [
            para(_("{number}. {note}").format(number=i, note=n), styles.body)
            for i, n in enumerate(data.notes, 1)
        ]
    closing: list[Flowable] = [Spacer(1, 4 * mm)]
    closing += contact_lines(data.letterhead, styles)
    story.append(KeepTogether(closing))
    return story


_QR_COLUMN = 34 * mm


def _with_guide_qr(table: Flowable, data: ChecklistData, styles: Styles) -> Flowable:
    """The item facts with the guide's QR code beside them; the link comes
    from the site settings, and without one there is no QR code."""
    if not data.guide_url:
        return table
    size = 26 * mm
    cell = [
        qr_code(data.guide_url, size),
        para(_("扫码查看办事指南"), styles.cell_head),
    ]
    outer = Table([[table, cell]], colWidths=[None, _QR_COLUMN], hAlign="LEFT")
    outer.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), BODY),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 0), (1, 0), "CENTER"),
                ("LEFTPADDING", (0, 0), (0, 0), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return outer


def render_checklist(
    data: ChecklistData, *, paper: Paper = Paper.A4, reprint_at: datetime | None = None
) -> bytes:
    """The consultation checklist (一次性告知单) as PDF bytes."""
    a4_only(_("一次性告知单"), paper)
    validate(data)
    return render(
        Document(
            title=_("一次性告知单 {item}").format(item=data.item_name),
            letterhead=data.letterhead,
            story=lambda width, styles: _story(data, width, styles),
            paper=paper,
            reprint_at=reprint_at,
        )
    )


def working_days(days: int) -> str:
    if days == 0:
        return _("即办件（当场办结）")
    return ngettext("{days} 个工作日", "{days} 个工作日", days).format(days=days)
