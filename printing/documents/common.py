"""Pieces several document templates print alike."""

from __future__ import annotations

from reportlab.platypus import Flowable, Paragraph

from counter_app.i18n import _
from printing.blocks import para
from printing.model import Letterhead, Paper, UnsupportedPaper
from printing.styles import Styles


def contact_lines(head: Letterhead, styles: Styles) -> list[Paragraph]:
    out = [
        para(
            _("经办人：{clerk}　联系电话：{contact}").format(
                clerk=head.clerk_name, contact=head.clerk_contact or "—"
            ),
            styles.body,
        )
    ]
    if head.supervision_phone:
        out.append(
            para(
                _("监督投诉电话：{phone}").format(phone=head.supervision_phone),
                styles.body,
            )
        )
    if head.address:
        out.append(
            para(_("地址：{address}").format(address=head.address), styles.small)
        )
    return out


def item_label(name: str, code: str) -> str:
    if not code:
        return name
    return _("{name}（{code}）").format(name=name, code=code)


def a4_only(document: str, paper: Paper) -> None:
    if paper is not Paper.A4:
        raise UnsupportedPaper(document, paper)


def heading(text: str, styles: Styles) -> Flowable:
    return para(text, styles.heading)
