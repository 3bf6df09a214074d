"""Page templates shared by every document: letterhead, reprint mark,
page numbers, A4 (portrait/landscape) and the 80 mm receipt roll."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    LayoutError,
    PageTemplate,
    Paragraph,
    Spacer,
)

from counter_app.i18n import _
from printing.fonts import BODY, draw_text, markup, register_fonts
from printing.model import Letterhead, Paper, TooLong
from printing.styles import Styles, styles_for
from printing.text import fmt_datetime, printable

ROLL_WIDTH = 80 * mm
ROLL_MARGIN = 4 * mm
A4_MARGIN = 18 * mm
REPRINT_RED = colors.Color(0.8, 0.1, 0.1)

StoryFactory = Callable[[float, Styles], list[Flowable]]


@dataclass(frozen=True)
class Document:
    """What a builder needs to lay out one document."""

    title: str
    letterhead: Letterhead
    story: StoryFactory
    paper: Paper = Paper.A4
    landscape: bool = False
    reprint_at: datetime | None = None
    subject: str = ""


def letterhead_lines(head: Letterhead) -> tuple[str, str]:
    line = _("窗口：{window}　{role}：{clerk}　打印时间：{time}").format(
        window=head.window_name,
        role=_(head.clerk_role),
        clerk=head.clerk_name,
        time=fmt_datetime(head.printed_at),
    )
    return head.center_name, line


def reprint_text(at: datetime) -> str:
    return _("补打　补打时间：{time}").format(time=fmt_datetime(at))


# reportlab's TrueType fonts are shared by every document and read their
# file through one position pointer while subsetting: two documents built at
# once (a print in the background, a preview) can corrupt each other's fonts.
_render_lock = threading.Lock()


def render(document: Document) -> bytes:
    """Lay out ``document`` and return the PDF bytes (one at a time)."""
    register_fonts(rare=False)
    with _render_lock:
        try:
            if document.paper is Paper.ROLL_80:
                return _render_roll(document)
            return _render_a4(document)
        except LayoutError as exc:
            # Something no page can hold (the tables check their cells first).
            raise TooLong(document.title) from exc


class _NumberedCanvas(Canvas):  # type: ignore[misc]
    """Defers page output so the footer can say 第 N 页 / 共 M 页."""

    footer_left = ""
    footer_margin = A4_MARGIN

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._saved_pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._saved_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._saved_pages)
        for number, state in enumerate(self._saved_pages, start=1):
            self.__dict__.update(state)
            self._draw_footer(number, total)
            super().showPage()
        super().save()

    def _draw_footer(self, number: int, total: int) -> None:
        width, _height = self._pagesize
        y = self.footer_margin / 2
        self.setFillColor(colors.black)
        page = _("第 {page} 页 / 共 {pages} 页").format(page=number, pages=total)
        draw_text(self, width / 2, y, page, size=9, anchor="center")
        if self.footer_left:
            draw_text(self, self.footer_margin, y, self.footer_left, size=8)


def _canvas_class(footer_left: str) -> type[_NumberedCanvas]:
    return type("_Canvas", (_NumberedCanvas,), {"footer_left": footer_left})


def _header_flowables(
    document: Document, styles: Styles, *, with_reprint: bool = False
) -> list[Paragraph]:
    name, line = letterhead_lines(document.letterhead)
    out = [
        Paragraph(markup(name), styles.center_name),
        Paragraph(markup(line), styles.head_line),
    ]
    if with_reprint and document.reprint_at is not None:
        stamp = _("补打时间：{time}").format(time=fmt_datetime(document.reprint_at))
        out.append(Paragraph(markup(stamp), styles.reprint))
    return out


def _render_a4(document: Document) -> bytes:
    size = landscape(A4) if document.landscape else A4
    page_w, page_h = size
    styles = styles_for(Paper.A4)
    frame_w = page_w - 2 * A4_MARGIN
    # The letterhead is drawn on every page; its height sets the top margin
    # so a long center name wraps instead of running into the body.
    reserved_right = 22 * mm if document.reprint_at else 0
    # Kept symmetric so the letterhead stays centred beside the reprint box.
    header_w = frame_w - 2 * reserved_right
    header_h = sum(
        p.wrap(header_w, page_h)[1]
        for p in _header_flowables(document, styles, with_reprint=True)
    )
    top = 10 * mm + header_h + 4 * mm
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=size,
        leftMargin=A4_MARGIN,
        rightMargin=A4_MARGIN,
        topMargin=top,
        bottomMargin=A4_MARGIN,
        title=printable(document.title),
        subject=printable(document.subject),
        author=printable(document.letterhead.center_name),
        creator="Counter",
        initialFontName=BODY,
    )
    frame = Frame(
        A4_MARGIN,
        A4_MARGIN,
        frame_w,
        page_h - top - A4_MARGIN,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )

    def on_page(canvas: Canvas, _doc: Any) -> None:
        canvas.saveState()
        y = page_h - 10 * mm
        for para in _header_flowables(document, styles, with_reprint=True):
            _w, h = para.wrap(header_w, page_h)
            para.drawOn(canvas, A4_MARGIN + reserved_right, y - h)
            y -= h
        canvas.setStrokeColor(colors.black)
        canvas.setLineWidth(0.8)
        canvas.line(A4_MARGIN, y - 2 * mm, page_w - A4_MARGIN, y - 2 * mm)
        if document.reprint_at is not None:
            _draw_reprint(canvas, document.reprint_at, page_w, page_h)
        canvas.restoreState()

    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=on_page)])
    supervision = document.letterhead.supervision_phone
    footer = _("监督投诉电话：{phone}").format(phone=supervision) if supervision else ""
    doc.build(document.story(frame_w, styles), canvasmaker=_canvas_class(footer))
    return buffer.getvalue()


def _draw_reprint(canvas: Canvas, at: datetime, page_w: float, page_h: float) -> None:
    # The time is a letterhead line (see _header_flowables); this is the stamp.
    box_w, box_h = 20 * mm, 11 * mm
    x = page_w - A4_MARGIN - box_w
    y = page_h - 9 * mm - box_h
    canvas.setStrokeColor(REPRINT_RED)
    canvas.setFillColor(REPRINT_RED)
    canvas.setLineWidth(1.5)
    canvas.roundRect(x, y, box_w, box_h, 2 * mm, stroke=1, fill=0)
    draw_text(canvas, x + box_w / 2, y + 3.2 * mm, _("补打"), size=15, anchor="center")
    # A faint diagonal mark so a photocopy still shows it is a reprint.
    canvas.saveState()
    canvas.setFillColor(colors.Color(0.8, 0.1, 0.1, alpha=0.12))
    canvas.translate(page_w / 2, page_h / 2)
    canvas.rotate(35)
    draw_text(canvas, 0, 0, _("补打"), size=110, anchor="center")
    canvas.restoreState()


class ReprintBox(Flowable):  # type: ignore[misc]
    """The reprint mark as a flowable, for the receipt roll."""

    def __init__(self, at: datetime, styles: Styles) -> None:
        super().__init__()
        self._para = Paragraph(markup(reprint_text(at)), styles.reprint)

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        _w, h = self._para.wrap(avail_w - 4 * mm, avail_h)
        self.width, self.height = avail_w, h + 3 * mm
        return self.width, self.height

    def draw(self) -> None:
        self.canv.setStrokeColor(REPRINT_RED)
        self.canv.setLineWidth(1.2)
        self.canv.rect(0, 0, self.width, self.height)
        self._para.drawOn(self.canv, 2 * mm, 1.5 * mm)


def _roll_story(document: Document, width: float, styles: Styles) -> list[Flowable]:
    story: list[Flowable] = []
    story.extend(_header_flowables(document, styles))
    if document.reprint_at is not None:
        story += [Spacer(1, 1 * mm), ReprintBox(document.reprint_at, styles)]
    story.append(Spacer(1, 2 * mm))
    story.extend(document.story(width, styles))
    return story


def measure(story: Sequence[Flowable], width: float) -> float:
    """Total height of ``story`` laid out in one column of ``width``."""
    total = 0.0
    scratch = Canvas(io.BytesIO())
    for i, flowable in enumerate(story):
        _w, h = flowable.wrapOn(scratch, width, 10_000 * mm)
        before = flowable.getSpaceBefore() if i else 0.0
        total += h + before + flowable.getSpaceAfter()
    return total


def _render_roll(document: Document) -> bytes:
    styles = styles_for(Paper.ROLL_80)
    width = ROLL_WIDTH - 2 * ROLL_MARGIN
    # The roll is cut after the content: measure once, then lay out for real.
    height = measure(_roll_story(document, width, styles), width)
    page_h = height + 2 * ROLL_MARGIN + 8 * mm
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=(ROLL_WIDTH, page_h),
        leftMargin=ROLL_MARGIN,
        rightMargin=ROLL_MARGIN,
        topMargin=ROLL_MARGIN,
        bottomMargin=ROLL_MARGIN,
        title=printable(document.title),
        subject=printable(document.subject),
        author=printable(document.letterhead.center_name),
        creator="Counter",
        initialFontName=BODY,
    )
    frame = Frame(
        ROLL_MARGIN,
        ROLL_MARGIN,
        width,
        page_h - 2 * ROLL_MARGIN,
        id="roll",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc.addPageTemplates([PageTemplate(id="roll", frames=[frame])])
    doc.build(_roll_story(document, width, styles))
    return buffer.getvalue()
