"""一次性告知书 — every missing or defective material, in one notice."""

from __future__ import annotations

from datetime import datetime

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from counter_app.i18n import _
from printing.blocks import (
    grid_table,
    para,
    proportional,
    seal_block,
    signature_box,
    signature_line,
    signed_on,
    title,
)
from printing.documents.common import a4_only, contact_lines
from printing.layout import Document, render
from printing.model import NoticeData, Paper, mask_id, require
from printing.styles import Styles
from printing.text import fmt_date


def validate(data: NoticeData) -> None:
    require(
        notice_no=(_("告知书编号"), data.notice_no),
        item_name=(_("事项名称"), data.item_name),
        applicant_name=(_("申请人姓名"), data.applicant_name),
        missing=(_("需补正的材料"), data.missing),
        where=(_("补正材料提交地点"), data.where),
        clerk=(_("经办人"), data.letterhead.clerk_name),
    )
    for line in data.missing:
        require(
            name=(_("需补正材料的名称"), line.name),
            problem=(_("材料“{name}”存在的问题").format(name=line.name), line.problem),
            fix=(_("材料“{name}”的补正要求").format(name=line.name), line.fix),
        )


def _story(data: NoticeData, width: float, styles: Styles) -> list[Flowable]:
    who = data.applicant_name
    if data.applicant_id_masked:
        who = _("{name}（证件号码：{id}）").format(
            name=data.applicant_name, id=mask_id(data.applicant_id_masked)
        )
    number = (
        _("（申请编号：{number}）").format(number=data.application_no)
        if data.application_no
        else ""
    )
    rows = [
        [str(i), m.name, m.form or "—", m.problem, m.fix]
        for i, m in enumerate(data.missing, start=1)
    ]
    story: list[Flowable] = [
        title(_("一次性告知书"), styles),
        para(data.notice_no, styles.right),
        Spacer(1, 2 * mm),
        para(_("{who}：").format(who=who), styles.body),
        para(
            _(
                "您于 {date} 申请办理的“{item}”{number}，经审查，申请材料不齐全"
                "或者不符合法定形式。根据{basis}的规定，现一次性告知您需要补正的"
                "全部内容如下："
            ).format(
                date=fmt_date(data.submitted_on),
                item=data.item_name,
                number=number,
                basis=_(data.legal_basis),
            ),
            styles.text,
        ),
        Spacer(1, 2 * mm),
        grid_table(
            [_("序号"), _("材料名称"), _("提交形式"), _("存在问题"), _("补正要求")],
            rows,
            proportional(width, [0.8, 3.6, 2.6, 3.4, 4.6]),
            styles,
        ),
        Spacer(1, 3 * mm),
        para(
            _("请于 {date} 前将上述补正材料提交至{where}。").format(
                date=fmt_date(data.bring_by), where=data.where
            ),
            styles.text,
        ),
        para(
            _(
                "本告知书已列明全部需要补正的材料，补正齐全后即予受理，"
                "不会再要求提交本告知书以外的材料。受理日期以补正材料全部"
                "送达之日为准，办理时限自该日起计算。"
            ),
            styles.text,
        ),
        para(
            _(
                "逾期未补正的，视为您放弃本次申请，本机关不再处理，申请材料"
                "可凭本告知书到窗口取回；您仍可以重新提出申请。"
            ),
            styles.text,
        ),
    ]
    closing: list[Flowable] = [Spacer(1, 6 * mm)]
    closing += seal_block(data.letterhead.organ, fmt_date(data.issued_on), styles)
    closing += contact_lines(data.letterhead, styles)
    closing += [Spacer(1, 6 * mm), _sign(data, styles)]
    story.append(KeepTogether(closing))
    return story


def _sign(data: NoticeData, styles: Styles) -> Flowable:
    if data.signature_png:
        label, when = _("申请人签收"), signed_on(data.issued_on)
        return signature_box(label, data.signature_png, when, styles)
    return signature_line(_("申请人签收"), styles)


def render_notice(
    data: NoticeData, *, paper: Paper = Paper.A4, reprint_at: datetime | None = None
) -> bytes:
    """The one-time notification (一次性告知书) as PDF bytes."""
    a4_only(_("一次性告知书"), paper)
    validate(data)
    return render(
        Document(
            title=_("一次性告知书 {number}").format(number=data.notice_no),
            letterhead=data.letterhead,
            story=lambda width, styles: _story(data, width, styles),
            paper=paper,
            reprint_at=reprint_at,
        )
    )
