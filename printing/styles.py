"""Paragraph styles for A4 and the 80 mm roll."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib import textsplit as _textsplit
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import paragraph as _paragraph

from printing.fonts import BODY
from printing.model import Paper

# reportlab's CJK wrap keeps these off the start of a line, but its list is
# Japanese and lacks the Chinese full-width marks.
_CHINESE_CANNOT_START = "，。、；：？！）》〉」』】”’…"
for _module in (_paragraph, _textsplit):
    if not _module.ALL_CANNOT_START.endswith(_CHINESE_CANNOT_START):
        _module.ALL_CANNOT_START += _CHINESE_CANNOT_START


@dataclass(frozen=True)
class Styles:
    center_name: ParagraphStyle
    head_line: ParagraphStyle
    title: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    text: ParagraphStyle  # running text, first line indented two characters
    small: ParagraphStyle
    cell: ParagraphStyle
    cell_head: ParagraphStyle
    right: ParagraphStyle
    center: ParagraphStyle
    reprint: ParagraphStyle
    base_size: float


def _style(name: str, size: float, **kw: object) -> ParagraphStyle:
    options: dict[str, object] = {"alignment": TA_LEFT, "leading": size * 1.45}
    options.update(kw)
    return ParagraphStyle(name, fontName=BODY, fontSize=size, wordWrap="CJK", **options)


def _make(base: float, title: float, center: float) -> Styles:
    return Styles(
        center_name=_style("center_name", center, alignment=TA_CENTER),
        head_line=_style("head_line", max(base - 1.5, 8), alignment=TA_CENTER),
        title=_style(
            "title", title, alignment=TA_CENTER, spaceBefore=2, spaceAfter=base
        ),
        heading=_style("heading", base + 0.5, spaceBefore=base * 0.8, spaceAfter=3),
        body=_style("body", base, spaceAfter=2),
        text=_style("text", base, spaceAfter=2, firstLineIndent=base * 2),
        small=_style("small", max(base - 1.5, 8)),
        cell=_style("cell", max(base - 1, 8)),
        cell_head=_style("cell_head", max(base - 1, 8), alignment=TA_CENTER),
        right=_style("right", base, alignment=TA_RIGHT),
        center=_style("center", base, alignment=TA_CENTER),
        reprint=_style(
            "reprint", max(base - 1, 8), alignment=TA_CENTER, textColor=colors.darkred
        ),
        base_size=base,
    )


_A4 = _make(10.5, 18, 15)
_ROLL = _make(9, 12, 10.5)


def styles_for(paper: Paper) -> Styles:
    return _ROLL if paper is Paper.ROLL_80 else _A4
