"""材料接收凭证 — receipt of materials handed in (A4 or 80 mm roll)."""

from __future__ import annotations

from datetime import datetime

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from counter_app.i18n import _
from printing.blocks import (
    codes_block,
    field_table,
    materials_table,
    para,
    signature_line,
    title,
)
from printing.documents.common import contact_lines, heading
from printing.layout import Document, render
from printing.model import MaterialsReceiptData, Paper, mask_id, require
from printing.styles import Styles
from printing.text import fmt_datetime


def validate(data: MaterialsReceiptData) -> None:
    require(
        receipt_no=(_("凭证编号"), data.receipt_no),
        item_name=(_("事项名称"), data.item_name),
        applicant_name=(_("递交人姓名"), data.applicant_name),
        materials=(_("接收的材料"), data.materials),
        clerk=(_("经办人"), data.letterhead.clerk_name),
    )


def _story(data: MaterialsReceiptData, width: float, styles: Styles) -> list[Flowable]:
    roll = width < 100 * mm
    rows = [
        (_("凭证编号"), data.receipt_no),
        (_("事项名称"), data.item_name),
        (_("递交人"), data.applicant_name),
        (_("证件号码"), mask_id(data.applicant_id_masked)),
        (_("接收时间"), fmt_datetime(data.received_at)),
    ]
    count = sum(m.originals + m.copies for m in data.materials)
    story: list[Flowable] = [
        title(_("材料接收凭证"), styles),
        field_table(rows, width, styles),
        heading(
            _("接收材料（共 {kinds} 种 {count} 份）").format(
                kinds=len(data.materials), count=count
            ),
            styles,
        ),
        materials_table(data.materials, width, styles),
    ]
    if data.note:
        story += [Spacer(1, 2 * mm), para(data.note, styles.body)]
    story += [
        Spacer(1, 2 * mm),
        codes_block(data.receipt_no, _("凭证编号"), width, styles),
    ]
    closing: list[Flowable] = [Spacer(1, 4 * mm)]
    closing += contact_lines(data.letterhead, styles)
    closing += [Spacer(1, 4 * mm), signature_line(_("递交人签字"), styles, narrow=roll)]
    story += closing if roll else [KeepTogether(closing)]
    return story


def render_materials_receipt(
    data: MaterialsReceiptData,
    *,
    paper: Paper = Paper.A4,
    reprint_at: datetime | None = None,
) -> bytes:
    """The receipt of materials (材料接收凭证) as PDF bytes."""
    validate(data)
    return render(
        Document(
            title=_("材料接收凭证 {number}").format(number=data.receipt_no),
            letterhead=data.letterhead,
            story=lambda width, styles: _story(data, width, styles),
            paper=paper,
            reprint_at=reprint_at,
        )
    )
