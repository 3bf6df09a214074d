"""送达回证 — delivery receipt for the result document."""

from __future__ import annotations

from datetime import datetime

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from counter_app.i18n import _
from printing.blocks import field_table, seal_block, signature_box, signed_on, title
from printing.documents.common import a4_only, contact_lines
from printing.layout import Document, render
from printing.model import DeliveryData, Paper, mask_id, require
from printing.styles import Styles
from printing.text import blank_date, fmt_date


def validate(data: DeliveryData) -> None:
    require(
        acceptance_no=(_("受理编号"), data.acceptance_no),
        result_name=(_("送达文书名称"), data.result_name),
        method=(_("送达方式"), data.method),
        receiver_name=(_("受送达人（签收人）"), data.receiver_name),
        deliverer=(_("送达人"), data.deliverer),
    )


def _story(data: DeliveryData, width: float, styles: Styles) -> list[Flowable]:
    rows = [
        (_("受理编号"), data.acceptance_no),
        (_("事项名称"), data.item_name),
        (_("申请人"), data.applicant_name),
        (_("送达文书名称"), data.result_name),
        (_("文书编号"), data.result_number or _("无文号")),
        (_("送达方式"), data.method),
        (
            _("签收人"),
            _("{name}（{role}）").format(
                name=data.receiver_name, role=data.receiver_role
            )
            if data.receiver_role
            else data.receiver_name,
        ),
        (_("签收人证件号码"), mask_id(data.receiver_id_masked) or "—"),
        (_("送达日期"), fmt_date(data.delivered_on)),
        (_("送达人"), data.deliverer),
        (_("签收人签名"), "\n\n" + _("签收日期：") + blank_date()),
        (_("备注"), data.note or ""),
    ]
    signature: list[Flowable] = []
    if data.signature_png:  # signed on the pad: the box below, not a blank
        del rows[-2]
        when = signed_on(data.delivered_on)
        signature = [
            Spacer(1, 4 * mm),
            signature_box(_("签收人签名"), data.signature_png, when, styles),
        ]
    story: list[Flowable] = [
        title(_("送达回证"), styles),
        field_table(rows, width, styles),
        *signature,
        Spacer(1, 8 * mm),
    ]
    story += seal_block(data.letterhead.organ, fmt_date(data.delivered_on), styles)
    story += contact_lines(data.letterhead, styles)
    return story


def render_delivery(
    data: DeliveryData, *, paper: Paper = Paper.A4, reprint_at: datetime | None = None
) -> bytes:
    """The delivery receipt (送达回证) as PDF bytes."""
    a4_only(_("送达回证"), paper)
    validate(data)
    return render(
        Document(
            title=_("送达回证 {number}").format(number=data.acceptance_no),
            letterhead=data.letterhead,
            story=lambda width, styles: _story(data, width, styles),
            paper=paper,
            reprint_at=reprint_at,
        )
    )
