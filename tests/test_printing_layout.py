"""Layout: wrapping without overflow, multi-page tables, page numbers, roll."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import datetime

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm

from printing import DOCUMENTS, Paper, samples
from printing.layout import ROLL_MARGIN
from printing.styles import styles_for
from tests.printing_fixtures import pdf_pages, pdf_text, pdf_words, squeeze

HEAD = "南京市玄武区政务服务中心"
LONG_NAME = ("欧阳𠮷䶮堃" * 40)[:200]
WORD_RE = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
)


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    reader = PdfReader(io.BytesIO(pdf))
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]


def assert_inside_page(pdf: bytes, margin: float) -> None:
    """Every word's box lies within the page less ``margin`` on each side."""
    width, height = page_sizes(pdf)[0]
    boxes = [tuple(map(float, m)) for m in WORD_RE.findall(pdf_words(pdf))]
    assert boxes
    for x0, y0, x1, y1 in boxes:
        assert x0 >= margin - 1 and x1 <= width - margin + 1, (x0, x1, width)
        assert y0 >= 0 and y1 <= height, (y0, y1, height)


def test_forty_materials_flow_over_pages_with_header_repeated() -> None:
    data = samples.receipt(materials=samples.materials(40))
    pdf = DOCUMENTS["receipt"](data)
    pages = pdf_pages(pdf)
    assert pages >= 2
    for page in range(1, pages + 1):
        text = squeeze(pdf_text(pdf, page=page))
        assert HEAD in text, page
        assert "窗口：综合受理3号窗口" in text, page
        assert f"第{page}页/共{pages}页" in text, page
    # The table's header row is repeated on the page the table continues on.
    assert "材料名称" in squeeze(pdf_text(pdf, page=2))
    everything = squeeze(pdf_text(pdf))
    for i in range(6, 41):
        assert f"补充材料第{i}项" in everything


def test_two_hundred_character_name_wraps_and_nothing_is_cut() -> None:
    pdf = DOCUMENTS["receipt"](samples.receipt(applicant_name=LONG_NAME))
    raw = squeeze(pdf_text(pdf, mode="-raw"))
    assert LONG_NAME in raw
    assert_inside_page(pdf, margin=18 * mm)


def test_long_name_on_the_roll_wraps_inside_80_mm() -> None:
    pdf = DOCUMENTS["receipt"](
        samples.receipt(applicant_name=LONG_NAME), paper=Paper.ROLL_80
    )
    assert pdf_pages(pdf) == 1
    assert LONG_NAME in squeeze(pdf_text(pdf, mode="-raw"))
    assert_inside_page(pdf, margin=ROLL_MARGIN)


def test_long_center_name_and_address_wrap_in_the_letterhead() -> None:
    long_center = "某某省某某市某某区某某街道" * 8 + "政务服务中心"
    address = "某某省某某市某某区某某路" * 10 + "1号"
    head = samples.letterhead()
    letterhead = replace(head, center_name=long_center, address=address)
    for kind in ("receipt", "notice"):
        make = samples.receipt if kind == "receipt" else samples.notice
        pdf = DOCUMENTS[kind](make(letterhead=letterhead))
        raw = squeeze(pdf_text(pdf, mode="-raw"))
        assert long_center in raw
        assert address in raw
        assert_inside_page(pdf, margin=18 * mm)


def test_roll_receipt_is_80_mm_wide_and_as_tall_as_its_content() -> None:
    short = DOCUMENTS["receipt"](samples.receipt(), paper=Paper.ROLL_80)
    longer = DOCUMENTS["receipt"](
        samples.receipt(materials=samples.materials(40)), paper=Paper.ROLL_80
    )
    for pdf in (short, longer):
        sizes = page_sizes(pdf)
        assert len(sizes) == 1
        assert sizes[0][0] == pytest.approx(80 * mm, abs=0.01)
    assert page_sizes(longer)[0][1] > page_sizes(short)[0][1] + 100
    text = squeeze(pdf_text(short))
    for field in (
        "受理回执",
        "XW20261123-0042",
        "王𠮷䶮",
        "【南京市玄武区政务服务中心受理专用章】",
        "12345",
    ):
        assert field in text
    # The last line is on the page, not cut by the computed height.
    assert "地址：" in squeeze(pdf_text(longer))
    assert "补充材料第40项" in squeeze(pdf_text(longer))


def test_roll_reprint_mark() -> None:
    pdf = DOCUMENTS["materials_receipt"](
        samples.materials_receipt(),
        paper=Paper.ROLL_80,
        reprint_at=datetime(2026, 11, 24, 8, 30),
    )
    assert "补打时间：2026年11月24日08:30" in squeeze(pdf_text(pdf))


def test_roll_fonts_are_at_least_8_points() -> None:
    styles = styles_for(Paper.ROLL_80)
    sizes = [
        getattr(styles, name).fontSize
        for name in styles.__dataclass_fields__
        if name != "base_size"
    ]
    assert min(sizes) >= 8


def test_a4_documents_are_a4_portrait() -> None:
    for kind in ("receipt", "checklist", "notice", "rejection", "delivery"):
        pdf = DOCUMENTS[kind](getattr(samples, kind)())
        width, height = page_sizes(pdf)[0]
        assert (round(width), round(height)) == (595, 842), kind


def test_daily_log_is_landscape_with_numbered_pages_and_totals_last() -> None:
    pdf = DOCUMENTS["daily_log"](samples.daily_log(rows=120))
    width, height = page_sizes(pdf)[0]
    assert width > height
    pages = pdf_pages(pdf)
    assert pages >= 3
    for page in range(1, pages + 1):
        text = squeeze(pdf_text(pdf, page=page))
        assert HEAD in text
        if "XW20261123-" in text:  # a page of the table repeats its header row
            assert "受理编号" in text and "承诺日期" in text
        assert f"第{page}页/共{pages}页" in text
    last = squeeze(pdf_text(pdf, page=pages))
    assert "合计" in last and "120" in last
    assert "XW20261123-0120" in squeeze(pdf_text(pdf))


def test_daily_log_long_cells_wrap_inside_the_page() -> None:
    data = samples.daily_log(rows=5)
    rows = [list(r) for r in data.rows]
    rows[0][3] = "跨部门联办事项" * 30
    pdf = DOCUMENTS["daily_log"](replace(data, rows=rows))
    assert ("跨部门联办事项" * 30) in squeeze(pdf_text(pdf, mode="-raw"))
    assert_inside_page(pdf, margin=18 * mm)
