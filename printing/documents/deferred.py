"""容缺受理通知书 — accepted with a promise to supply the rest later."""

from __future__ import annotations

from datetime import datetime

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from counter_app.i18n import N_, _
from printing.blocks import (
    grid_table,
    para,
    proportional,
    seal_block,
    signature_line,
    title,
)
from printing.documents.common import a4_only, contact_lines
from printing.layout import Document, render
from printing.model import DeferredData, DeferredKind, Paper, mask_id, require
from printing.styles import Styles
from printing.text import fmt_date

TITLES = {DeferredKind.DEFERRED: N_("容缺受理通知书")}


def validate(data: DeferredData) -> None:
    require(
        notice_no=(_("通知书编号"), data.notice_no),
        acceptance_no=(_("受理编号"), data.acceptance_no),
        item_name=(_("事项名称"), data.item_name),
        applicant_name=(_("申请人姓名"), data.applicant_name),
        deferred=(_("容缺材料"), data.deferred),
        consequence=(_("逾期未补正的后果"), data.consequence),
        clerk=(_("经办人"), data.letterhead.clerk_name),
    )


def _story(data: DeferredData, width: float, styles: Styles) -> list[Flowable]:
    who = _("{name}（证件号码：{id}）").format(
        name=data.applicant_name, id=mask_id(data.applicant_id_masked) or "—"
    )
    opening = _(
        "您申请的“{item}”已于 {date} 容缺受理，受理编号：{number}。"
        "以下材料暂缺，您已承诺于 {promise} 前补齐："
    )
    rows = [
        [str(i), m.name, m.form or "—", m.problem, m.fix]
        for i, m in enumerate(data.deferred, 1)
    ]
    story: list[Flowable] = [
        title(_(TITLES[data.kind]), styles),
        para(data.notice_no, styles.right),
        Spacer(1, 2 * mm),
        para(_("{who}：").format(who=who), styles.body),
        para(
            opening.format(
                item=data.item_name,
                date=fmt_date(data.accepted_on),
                number=data.acceptance_no,
                promise=fmt_date(data.promise_date),
            ),
            styles.text,
        ),
        Spacer(1, 2 * mm),
        grid_table(
            [_("序号"), _("材料"), _("提交形式"), _("现状"), _("补正要求")],
            rows,
            proportional(width, [0.8, 4, 2.6, 3.4, 4.6]),
            styles,
        ),
        Spacer(1, 3 * mm),
        para(
            _("承诺补正期限：{date}。").format(date=fmt_date(data.promise_date)),
            styles.text,
        ),
        para(
            _("逾期未补正的后果：{consequence}").format(consequence=data.consequence),
            styles.text,
        ),
        para(
            _(
                "容缺材料补交前，本机关不出具办理结果。本通知书一式两份，申请人和本机关各执一份。"
            ),
            styles.text,
        ),
    ]
    closing: list[Flowable] = [Spacer(1, 6 * mm)]
    closing += seal_block(data.letterhead.organ, fmt_date(data.accepted_on), styles)
    closing += contact_lines(data.letterhead, styles)
    closing += [
        Spacer(1, 6 * mm),
        para(_("本人已知悉上述内容，承诺按期补正，逾期愿承担相应后果。"), styles.body),
        signature_line(_("申请人（承诺人）签字"), styles),
    ]
    story.append(KeepTogether(closing))
    return story


def render_deferred(
    data: DeferredData, *, paper: Paper = Paper.A4, reprint_at: datetime | None = None
) -> bytes:
    """容缺受理通知书 or 告知承诺书 as PDF bytes."""
    a4_only(_(TITLES[data.kind]), paper)
    validate(data)
    return render(
        Document(
            title=_("{title} {number}").format(
                title=_(TITLES[data.kind]), number=data.notice_no
            ),
            letterhead=data.letterhead,
            story=lambda width, styles: _story(data, width, styles),
            paper=paper,
            reprint_at=reprint_at,
        )
    )
