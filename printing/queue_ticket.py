"""The hall's queue ticket (排队号票) on an 80 mm receipt roll."""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from counter_app.i18n import _
from printing.fonts import draw_text, register_fonts

WIDTH = 80 * mm
HEIGHT = 100 * mm


@dataclass(frozen=True)
class QueueTicket:
    hall_name: str
    number: str
    business_name: str
    waiting_before: int
    issued_at: str  # shown as is: "2026-11-23 09:15"


def render_queue_ticket(ticket: QueueTicket) -> bytes:
    register_fonts(rare=False)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(WIDTH, HEIGHT))
    canvas.setTitle(_("排队号票 {number}").format(number=ticket.number))
    middle = WIDTH / 2
    y = HEIGHT - 12 * mm
    draw_text(canvas, middle, y, ticket.hall_name, size=11, anchor="center")
    y -= 9 * mm
    draw_text(canvas, middle, y, ticket.business_name, size=13, anchor="center")
    y -= 20 * mm
    draw_text(canvas, middle, y, ticket.number, size=44, anchor="center")
    y -= 10 * mm
    waiting = _("您前面还有 {n} 人等候").format(n=ticket.waiting_before)
    draw_text(canvas, middle, y, waiting, size=11, anchor="center")
    y -= 7 * mm
    draw_text(canvas, middle, y, ticket.issued_at, size=9, anchor="center")
    y -= 7 * mm
    hint = _("请留意大厅显示屏和语音叫号，过号请重新取号。")
    draw_text(canvas, middle, y, hint, size=8, anchor="center")
    canvas.showPage()
    canvas.save()
    return out.getvalue()
