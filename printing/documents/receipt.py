"""受理回执 — acceptance receipt (A4 or 80 mm roll)."""

from __future__ import annotations

from datetime import datetime

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from counter_app.i18n import _, ngettext
from printing.blocks import (
    codes_block,
    field_table,
    materials_table,
    para,
    seal_block,
    signature_box,
    signed_on,
    title,
)
from printing.documents.common import contact_lines, heading, item_label
from printing.layout import Document, render
from printing.model import Paper, ReceiptData, mask_id, require
from printing.styles import Styles
from printing.text import fmt_date


def validate(data: ReceiptData) -> None:
    require(
        acceptance_no=(_("受理编号"), data.acceptance_no),
        item_name=(_("事项名称"), data.item_name),
        applicant_name=(_("申请人姓名"), data.applicant_name),
        applicant_id=(_("申请人证件号码"), data.applicant_id_masked),
        center=(_("服务中心名称"), data.letterhead.center_name),
        clerk=(_("经办人"), data.letterhead.clerk_name),
    )


def due_text(data: ReceiptData) -> str:
    due = fmt_date(data.due_date)
    if data.promised_days == 0:
        return _("即办件，{date} 当场办结").format(date=due)
    if data.due_provisional:
        return ngettext(
            "{days} 个工作日，预计 {date} 前办结（当年节假日安排公布后以重新计算为准）",
            "{days} 个工作日，预计 {date} 前办结（当年节假日安排公布后以重新计算为准）",
            data.promised_days,
        ).format(days=data.promised_days, date=due)
    return ngettext(
        "{days} 个工作日，{date} 前办结",
        "{days} 个工作日，{date} 前办结",
        data.promised_days,
    ).format(days=data.promised_days, date=due)


def _story(data: ReceiptData, width: float, styles: Styles) -> list[Flowable]:
    roll = width < 100 * mm
    item = item_label(data.item_name, data.item_code)
    applicant = data.applicant_name
    rows = [
        (_("受理编号"), data.acceptance_no),
        (_("事项名称"), item),
        (_("承办部门"), data.department),
        (_("申请人"), applicant),
        (_("证件号码"), mask_id(data.applicant_id_masked)),
    ]
    if data.agent_name:
        rows.append((_("代理人"), data.agent_name))
    rows += [
        (_("受理日期"), fmt_date(data.accepted_on)),
    ]
    if data.decision_label:
        rows.append((_("受理方式"), data.decision_label))
    rows += [
        (_("承诺时限"), due_text(data)),
        (_("收费"), data.fee or _("不收费")),
    ]
    if data.collect:
        rows.append((_("领取结果"), data.collect))
    if data.promise_lines:
        rows.append((_("承诺事项"), "\n".join(data.promise_lines)))
    query = (
        _("扫描二维码，或登录 {url} 输入受理编号查询办理进度。").format(
            url=data.status_url
        )
        if data.status_url
        else _("凭受理编号拨打查询电话，或到窗口查询办理进度。")
    )
    if data.status_phone:
        query += "\n" + _("查询电话：{phone}").format(phone=data.status_phone)
    rows.append((_("进度查询"), query))
    count = sum(m.originals + m.copies for m in data.materials)
    story: list[Flowable] = [
        title(_("受理回执"), styles),
        field_table(rows, width, styles),
        heading(
            _("已接收材料（共 {kinds} 种 {count} 份）").format(
                kinds=len(data.materials), count=count
            ),
            styles,
        ),
        materials_table(data.materials, width, styles),
        Spacer(1, 2 * mm),
        codes_block(
            data.acceptance_no, _("受理编号"), width, styles, qr_value=_qr_value(data)
        ),
        Spacer(1, 2 * mm),
        para(
            _("请妥善保管本回执，领取办理结果时请携带本回执和身份证件。"), styles.small
        ),
    ]
    closing: list[Flowable] = [Spacer(1, 3 * mm)]
    if data.signature_png:
        closing += [
            signature_box(
                _("申请人签收"), data.signature_png, signed_on(data.accepted_on), styles
            ),
            Spacer(1, 2 * mm),
        ]
    closing += seal_block(data.letterhead.organ, fmt_date(data.accepted_on), styles)
    closing += contact_lines(data.letterhead, styles)
    # The roll has one page: nothing to keep together there.
    story += closing if roll else [KeepTogether(closing)]
    return story


def _qr_value(data: ReceiptData) -> str:
    """The status link from the site settings; no link, no QR code (a bare
    number in a QR code leads nowhere)."""
    return data.status_url


def render_receipt(
    data: ReceiptData, *, paper: Paper = Paper.A4, reprint_at: datetime | None = None
) -> bytes:
    """The acceptance receipt as PDF bytes; MissingField if data is incomplete."""
    validate(data)
    return render(
        Document(
            title=_("受理回执 {number}").format(number=data.acceptance_no),
            letterhead=data.letterhead,
            story=lambda width, styles: _story(data, width, styles),
            paper=paper,
            reprint_at=reprint_at,
        )
    )
