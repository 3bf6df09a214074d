"""The legal checklist: what each printed document must carry, and why.

A reference for developers and reviewers, not printed: the labels stay in
Chinese, the language of the rules they cite.

One row per element with the rule it comes from (see DOMAIN.md §1–3). The
test ``tests/test_legal_documents.py`` renders every document from real
service calls and checks each element here against the stored record; an
element added here without a check there fails that test.
"""

from __future__ import annotations

from dataclasses import dataclass

ART32 = "《行政许可法》第三十二条"
ART32_4 = "《行政许可法》第三十二条第一款第（四）项"
ART38 = "《行政许可法》第三十八条、《行政复议法》第二十条、《行政诉讼法》第四十六条"
ART42 = "《行政许可法》第四十二条、第八十二条"
ART44 = "《行政许可法》第四十四条"
GUOBAN_42 = "国办发〔2020〕42号"
GUOBAN_51 = "国办发〔2019〕51号"
CENTRE_RULES = "政务服务中心窗口工作规范（收件、一次性告知、首问负责）"


@dataclass(frozen=True)
class Element:
    key: str
    label: str
    basis: str


@dataclass(frozen=True)
class DocumentRule:
    kind: str
    title: str
    basis: str
    elements: tuple[Element, ...]


def _e(key: str, label: str, basis: str) -> Element:
    return Element(key, label, basis)


SEAL = _e("seal", "受理机关名称、受理专用章和日期", ART32)
CONTACT = _e("contact", "经办人及联系电话、监督投诉电话", CENTRE_RULES)
APPLICANT = _e("applicant", "申请人（单位写明单位名称）和证件号码（脱敏）", ART32)
NUMBER = _e("number", "办件编号", CENTRE_RULES)

LEGAL_CHECKLIST: dict[str, DocumentRule] = {
    r.kind: r
    for r in (
        DocumentRule(
            "receipt",
            "受理回执（受理通知书）",
            ART32,
            (
                NUMBER,
                APPLICANT,
                _e("agent", "代理人（由代理人办理时）", CENTRE_RULES),
                _e("accepted_on", "受理日期（等于记录的受理日期）", ART32),
                _e("due", "承诺时限和办结日期（等于记录的办结期限）", ART42),
                _e("materials", "已接收材料及种数、份数（只计实收材料）", ART32),
                _e("promise", "容缺或告知承诺受理时写明承诺事项", GUOBAN_42),
                _e("collect", "领取结果的地点、时间和邮寄送达方式", ART44),
                _e("query", "查询方式；二维码只用站点设置的有效链接", CENTRE_RULES),
                SEAL,
                CONTACT,
            ),
        ),
        DocumentRule(
            "materials_receipt",
            "材料接收凭证",
            CENTRE_RULES,
            (
                NUMBER,
                _e("received_at", "接收时间（等于记录时间）", CENTRE_RULES),
                _e("materials", "每种实收材料的名称、原件/复印件份数", CENTRE_RULES),
                _e("signature", "递交人签字栏", CENTRE_RULES),
                CONTACT,
            ),
        ),
        DocumentRule(
            "notice",
            "一次性告知书（补正材料通知书）",
            ART32_4,
            (
                NUMBER,
                APPLICANT,
                _e("basis", "依据：行政许可法第三十二条第一款第（四）项", ART32_4),
                _e("missing", "全部需补正材料，每项的问题和补正要求", ART32_4),
                _e("form", "每项材料要求的形式（原件/复印件、份数）", ART32_4),
                _e("deadline", "补正期限（等于记录的期限）和提交地点", ART32_4),
                _e("lapse", "逾期不补正的后果", ART32_4),
                _e("reset", "受理日期以补正材料全部送达之日为准", ART32_4),
                SEAL,
                _e("signature", "申请人签收栏", ART32_4),
            ),
        ),
        DocumentRule(
            "rejection",
            "不予受理决定书",
            ART32,
            (
                NUMBER,
                APPLICANT,
                _e("reason", "不予受理的理由", ART38),
                _e(
                    "basis",
                    "依据：行政许可法第三十二条第一款（与理由对应的项）",
                    ART32,
                ),
                _e("competent", "不属于本机关职权范围的，写明有权机关", ART32),
                _e("review", "六十日内申请行政复议的权利和复议机关", ART38),
                _e("lawsuit", "六个月内提起行政诉讼的权利和法院", ART38),
                SEAL,
            ),
        ),
        DocumentRule(
            "deferred",
            "容缺受理通知书",
            CENTRE_RULES,
            (
                NUMBER,
                APPLICANT,
                _e("missing", "容缺材料及补交要求", CENTRE_RULES),
                _e("deadline", "承诺补交日期（等于记录的日期）", CENTRE_RULES),
                _e("consequence", "逾期不补交的后果", CENTRE_RULES),
                SEAL,
                _e("signature", "申请人（承诺人）签字栏", CENTRE_RULES),
            ),
        ),
        DocumentRule(
            "commitment",
            "告知承诺书",
            GUOBAN_42,
            (
                NUMBER,
                APPLICANT,
                _e("basis", "依据：国办发〔2020〕42号", GUOBAN_42),
                _e("conditions", "行政机关书面告知的许可条件", GUOBAN_42),
                _e("waived", "以承诺代替、不再索要的证明材料", GUOBAN_42),
                _e("check", "事后核查", GUOBAN_42),
                _e(
                    "liability",
                    "虚假承诺的责任：终止办理、撤销决定、记入信用记录",
                    GUOBAN_42,
                ),
                _e("signature", "申请人承诺和签字栏", GUOBAN_42),
                SEAL,
            ),
        ),
        DocumentRule(
            "delivery",
            "送达回证",
            ART44,
            (
                NUMBER,
                _e("document", "送达文书名称和编号（不是办件编号）", ART44),
                _e("method", "送达方式（窗口领取、邮寄和运单号）", ART44),
                _e("receiver", "签收人，代理人签收的写明代理人", ART44),
                _e("date", "送达日期和盖章日期（等于记录的出件日期）", ART44),
                _e("deliverer", "送达人", ART44),
                SEAL,
            ),
        ),
        DocumentRule(
            "checklist",
            "一次性告知单（办事指南）",
            CENTRE_RULES,
            (
                _e("materials", "按申请人情形列明的全部材料", CENTRE_RULES),
                _e("promise", "告知承诺代替的材料不列为必交", GUOBAN_42),
                _e("limits", "收费、法定和承诺时限、地点和时间", ART42),
                _e("qr", "二维码只用站点设置的有效链接", CENTRE_RULES),
                CONTACT,
            ),
        ),
        DocumentRule(
            "daily_log",
            "业务日志",
            GUOBAN_51,
            (
                _e("rows", "每个办件一行，含代理/帮办", CENTRE_RULES),
                _e("overdue", "超期标记（与办件列表同一规则）", ART42),
                _e("ratings", "差评数和回访情况", GUOBAN_51),
                _e("totals", "合计各项完整显示", CENTRE_RULES),
                _e("sign_off", "制表人和审核人签字栏", CENTRE_RULES),
            ),
        ),
    )
}
