"""告知承诺书 — 国办发〔2020〕42号: the organ states in writing the conditions
and the proof it no longer asks for; the applicant promises the conditions
are met and signs; a false promise is checked and has stated consequences.
Two copies: one for the applicant, one for the file."""

from __future__ import annotations

from datetime import datetime

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from counter_app.i18n import _
from printing.blocks import (
    para,
    seal_block,
    signature_box,
    signature_line,
    signed_on,
    title,
)
from printing.documents.common import a4_only, contact_lines, heading
from printing.layout import Document, render
from printing.model import CommitmentData, Paper, mask_id, require
from printing.styles import Styles
from printing.text import fmt_date


def validate(data: CommitmentData) -> None:
    require(
        notice_no=(_("告知承诺书编号"), data.notice_no),
        acceptance_no=(_("受理编号"), data.acceptance_no),
        item_name=(_("事项名称"), data.item_name),
        applicant_name=(_("申请人姓名"), data.applicant_name),
        conditions=(_("许可条件"), data.conditions),
        basis=(_("告知承诺的依据"), data.legal_basis),
        liability=(_("虚假承诺的法律责任"), data.liability),
        center=(_("服务中心名称"), data.letterhead.center_name),
        clerk=(_("经办人"), data.letterhead.clerk_name),
    )


def _numbered(lines: list[str] | tuple[str, ...], styles: Styles) -> list[Flowable]:
    return [
        para(_("{number}. {text}").format(number=i, text=text), styles.text)
        for i, text in enumerate(lines, 1)
    ]


def _story(data: CommitmentData, width: float, styles: Styles) -> list[Flowable]:
    who = _("{name}（证件号码：{id}）").format(
        name=data.applicant_name, id=mask_id(data.applicant_id_masked) or "—"
    )
    story: list[Flowable] = [
        title(_("告知承诺书"), styles),
        para(data.notice_no, styles.right),
        Spacer(1, 2 * mm),
        heading(_("一、行政机关告知"), styles),
        para(_("{who}：").format(who=who), styles.body),
        para(
            _(
                "您申请的“{item}”（受理编号：{number}，承办部门：{department}）"
                "适用告知承诺制。根据{basis}，现将许可条件、不再索要的证明材料"
                "和虚假承诺的法律责任书面告知如下："
            ).format(
                item=data.item_name,
                number=data.acceptance_no,
                department=data.department,
                basis=data.legal_basis,
            ),
            styles.text,
        ),
        para(_("（一）应当具备的条件："), styles.body),
        *_numbered(list(data.conditions), styles),
        para(_("（二）以承诺代替、本机关不再索要的证明材料："), styles.body),
    ]
    if data.waived:
        story += _numbered(list(data.waived), styles)
    else:
        story.append(para(_("无（申请人已提交全部证明材料）。"), styles.text))
    story += [
        para(_("（三）核查："), styles.body),
        para(data.check_text, styles.text),
        para(_("（四）虚假承诺的法律责任："), styles.body),
        *_numbered(list(data.liability), styles),
    ]
    organ: list[Flowable] = [Spacer(1, 3 * mm)]
    organ += seal_block(data.letterhead.organ, fmt_date(data.accepted_on), styles)
    organ += contact_lines(data.letterhead, styles)
    story.append(KeepTogether(organ))
    promise: list[Flowable] = [
        heading(_("二、申请人承诺"), styles),
        para(
            _(
                "本人（本单位）已知悉上述告知内容，承诺：已经符合上述全部条件；"
                "所填写的信息和提交的材料真实、准确、完整；愿意接受行政机关的核查；"
                "承诺不实的，愿意承担上述法律责任。本承诺书一式两份，申请人和"
                "行政机关各执一份。"
            ),
            styles.text,
        ),
        Spacer(1, 4 * mm),
        signature_box(
            _("申请人（承诺人）签字"),
            data.signature_png,
            signed_on(data.accepted_on),
            styles,
        )
        if data.signature_png
        else signature_line(_("申请人（承诺人）签字"), styles),
    ]
    if data.agent_name:
        promise.append(signature_line(_("代理人签字"), styles))
    story.append(KeepTogether(promise))
    return story


def render_commitment(
    data: CommitmentData, *, paper: Paper = Paper.A4, reprint_at: datetime | None = None
) -> bytes:
    """告知承诺书 as PDF bytes."""
    a4_only(_("告知承诺书"), paper)
    validate(data)
    return render(
        Document(
            title=_("告知承诺书 {number}").format(number=data.notice_no),
            letterhead=data.letterhead,
            story=lambda width, styles: _story(data, width, styles),
            paper=paper,
            reprint_at=reprint_at,
        )
    )
