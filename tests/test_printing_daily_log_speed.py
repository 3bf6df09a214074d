"""A busy day's log (2,000 rows) and the log table's layout rules.

Timing lives in bench/bench_daily_log_pdf.py; these tests check what a fast
layout must still get right: every row once and in order, the header row and
page numbers on every page, rare characters, codes unbroken, margins.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace

from pypdf import PdfReader
from reportlab.lib.units import mm

from printing import DOCUMENTS, samples
from printing.documents.daily_log import columns
from printing.documents.log_grid import ELLIPSIS, Measure
from printing.model import DailyLogData
from tests.printing_fixtures import pdf_fonts, pdf_text, pdf_words, squeeze

HEAD = "南京市玄武区政务服务中心"
COLUMNS = [
    "序号",
    "时间",
    "受理编号",
    "事项",
    "申请人",
    "证件号码",
    "决定",
    "材料",
    "办结期限",
    "状态",
    "评价",
    "窗口/经办人",
]
NAMES = ["王𠮷", "欧阳䶮", "张堃", "李秀英", "赵子墨"]
ITEMS = ["有限责任公司设立登记", "不动产登记（首次登记、转移登记、变更登记）"]
NUMBER = re.compile(r"3201020010\d{13}")
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"')


def acceptance_no(n: int) -> str:
    return f"320102001{n % 8 + 1:02d}20261123{n:04d}"


def busy_day(count: int) -> DailyLogData:
    rows = [
        [
            str(n),
            f"{9 + n % 8:02d}:{n % 60:02d}",
            acceptance_no(n),
            ITEMS[n % 2],
            NAMES[n % len(NAMES)],
            f"320102********{n % 1000:03d}X",
            "受理",
            "4",
            "2026-12-05（预计）" if n % 7 == 0 else "2026-12-05",
            "已受理",
            "5" if n % 5 == 0 else "",
            f"{n % 8 + 1:02d}/陈堃",
        ]
        for n in range(1, count + 1)
    ]
    return replace(
        samples.daily_log(rows=0),
        title="业务日志",
        columns=COLUMNS,
        rows=rows,
        totals=[("合计", str(count))],
    )


def test_two_thousand_rows_paginate_with_header_and_rare_characters() -> None:
    data = busy_day(2000)
    pdf = DOCUMENTS["daily_log"](data)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    texts = pdf_text(pdf).split("\f")[:pages]
    assert len(texts) == pages
    seen: list[str] = []
    per_page: list[int] = []
    for page, text in enumerate(texts, start=1):
        flat = squeeze(text)
        assert HEAD in flat, page
        assert f"第{page}页/共{pages}页" in flat, page
        # The header row repeats, and no acceptance number is broken.
        numbers = NUMBER.findall(text)
        if numbers:
            assert "受理编号" in flat and "窗口/经办人" in flat, page
        seen += numbers
        per_page.append(len(numbers))
    assert seen == [acceptance_no(n) for n in range(1, 2001)]
    # Every row is one line here: full pages hold the same number of rows.
    full = per_page[1:-1]
    assert full and len(set(full)) == 1, per_page
    assert 0 < per_page[-1] <= full[0]
    assert pages == 1 + -(-(2000 - per_page[0]) // full[0])
    last = squeeze(texts[-1])
    assert "合计" in last and "2000" in last
    everything = squeeze("".join(texts))
    for name in NAMES:
        assert everything.count(name) >= 2000 // len(NAMES), name
    fonts = pdf_fonts(pdf)
    assert fonts and all(f.embedded and f.subset for f in fonts), fonts


def test_acceptance_number_column_fits_its_code_at_seven_points_or_more() -> None:
    data = busy_day(30)
    width = 297 * mm - 36 * mm
    planned = columns(data, width, 9.5)
    assert abs(sum(c.width for c in planned) - width) < 0.01
    number = planned[COLUMNS.index("受理编号")]
    assert number.size >= 7
    text_w = Measure().width(acceptance_no(1), number.size)
    assert text_w <= number.width - 6
    # Short columns keep their texts on one line.
    for name, text in (("状态", "已受理"), ("窗口/经办人", "01/陈堃")):
        column = planned[COLUMNS.index(name)]
        assert Measure().width(text, column.size) <= column.width - 6, name


def test_long_and_multiline_cells_wrap_inside_the_margins() -> None:
    data = busy_day(6)
    rows = [list(r) for r in data.rows]
    rows[0][3] = "跨部门联办事项（含𠮷䶮）" * 20
    rows[1][4] = "第一行\n第二行"
    rows[2][3] = "Cross-department joint service " * 12
    pdf = DOCUMENTS["daily_log"](replace(data, rows=rows))
    raw = squeeze(pdf_text(pdf, mode="-raw"))
    assert squeeze(rows[0][3]) in raw
    assert "第一行第二行" in raw
    assert squeeze(rows[2][3]) in raw
    page_w = 297 * mm
    boxes = [(float(a), float(b)) for a, b in WORD.findall(pdf_words(pdf))]
    assert boxes
    for x0, x1 in boxes:
        assert x0 >= 18 * mm - 1 and x1 <= page_w - 18 * mm + 1, (x0, x1)


def test_a_cell_taller_than_a_page_is_cut_not_fatal() -> None:
    data = busy_day(3)
    rows = [list(r) for r in data.rows]
    rows[1][3] = "超长事项说明" * 400
    pdf = DOCUMENTS["daily_log"](replace(data, rows=rows))
    flat = squeeze(pdf_text(pdf))
    assert ELLIPSIS in flat
    for n in (1, 2, 3):
        assert acceptance_no(n) in flat
