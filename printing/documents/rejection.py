"""不予受理决定书 — rejection with reason, legal basis and remedies."""

from __future__ import annotations

from datetime import datetime

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from counter_app.i18n import _
from printing.blocks import para, seal_block, signature_line, title
from printing.documents.common import a4_only, contact_lines
from printing.layout import Document, render
from printing.model import Paper, RejectionData, mask_id, require
from printing.styles import Styles
from printing.text import fmt_date


def validate(data: RejectionData) -> None:
    require(
        decision_no=(_("决定书编号"), data.decision_no),
        item_name=(_("事项名称"), data.item_name),
        applicant_name=(_("申请人姓名"), data.applicant_name),
        reason=(_("不予受理理由"), data.reason),
        legal_basis=(_("法律依据"), data.legal_basis),
        review_organ=(_("行政复议机关"), data.review_organ),
        court=(_("行政诉讼管辖法院"), data.court),
        organ=(_("作出决定的机关"), data.organ_name or data.letterhead.organ),
    )


def _story(data: RejectionData, width: float, styles: Styles) -> list[Flowable]:
    who = data.applicant_name
    if data.applicant_id_masked:
        who = _("{name}（证件号码：{id}）").format(
            name=data.applicant_name, id=mask_id(data.applicant_id_masked)
        )
    story: list[Flowable] = [
        title(_("不予受理决定书"), styles),
        para(data.decision_no, styles.right),
        Spacer(1, 2 * mm),
        para(_("{who}：").format(who=who), styles.body),
        para(
            _(
                "您于 {date} 提出的“{item}”申请，经审查，本机关决定不予受理。"
                "理由如下：{reason}"
            ).format(
                date=fmt_date(data.submitted_on),
                item=data.item_name,
                reason=data.reason,
            ),
            styles.text,
        ),
    ]
    if data.competent_organ:
        story.append(
            para(
                _("该申请事项依法不属于本机关职权范围，请向{organ}提出申请。").format(
                    organ=data.competent_organ
                ),
                styles.text,
            )
        )
    story += [
        para(_("依据：{basis}。").format(basis=data.legal_basis), styles.text),
        para(
            _(
                "如不服本决定，可以自收到本决定书之日起六十日内向{review}申请"
                "行政复议，也可以自收到本决定书之日起六个月内向{court}提起行政诉讼。"
            ).format(review=data.review_organ, court=data.court),
            styles.text,
        ),
    ]
    closing: list[Flowable] = [Spacer(1, 8 * mm)]
    closing += seal_block(
        data.organ_name or data.letterhead.organ, fmt_date(data.decided_on), styles
    )
    closing += contact_lines(data.letterhead, styles)
    closing += [Spacer(1, 6 * mm), signature_line(_("申请人签收"), styles)]
    story.append(KeepTogether(closing))
    return story


def render_rejection(
    data: RejectionData, *, paper: Paper = Paper.A4, reprint_at: datetime | None = None
) -> bytes:
    """The rejection decision (不予受理决定书) as PDF bytes."""
    a4_only(_("不予受理决定书"), paper)
    validate(data)
    return render(
        Document(
            title=_("不予受理决定书 {number}").format(number=data.decision_no),
            letterhead=data.letterhead,
            story=lambda width, styles: _story(data, width, styles),
            paper=paper,
            reprint_at=reprint_at,
        )
    )
