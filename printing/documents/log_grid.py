"""The daily log's table, measured once and drawn straight onto the canvas.

A month's log runs to 60,000 rows. A reportlab Table of Paragraphs costs a
Paragraph per cell and re-measures the rest of the table at every page break,
so here every cell is measured (and wrapped only if it does not fit) once
with the font metrics, row heights go into prefix sums, and a page break is a
binary search. Each page's slice draws its header row and cells font run by
font run, so rare characters print through the embedded fallback fonts.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from heapq import nlargest
from itertools import accumulate
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth
from reportlab.platypus import Flowable
from reportlab.platypus import paragraph as _paragraph

from printing.blocks import GRID, HEAD_FILL
from printing.fonts import BODY, split_runs

MAX_COLUMN = 60 * mm
MIN_TOKEN_SIZE = 7.5  # acceptance numbers shrink to fit on one line, no smaller
H_PAD = 3.0
V_PAD = 2.0
LINE_SPACING = 1.3
# A row never outgrows a landscape page; text beyond this is cut with "…".
MAX_ROW_HEIGHT = 300.0
ELLIPSIS = "…"


class Measure:
    """Text widths font run by font run; widths and non-ASCII texts' runs
    are cached."""

    def __init__(self) -> None:
        self._runs: dict[str, list[tuple[str, str]]] = {}
        # a day's log repeats its items, statuses, clerks and dates
        self._widths: dict[tuple[str, float], float] = {}

    def runs(self, text: str) -> list[tuple[str, str]]:
        if text.isascii():
            return [(BODY, text)]
        got = self._runs.get(text)
        if got is None:
            got = self._runs[text] = split_runs(text)
        return got

    def width(self, text: str, size: float) -> float:
        got = self._widths.get((text, size))
        if got is None:
            if text.isascii():
                got = float(stringWidth(text, BODY, size))
            else:
                got = float(sum(stringWidth(r, n, size) for n, r in self.runs(text)))
            self._widths[(text, size)] = got
        return got

    def wrap(self, text: str, width: float, size: float) -> list[str]:
        """Lines of ``text`` no wider than ``width`` (character-wise, CJK style)."""
        lines: list[str] = []
        for part in text.split("\n"):
            if self.width(part, size) <= width:
                lines.append(part)
            else:
                lines.extend(self._break(part, width, size))
        return lines

    def _break(self, text: str, width: float, size: float) -> list[str]:
        lines: list[str] = []
        line: list[str] = []
        used = 0.0
        for name, run in self.runs(text):
            for char in run:
                w = float(stringWidth(char, name, size))
                if line and used + w > width:
                    carry: list[str] = []
                    # Closing marks stay off a line start: the previous
                    # character moves down with them.
                    if char in _paragraph.ALL_CANNOT_START and len(line) > 1:
                        carry = [line.pop()]
                    elif char.isascii() and char.isalnum():
                        # Latin words break at a space when the line has one.
                        space = "".join(line).rfind(" ")
                        if space > 0:
                            carry, line = line[space + 1 :], line[: space + 1]
                    lines.append("".join(line))
                    line = carry
                    used = self.width("".join(line), size)
                line.append(char)
                used += w
        lines.append("".join(line))
        return lines


@dataclass(frozen=True)
class Column:
    width: float
    size: float


def _is_token(values: Sequence[str]) -> bool:
    """Numbers, codes and dates: ASCII without spaces, printed unbroken."""
    return all(v.isascii() and " " not in v for v in values)


def _widest(measure: Measure, values: Sequence[str], size: float) -> float:
    # Rank by a cheap estimate (CJK counts twice ASCII), measure the top few.
    top = nlargest(
        12, set(values), key=lambda v: len(v) + len(v.encode(errors="replace"))
    )
    return max(
        (measure.width(line, size) for v in top for line in v.split("\n")),
        default=0.0,
    )


def plan_columns(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    width: float,
    size: float,
    measure: Measure,
) -> list[Column]:
    """Column widths filling ``width``; code-like columns are kept unbroken.

    Code-like columns (acceptance numbers, ID numbers, dates) get their text's
    width, in a smaller font (down to MIN_TOKEN_SIZE) while the table would
    not fit; text columns share the rest by their widest text and wrap.
    """
    count = len(header)
    values = [[row[i] for row in rows] for i in range(count)]
    tokens = [_is_token(v) for v in values]
    heads = [measure.width(h, size) for h in header]
    widest = [_widest(measure, v, size) for v in values]
    natural = [
        min(max(heads[i], widest[i]) + 2 * H_PAD, MAX_COLUMN) for i in range(count)
    ]
    # Below this a column would rather not go: short texts (a status, a name,
    # a header of up to six characters) stay on one line while there is room.
    floor = [min(natural[i], 6 * size + 2 * H_PAD) for i in range(count)]
    sizes = [size] * count
    # Only long codes (an acceptance number has 23 digits) get a smaller font.
    shrink = [tokens[i] and widest[i] > 8 * size for i in range(count)]
    token_size = size
    while sum(natural) > width and token_size > MIN_TOKEN_SIZE and any(shrink):
        token_size = max(MIN_TOKEN_SIZE, token_size - 0.5)
        for i in range(count):
            if shrink[i]:
                sizes[i] = token_size
                body = widest[i] * token_size / size + 2 * H_PAD
                natural[i] = floor[i] = max(heads[i] + 2 * H_PAD, body)
    fixed = sum(natural[i] for i in range(count) if tokens[i])
    flex = [i for i in range(count) if not tokens[i]]
    room = width - fixed
    widths = list(natural)
    flex_natural = sum(natural[i] for i in flex)
    flex_floor = sum(floor[i] for i in flex)
    if flex and flex_natural <= room:
        for i in flex:
            widths[i] += (room - flex_natural) * natural[i] / flex_natural
    elif flex and flex_floor <= room:
        share = (room - flex_floor) / (flex_natural - flex_floor)
        for i in flex:
            widths[i] = floor[i] + (natural[i] - floor[i]) * share
    else:
        # Only codes, or too many columns for the page: all columns scale
        # together (codes then wrap only when the page is too narrow).
        scale = width / sum(natural)
        widths = [w * scale for w in natural]
    return [Column(w, s) for w, s in zip(widths, sizes, strict=True)]


class Grid:
    """The measured table: every row's lines and height, and its drawing."""

    def __init__(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        width: float,
        size: float,
    ) -> None:
        self.measure = Measure()
        self.size = size
        self.leading = size * LINE_SPACING
        self.columns = plan_columns(header, rows, width, size, self.measure)
        self.width = sum(c.width for c in self.columns)
        face = getFont(BODY).face
        # Baseline below a line's top, the glyph box centred in the leading.
        self._baseline = (self.leading - size) / 2 + size * face.ascent / (
            face.ascent - face.descent
        )
        self._max_lines = int((MAX_ROW_HEIGHT - 2 * V_PAD) // self.leading)
        self.header = self._cells(header, heading=True)
        self.header_height = self._height(self.header)
        self.rows = [self._cells(row) for row in rows]
        heights = [self._height(cells) for cells in self.rows]
        self.offsets = [0.0, *accumulate(heights)]

    def _cells(self, texts: Sequence[str], *, heading: bool = False) -> list[list[str]]:
        out = []
        for text, column in zip(texts, self.columns, strict=True):
            size = self.size if heading else column.size
            room = column.width - 2 * H_PAD
            if "\n" not in text and self.measure.width(text, size) <= room:
                out.append([text])
                continue
            lines = self.measure.wrap(text, room, size)
            if len(lines) > self._max_lines:
                lines = lines[: self._max_lines]
                lines[-1] = lines[-1][:-1] + ELLIPSIS
            out.append(lines)
        return out

    def _height(self, cells: list[list[str]]) -> float:
        return max(len(lines) for lines in cells) * self.leading + 2 * V_PAD

    def height(self, start: int, end: int) -> float:
        return self.header_height + self.offsets[end] - self.offsets[start]

    def fits(self, start: int, end: int, height: float) -> int:
        """The end of the longest run of rows from ``start`` within ``height``."""
        limit = self.offsets[start] + height - self.header_height - 0.01
        return min(end, bisect_right(self.offsets, limit, lo=start) - 1)

    def draw(self, canv: Any, start: int, end: int, top: float) -> None:
        canv.saveState()
        canv.setFillColor(HEAD_FILL)
        canv.rect(0, top - self.header_height, self.width, self.header_height, 0, 1)
        canv.setFillColor(colors.black)
        text = canv.beginText()
        state: list[Any] = [None]
        self._draw_row(text, state, self.header, top, self.header_height, center=True)
        y = top - self.header_height
        edges = [top, y]
        for r in range(start, end):
            h = self.offsets[r + 1] - self.offsets[r]
            self._draw_row(text, state, self.rows[r], y, h, center=False)
            y -= h
            edges.append(y)
        canv.drawText(text)
        path = canv.beginPath()
        for e in edges:
            path.moveTo(0, e)
            path.lineTo(self.width, e)
        for x in accumulate((c.width for c in self.columns), initial=0.0):
            path.moveTo(x, top)
            path.lineTo(x, y)
        canv.setStrokeColor(GRID)
        canv.setLineWidth(0.5)
        canv.drawPath(path, stroke=1, fill=0)
        canv.restoreState()

    def _draw_row(
        self,
        text: Any,
        state: list[Any],
        cells: list[list[str]],
        top: float,
        height: float,
        *,
        center: bool,
    ) -> None:
        x = 0.0
        for lines, column in zip(cells, self.columns, strict=True):
            size = self.size if center else column.size
            block = len(lines) * self.leading
            y = top - (height - block) / 2 - self._baseline
            for line in lines:
                if line:
                    left = x + H_PAD
                    if center:
                        left = x + (column.width - self.measure.width(line, size)) / 2
                    text.setTextOrigin(left, y)
                    for name, run in self.measure.runs(line):
                        if state[0] != (name, size):
                            text.setFont(name, size, self.leading)
                            state[0] = (name, size)
                        text.textOut(run)
                y -= self.leading
            x += column.width


class GridSlice(Flowable):  # type: ignore[misc]
    """Rows ``start:end`` of a Grid; splits at page breaks with the header
    row repeated on every page."""

    def __init__(self, grid: Grid, start: int, end: int) -> None:
        super().__init__()
        self._grid = grid
        self._start = start
        self._end = end
        self.hAlign = "LEFT"

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        self.width = self._grid.width
        self.height = self._grid.height(self._start, self._end)
        return self.width, self.height

    def split(self, avail_w: float, avail_h: float) -> list[Flowable]:
        cut = self._grid.fits(self._start, self._end, avail_h)
        if cut <= self._start:
            return []  # not even one row here: the frame moves on
        return [
            GridSlice(self._grid, self._start, cut),
            GridSlice(self._grid, cut, self._end),
        ]

    def draw(self) -> None:
        self._grid.draw(self.canv, self._start, self._end, self.height)
