"""Building blocks the document templates share."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.qr import QrCode
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, LongTable, Paragraph, Table, TableStyle

from counter_app.i18n import _
from printing.fonts import BODY, markup
from printing.model import MaterialLine, MissingField, TooLong
from printing.styles import Styles
from printing.text import blank_date, fmt_date, printable

GRID = colors.Color(0.35, 0.35, 0.35)
# A table row never splits across pages: on A4 a cell taller than this could
# not fit any page (landscape A4's body is about 160 mm high).
MAX_CELL_HEIGHT = 140 * mm
# What a QR code of level M holds in bytes, with room to spare.
QR_MAX_BYTES = 2000
HEAD_FILL = colors.Color(0.92, 0.92, 0.92)


def para(text: str, style: object) -> Paragraph:
    return Paragraph(markup(text), style)


def title(text: str, styles: Styles) -> Paragraph:
    return para(text, styles.title)


def _table_style(*, header: bool, pad: float) -> TableStyle:
    commands: list[tuple[object, ...]] = [
        # Table cells default to Helvetica, which would not be embedded.
        ("FONTNAME", (0, 0), (-1, -1), BODY),
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), pad),
        ("RIGHTPADDING", (0, 0), (-1, -1), pad),
        ("TOPPADDING", (0, 0), (-1, -1), pad * 0.7),
        ("BOTTOMPADDING", (0, 0), (-1, -1), pad * 0.7),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL))
    return TableStyle(commands)


def field_table(rows: Sequence[tuple[str, str]], width: float, styles: Styles) -> Table:
    """Label | value rows; long values wrap inside their cell."""
    label_w = min(30 * mm, width * 0.3)
    data = [[para(k, styles.cell), para(v, styles.cell)] for k, v in rows]
    if width > 100 * mm:
        for (label, _value), (_key, cell) in zip(rows, data, strict=True):
            _fits(cell, width - label_w, label)
    table = Table(data, colWidths=[label_w, width - label_w], hAlign="LEFT")
    table.setStyle(_table_style(header=False, pad=4 if width > 100 * mm else 2))
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (0, -1), HEAD_FILL)]))
    return table


def grid_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    styles: Styles,
) -> LongTable:
    """A table that flows over pages with its header row repeated."""
    data = [[para(h, styles.cell_head) for h in header]]
    data += [[para(c, styles.cell) for c in row] for row in rows]
    if sum(widths) > 100 * mm:
        for row in data[1:]:
            for label, cell, cell_w in zip(header, row, widths, strict=False):
                _fits(cell, cell_w, label)
    table = LongTable(data, colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    table.setStyle(_table_style(header=True, pad=3 if sum(widths) > 100 * mm else 1.5))
    return table


def _fits(cell: Paragraph, width: float, label: str) -> None:
    """Raise TooLong when ``cell`` would be taller than any A4 page (the
    receipt roll grows with its content, so it is not checked)."""
    # A line holds at least one character: short cells need no measuring.
    if len(cell.text) * cell.style.leading <= MAX_CELL_HEIGHT:
        return
    _w, height = cell.wrap(width, MAX_CELL_HEIGHT * 10)
    if height > MAX_CELL_HEIGHT:
        raise TooLong(label)


def proportional(width: float, weights: Sequence[float]) -> list[float]:
    total = sum(weights)
    return [width * w / total for w in weights]


def materials_table(
    materials: Sequence[MaterialLine], width: float, styles: Styles
) -> LongTable:
    if width < 100 * mm:  # receipt roll: name and counts only
        header = [_("材料"), _("原件"), _("复印件")]
        rows = [
            [
                _("{name}（{state}）").format(name=m.name, state=m.state_label)
                if m.state_label
                else m.name,
                str(m.originals),
                str(m.copies),
            ]
            for m in materials
        ]
        return grid_table(header, rows, proportional(width, [5, 1.2, 1.4]), styles)
    header = [_("序号"), _("材料名称"), _("原件"), _("复印件"), _("状态"), _("备注")]
    rows = [
        [str(i), m.name, str(m.originals), str(m.copies), m.state_label, m.note]
        for i, m in enumerate(materials, start=1)
    ]
    widths = proportional(width, [0.8, 6, 1, 1.2, 1.8, 3])
    return grid_table(header, rows, widths, styles)


def qr_code(value: str, size: float) -> Flowable:
    # The flowable draws on the canvas directly; the graphics Drawing would
    # pull in an unembedded Helvetica.
    value = printable(value)
    if len(value.encode("utf-8")) > QR_MAX_BYTES:
        raise TooLong(_("二维码内容"))
    return QrCode(value, width=size, height=size, qrLevel="M", qrBorder=2)


class Barcode128(Flowable):  # type: ignore[misc]
    """Code128 bars scaled to fit the available width (no Helvetica text)."""

    def __init__(self, value: str, *, height: float, max_width: float) -> None:
        super().__init__()
        self._value = value
        self._bar_height = height
        self._max_width = max_width

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        self._code = Code128(
            self._value,
            barHeight=self._bar_height,
            barWidth=0.3 * mm,
            humanReadable=False,
            quiet=False,
        )
        self._scale = min(1.0, min(avail_w, self._max_width) / self._code.width)
        self.width = self._code.width * self._scale
        self.height = self._bar_height
        return self.width, self.height

    def draw(self) -> None:
        self.canv.saveState()
        self.canv.scale(self._scale, 1)
        self._code.drawOn(self.canv, 0, 0)
        self.canv.restoreState()


def codes_block(
    value: str, caption: str, width: float, styles: Styles, *, qr_value: str = ""
) -> Table:
    """A QR code of ``qr_value`` (only when given: a working link) beside a
    Code128 of ``value`` with the number printed below."""
    small = width < 100 * mm
    qr_size = (22 * mm if small else 28 * mm) if qr_value else 0
    bar = Barcode128(
        value, height=10 * mm if small else 12 * mm, max_width=width - qr_size - 4 * mm
    )
    label = _("{label}：{value}").format(label=caption, value=value)
    right: list[Flowable] = [para(label, styles.center)]
    if value.isascii():  # Code128 has no Chinese
        right.insert(0, bar)
    if not qr_value:
        table = Table([[right]], colWidths=[width], hAlign="LEFT")
    else:
        table = Table(
            [[qr_code(qr_value, qr_size), right]],
            colWidths=[qr_size + 2 * mm, width - qr_size - 2 * mm],
            hAlign="LEFT",
        )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), BODY),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("ALIGN", (-1, 0), (-1, 0), "CENTER"),
            ]
        )
    )
    return table


def seal_text(organ: str, seal: str = "") -> str:
    """The seal placeholder naming its organ: 【{organ}受理专用章】."""
    return _("【{organ}{seal}】").format(organ=organ, seal=seal or _("受理专用章"))


def seal_block(
    organ: str, when: str, styles: Styles, *, seal: str = ""
) -> list[Flowable]:
    """Right-aligned seal placeholder naming the organ, and the date."""
    if not organ.strip():
        raise MissingField(_("盖章机关名称"))
    return [para(seal_text(organ, seal), styles.right), para(when, styles.right)]


def signature_line(label: str, styles: Styles, *, narrow: bool = False) -> Paragraph:
    """A line to sign and date by hand; on the roll the date goes below."""
    sign = _("{label}：＿＿＿＿＿＿＿＿＿＿").format(label=label)
    when = _("日期：{date}").format(date=blank_date())
    return para(sign + ("\n" if narrow else "　") + when, styles.body)


SIGNATURE_BOX = (60 * mm, 20 * mm)


def signed_on(day: date) -> str:
    """The date under a captured signature."""
    return _("日期：{date}").format(date=fmt_date(day))


def signature_box(label: str, png: bytes, when: str, styles: Styles) -> Table:
    """The signature captured on the pad, in a framed box beside its label,
    scaled to fit and never stretched; the date it was signed below."""
    import io

    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image

    box_w, box_h = SIGNATURE_BOX
    reader = ImageReader(io.BytesIO(png))
    w, h = reader.getSize()
    scale = min((box_w - 2 * mm) / w, (box_h - 2 * mm) / h)
    image = Image(io.BytesIO(png), width=w * scale, height=h * scale)
    table = Table(
        [
            [para(_("{label}：").format(label=label), styles.body), image],
            ["", para(when, styles.small)],
        ],
        colWidths=[40 * mm, box_w],
        rowHeights=[box_h, None],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), BODY),
                ("BOX", (1, 0), (1, 0), 0.5, GRID),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (1, 0), (1, 0), "CENTER"),
            ]
        )
    )
    return table
