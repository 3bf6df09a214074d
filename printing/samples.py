"""Realistic sample data for every document (review script, tests, bench)."""

from __future__ import annotations

from datetime import date, datetime

from printing.model import (
    ChecklistData,
    ChecklistMaterial,
    CommitmentData,
    DailyLogData,
    DefectLine,
    DeferredData,
    DeferredKind,
    DeliveryData,
    Letterhead,
    MaterialLine,
    MaterialsReceiptData,
    NoticeData,
    ReceiptData,
    RejectionData,
)

RARE_NAME = "吉𠮷"
APPLICANT = "王𠮷䶮"
AGENT = "李堃"


def letterhead() -> Letterhead:
    return Letterhead(
        center_name="南京市玄武区政务服务中心",
        window_name="综合受理 3 号窗口",
        clerk_name="陈堃",
        clerk_contact="025-8456 1203",
        supervision_phone="12345",
        address="南京市玄武区北京东路 41 号 政务服务中心一楼",
        printed_at=datetime(2026, 11, 23, 9, 41),
    )


def materials(count: int = 5) -> list[MaterialLine]:
    base = [
        MaterialLine("营业执照申请书", 1, 0, "已核验", ""),
        MaterialLine("法定代表人身份证", 1, 1, "已核验", "原件核验后退还"),
        MaterialLine("公司章程", 1, 0, "已接收", "全体股东签字"),
        MaterialLine("住所使用证明", 0, 1, "容缺", "承诺 5 个工作日内补交"),
        MaterialLine("股东会决议", 1, 0, "已接收", ""),
    ]
    out = base[:count]
    for i in range(len(out), count):
        out.append(
            MaterialLine(f"补充材料第 {i + 1} 项（{APPLICANT}）", 1, 2, "已接收", "")
        )
    return out


def receipt(**overrides: object) -> ReceiptData:
    values: dict[str, object] = {
        "letterhead": letterhead(),
        "acceptance_no": "XW20261123-0042",
        "item_name": "有限责任公司设立登记",
        "item_code": "320102-SL-0042",
        "department": "南京市玄武区市场监督管理局",
        "applicant_name": APPLICANT,
        "applicant_id_masked": "320102********1234",
        "agent_name": AGENT,
        "accepted_on": date(2026, 11, 23),
        "promised_days": 3,
        "due_date": date(2026, 11, 26),
        "due_provisional": True,
        "materials": materials(),
        "status_url": "https://zwfw.example.gov.cn/query",
        "fee": "不收费",
        "status_phone": "025-8456 1200",
    }
    values.update(overrides)
    return ReceiptData(**values)  # type: ignore[arg-type]


def checklist(**overrides: object) -> ChecklistData:
    values: dict[str, object] = {
        "letterhead": letterhead(),
        "item_name": "有限责任公司设立登记",
        "item_code": "320102-SL-0042",
        "department": "南京市玄武区市场监督管理局",
        "consulted_on": date(2026, 11, 23),
        "answers": [
            ("申请人类型", "自然人股东 2 名"),
            ("是否委托代理", "是，代理人 " + AGENT),
            ("经营场所", "租赁（非住宅）"),
        ],
        "materials": [
            ChecklistMaterial(
                "公司登记（备案）申请书", 1, 0, "窗口领取或网上下载", "全体股东签字"
            ),
            ChecklistMaterial("公司章程", 1, 0, "申请人自备", "可使用示范文本"),
            ChecklistMaterial("股东身份证明", 1, 1, "公安机关", "原件核验后退还"),
            ChecklistMaterial("住所使用证明（租赁合同及产权证明）", 0, 1, "出租方", ""),
            ChecklistMaterial(
                "授权委托书", 1, 0, "申请人自备", "委托代理时提供", False
            ),
        ],
        "fee": "不收费",
        "legal_days": 15,
        "promised_days": 3,
        "address": "南京市玄武区北京东路 41 号 政务服务中心一楼 A 区",
        "hours": "工作日 9:00–12:00，13:30–17:00（周六上午延时服务）",
        "guide_url": "https://zwfw.example.gov.cn/guide/320102-SL-0042",
        "applicant_name": APPLICANT,
        "consult_no": "ZX20261123-0107",
        "notes": ["复印件请使用 A4 纸，并由申请人签字确认与原件一致。"],
    }
    values.update(overrides)
    return ChecklistData(**values)  # type: ignore[arg-type]


def notice(**overrides: object) -> NoticeData:
    values: dict[str, object] = {
        "letterhead": letterhead(),
        "notice_no": "XW告〔2026〕0318 号",
        "item_name": "食品经营许可（新办）",
        "applicant_name": APPLICANT,
        "applicant_id_masked": "320102********1234",
        "submitted_on": date(2026, 11, 23),
        "missing": [
            DefectLine("食品安全管理制度", "未提交", "按示范文本制定并加盖公章后提交"),
            DefectLine(
                "经营场所平面图",
                "未标注功能区面积",
                "标注各功能区面积和设备布局后重新提交",
            ),
            DefectLine(
                "法定代表人身份证复印件", "复印件不清晰", "重新复印并签字确认与原件一致"
            ),
        ],
        "bring_by": date(2026, 12, 7),
        "where": "南京市玄武区政务服务中心一楼综合受理 3 号窗口",
        "issued_on": date(2026, 11, 23),
        "application_no": "SQ20261123-0077",
    }
    values.update(overrides)
    return NoticeData(**values)  # type: ignore[arg-type]


def rejection(**overrides: object) -> RejectionData:
    values: dict[str, object] = {
        "letterhead": letterhead(),
        "decision_no": "XW不受〔2026〕0012 号",
        "item_name": "建设工程规划许可",
        "applicant_name": APPLICANT,
        "applicant_id_masked": "320102********1234",
        "submitted_on": date(2026, 11, 23),
        "reason": "该申请事项不属于本机关职权范围。",
        "legal_basis": "《中华人民共和国行政许可法》第三十二条第一款第（二）项",
        "review_organ": "南京市玄武区人民政府",
        "court": "南京铁路运输法院",
        "decided_on": date(2026, 11, 23),
        "competent_organ": "南京市规划和自然资源局",
        "organ_name": "南京市玄武区政务服务中心",
    }
    values.update(overrides)
    return RejectionData(**values)  # type: ignore[arg-type]


def materials_receipt(**overrides: object) -> MaterialsReceiptData:
    values: dict[str, object] = {
        "letterhead": letterhead(),
        "receipt_no": "XW收20261123-0210",
        "item_name": "有限责任公司设立登记",
        "applicant_name": APPLICANT,
        "applicant_id_masked": "320102********1234",
        "received_at": datetime(2026, 11, 23, 9, 35),
        "materials": materials(),
        "note": "材料接收不代表受理，审查结果将另行告知。",
    }
    values.update(overrides)
    return MaterialsReceiptData(**values)  # type: ignore[arg-type]


def deferred(**overrides: object) -> DeferredData:
    values: dict[str, object] = {
        "letterhead": letterhead(),
        "notice_no": "XW容〔2026〕0056 号",
        "acceptance_no": "XW20261123-0042",
        "item_name": "有限责任公司设立登记",
        "applicant_name": APPLICANT,
        "applicant_id_masked": "320102********1234",
        "accepted_on": date(2026, 11, 23),
        "deferred": [
            DefectLine("住所使用证明", "产权证明尚在办理", "取得后提交复印件一份"),
        ],
        "promise_date": date(2026, 11, 30),
        "consequence": (
            "逾期未补齐的，本机关将终止办理并依法撤销已作出的决定，"
            "相关失信行为记入信用记录。"
        ),
        "kind": DeferredKind.DEFERRED,
    }
    values.update(overrides)
    return DeferredData(**values)  # type: ignore[arg-type]


def commitment(**overrides: object) -> CommitmentData:
    values: dict[str, object] = {
        "letterhead": letterhead(),
        "notice_no": "XW20261123-0043",
        "acceptance_no": "XW20261123-0043",
        "item_name": "公共场所卫生许可",
        "department": "区卫生健康局",
        "applicant_name": APPLICANT,
        "applicant_id_masked": "320102********1234",
        "accepted_on": date(2026, 11, 23),
        "conditions": [
            "符合《公共场所卫生管理条例》第八条规定的“公共场所卫生许可”许可条件。",
            "具备“公共场所卫生检测或评价报告”所证明的条件，该证明真实、有效。",
        ],
        "waived": ["公共场所卫生检测或评价报告"],
        "legal_basis": "《国务院办公厅关于全面推行证明事项告知承诺制的指导意见》"
        "（国办发〔2020〕42号）",
        "check_text": "区卫生健康局将在作出决定后核查承诺内容。",
        "liability": [
            "经核查承诺不实的，终止办理。",
            "已作出许可决定的，依法撤销该决定。",
            "虚假承诺的情况记入申请人信用记录。",
        ],
        "agent_name": AGENT,
    }
    values.update(overrides)
    return CommitmentData(**values)  # type: ignore[arg-type]


def delivery(**overrides: object) -> DeliveryData:
    values: dict[str, object] = {
        "letterhead": letterhead(),
        "acceptance_no": "XW20261123-0042",
        "item_name": "有限责任公司设立登记",
        "applicant_name": APPLICANT,
        "result_name": "营业执照（正本、副本）",
        "result_number": "91320102MA2X7K9Q3N",
        "method": "窗口领取（直接送达）",
        "receiver_name": AGENT,
        "receiver_role": "代理人",
        "receiver_id_masked": "320104********5678",
        "delivered_on": date(2026, 11, 26),
        "deliverer": "陈堃",
        "note": "",
    }
    values.update(overrides)
    return DeliveryData(**values)  # type: ignore[arg-type]


def daily_log(rows: int = 30, **overrides: object) -> DailyLogData:
    names = [APPLICANT, AGENT, "张三", "赵𠮷", "欧阳䶮"]
    data_rows = [
        [
            f"XW20261123-{i:04d}",
            f"09:{i % 60:02d}",
            names[i % len(names)],
            "有限责任公司设立登记" if i % 2 else "食品经营许可（新办）",
            ["受理", "一次性告知", "不予受理", "办结"][i % 4],
            "陈堃",
            "2026-11-26" if i % 4 == 0 else "",
        ]
        for i in range(1, rows + 1)
    ]
    values: dict[str, object] = {
        "letterhead": letterhead(),
        "title": "受理登记日志",
        "period": "2026年11月23日",
        "columns": ["受理编号", "时间", "申请人", "事项", "结果", "经办人", "承诺日期"],
        "rows": data_rows,
        "totals": [
            ("受理", str((rows + 3) // 4)),
            ("一次性告知", str((rows + 2) // 4)),
            ("合计", str(rows)),
        ],
        "filters_text": "窗口：综合受理 3 号窗口；经办人：全部",
    }
    values.update(overrides)
    return DailyLogData(**values)  # type: ignore[arg-type]
