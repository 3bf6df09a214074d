"""Every document renders with Chinese content, embedded fonts, key fields."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime

import pytest

from printing import DOCUMENTS, MissingField, Paper, UnsupportedPaper, samples
from printing.model import MaterialLine
from tests.printing_fixtures import pdf_fonts, pdf_pages, pdf_text, squeeze

RARE = ("𠮷", "䶮", "堃")
HEAD = "南京市玄武区政务服务中心"

# kind -> (sample factory, fields that must be on the paper)
CASES: dict[str, tuple[Callable[[], object], tuple[str, ...]]] = {
    "receipt": (
        samples.receipt,
        (
            "受理回执",
            "XW20261123-0042",
            "有限责任公司设立登记",
            "320102********1234",
            "3 个工作日",
            "2026年11月26日",
            "预计",
            "【南京市玄武区政务服务中心受理专用章】",
            "12345",
            "https://zwfw.example.gov.cn/query",
            "营业执照申请书",
            "经办人：陈堃",
        ),
    ),
    "checklist": (
        samples.checklist,
        (
            "一次性告知单",
            "公司章程",
            "窗口领取或网上下载",
            "15 个工作日",
            "3 个工作日",
            "工作日 9:00",
            "扫码查看办事指南",
            "北京东路 41 号",
            "租赁（非住宅）",
        ),
    ),
    "notice": (
        samples.notice,
        (
            "一次性告知书",
            "《中华人民共和国行政许可法》第三十二条",
            "食品安全管理制度",
            "未标注功能区面积",
            "重新复印并签字确认与原件一致",
            "2026年12月7日",
            "综合受理 3 号窗口",
            "申请人签收",
            "陈堃",
        ),
    ),
    "rejection": (
        samples.rejection,
        (
            "不予受理决定书",
            "不属于本机关职权范围",
            "南京市规划和自然资源局",
            "六十日内",
            "行政复议",
            "六个月内",
            "行政诉讼",
            "南京铁路运输法院",
            "【南京市玄武区政务服务中心受理专用章】",
        ),
    ),
    "materials_receipt": (
        samples.materials_receipt,
        ("材料接收凭证", "XW收20261123-0210", "公司章程", "递交人签字"),
    ),
    "deferred": (
        samples.deferred,
        ("容缺受理通知书", "2026年11月30日", "住所使用证明", "逾期未补正的后果"),
    ),
    "commitment": (
        samples.commitment,
        (
            "告知承诺书",
            "国办发〔2020〕42号",
            "公共场所卫生检测或评价报告",
            "虚假承诺的法律责任",
            "撤销",
            "信用记录",
            "申请人（承诺人）签字",
            "【南京市玄武区政务服务中心受理专用章】",
        ),
    ),
    "delivery": (
        samples.delivery,
        (
            "送达回证",
            "营业执照（正本、副本）",
            "91320102MA2X7K9Q3N",
            "窗口领取（直接送达）",
            "320104********5678",
            "送达人",
        ),
    ),
    "daily_log": (
        samples.daily_log,
        ("受理登记日志", "2026年11月23日", "受理编号", "合计", "XW20261123-0030"),
    ),
}


def test_registry_has_every_document() -> None:
    assert set(DOCUMENTS) == set(CASES)


@pytest.mark.parametrize("kind", sorted(CASES))
def test_document_renders_fields_and_rare_characters(kind: str) -> None:
    make, fields = CASES[kind]
    pdf = DOCUMENTS[kind](make())
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    flat = squeeze(text)
    for field in (*fields, *RARE, HEAD):
        assert squeeze(field) in flat, f"{kind}: {field!r} missing"
    fonts = pdf_fonts(pdf)
    assert fonts, kind
    assert all(f.embedded and f.subset for f in fonts), fonts


@pytest.mark.parametrize("kind", sorted(CASES))
def test_reprint_mark_with_time(kind: str) -> None:
    make, _fields = CASES[kind]
    pdf = DOCUMENTS[kind](make(), reprint_at=datetime(2026, 11, 24, 10, 5))
    flat = squeeze(pdf_text(pdf))
    assert "补打" in flat
    assert "补打时间：2026年11月24日10:05" in flat
    assert "补打" not in squeeze(pdf_text(DOCUMENTS[kind](make())))


def test_rare_names_extract_exactly_in_order() -> None:
    pdf = DOCUMENTS["receipt"](samples.receipt(applicant_name="欧阳𠮷䶮堃"))
    assert "欧阳𠮷䶮堃" in pdf_text(pdf)


def test_due_date_not_marked_provisional_when_final() -> None:
    final = squeeze(
        pdf_text(DOCUMENTS["receipt"](samples.receipt(due_provisional=False)))
    )
    assert "2026年11月26日前办结" in final
    assert "预计" not in final
    provisional = squeeze(pdf_text(DOCUMENTS["receipt"](samples.receipt())))
    assert "预计2026年11月26日前办结" in provisional
    assert provisional.count("预计") == 1


def test_on_the_spot_items_say_so_instead_of_zero_days() -> None:
    receipt = squeeze(
        pdf_text(
            DOCUMENTS["receipt"](
                samples.receipt(
                    promised_days=0, due_date=date(2026, 11, 23), due_provisional=False
                )
            )
        )
    )
    assert "即办件，2026年11月23日当场办结" in receipt
    assert "0个工作日" not in receipt
    checklist = squeeze(
        pdf_text(DOCUMENTS["checklist"](samples.checklist(promised_days=0)))
    )
    assert "承诺办结时限即办件（当场办结）" in checklist
    assert "0个工作日" not in checklist


def test_full_id_number_is_masked_on_paper() -> None:
    pdf = DOCUMENTS["receipt"](
        samples.receipt(applicant_id_masked="32010219900307123X")
    )
    flat = squeeze(pdf_text(pdf))
    assert "32010219900307123X" not in flat
    assert "320102********123X" in flat


def test_agent_line_only_when_there_is_an_agent() -> None:
    assert "代理人" in squeeze(pdf_text(DOCUMENTS["receipt"](samples.receipt())))
    alone = DOCUMENTS["receipt"](samples.receipt(agent_name=None))
    assert "代理人" not in squeeze(pdf_text(alone))


MISSING: list[tuple[str, Callable[[], object], str]] = [
    ("receipt", lambda: samples.receipt(acceptance_no=""), "受理编号"),
    ("receipt", lambda: samples.receipt(applicant_name="  "), "申请人姓名"),
    ("receipt", lambda: samples.receipt(item_name=""), "事项名称"),
    ("checklist", lambda: samples.checklist(materials=[]), "材料清单"),
    ("notice", lambda: samples.notice(missing=[]), "需补正的材料"),
    ("notice", lambda: samples.notice(where=""), "补正材料提交地点"),
    ("rejection", lambda: samples.rejection(reason=""), "不予受理理由"),
    ("rejection", lambda: samples.rejection(review_organ=""), "行政复议机关"),
    ("materials_receipt", lambda: samples.materials_receipt(receipt_no=""), "凭证编号"),
    ("deferred", lambda: samples.deferred(consequence=""), "逾期未补正的后果"),
    ("delivery", lambda: samples.delivery(receiver_name=""), "受送达人（签收人）"),
    ("daily_log", lambda: samples.daily_log(columns=[]), "表格列"),
]


@pytest.mark.parametrize(("kind", "make", "label"), MISSING)
def test_missing_field_is_named_in_chinese(
    kind: str, make: Callable[[], object], label: str
) -> None:
    with pytest.raises(MissingField) as caught:
        DOCUMENTS[kind](make())
    assert caught.value.field == label
    assert label in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_daily_log_row_of_wrong_width_is_refused() -> None:
    data = samples.daily_log(rows=3)
    broken = [*data.rows[:2], ["只有一列"]]
    with pytest.raises(MissingField, match="第 3 行"):
        DOCUMENTS["daily_log"](dataclasses.replace(data, rows=broken))


@pytest.mark.parametrize(
    "kind", ["checklist", "notice", "rejection", "deferred", "delivery", "daily_log"]
)
def test_a4_only_documents_refuse_the_roll(kind: str) -> None:
    make, _fields = CASES[kind]
    with pytest.raises(UnsupportedPaper):
        DOCUMENTS[kind](make(), paper=Paper.ROLL_80)


def test_materials_state_and_counts_on_receipt() -> None:
    materials = [
        MaterialLine("身份证", 1, 2, "已核验", "原件退还"),
        MaterialLine("申请表", 1, 0, "已接收", ""),
    ]
    pdf = DOCUMENTS["receipt"](samples.receipt(materials=materials))
    flat = squeeze(pdf_text(pdf))
    assert "已接收材料（共2种4份）" in flat
    assert "原件退还" in flat
    assert pdf_pages(pdf) == 1


def test_empty_daily_log_says_so() -> None:
    pdf = DOCUMENTS["daily_log"](samples.daily_log(rows=0, totals=[("合计", "0")]))
    assert "本期间无记录" in squeeze(pdf_text(pdf))


def test_dates_are_rendered_from_data() -> None:
    pdf = DOCUMENTS["notice"](samples.notice(bring_by=date(2027, 1, 8)))
    assert "2027年1月8日" in squeeze(pdf_text(pdf))


def test_receipts_render_concurrently_in_threads() -> None:
    numbers = [f"XW20261123-{i:04d}" for i in range(8)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        pdfs = list(
            pool.map(
                lambda n: DOCUMENTS["receipt"](samples.receipt(acceptance_no=n)),
                numbers,
            )
        )
    for number, pdf in zip(numbers, pdfs, strict=True):
        assert number in squeeze(pdf_text(pdf))
        assert "王𠮷䶮" in squeeze(pdf_text(pdf))


def test_character_no_font_has_still_renders() -> None:
    pdf = DOCUMENTS["receipt"](samples.receipt(applicant_name="张三\U0001f600"))
    assert "张三" in squeeze(pdf_text(pdf))
