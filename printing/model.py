"""Plain data the documents are printed from (no database, no Qt)."""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from counter_app.i18n import N_, _


class Paper(enum.Enum):
    A4 = "a4"
    ROLL_80 = "roll80"


class MissingField(ValueError):
    """Required data is empty; raised before anything is drawn."""

    def __init__(self, label: str) -> None:
        self.field = label
        super().__init__(_("缺少必填项：{field}。请补全后再打印。").format(field=label))


class TooLong(ValueError):
    """A value too long for the paper; raised instead of a broken layout."""

    def __init__(self, label: str) -> None:
        self.field = label
        super().__init__(
            _("“{field}”内容过长，一页印不下。请缩短后再打印。").format(field=label)
        )


class UnsupportedPaper(ValueError):
    def __init__(self, document: str, paper: Paper) -> None:
        self.document = document
        self.paper = paper
        super().__init__(
            _("{document}不能打印在{paper}纸上，请改用 A4。").format(
                document=document, paper=paper_label(paper)
            )
        )


_PAPER_LABELS = {Paper.A4: N_("A4"), Paper.ROLL_80: N_("80 毫米卷")}


def paper_label(paper: Paper) -> str:
    return _(_PAPER_LABELS[paper])


def require(**labelled: tuple[str, object]) -> None:
    """Raise MissingField for the first empty value; keys are for readability.

    ``require(acceptance_no=(_("受理编号"), data.acceptance_no))``
    """
    for label, value in labelled.values():
        if value is None:
            raise MissingField(label)
        if isinstance(value, str) and not value.strip():
            raise MissingField(label)
        if isinstance(value, (list, tuple)) and not value:
            raise MissingField(label)


_ID_RE = re.compile(r"^[0-9]{15}$|^[0-9]{17}[0-9Xx]$")


def mask_id(number: str) -> str:
    """Mask a full resident ID (keep 6 + 4); anything else is returned as is.

    Input meant to be masked already; this guards against a full number
    reaching paper by mistake.
    """
    raw = number.strip()
    if _ID_RE.match(raw):
        return raw[:6] + "*" * (len(raw) - 10) + raw[-4:]
    return raw


@dataclass(frozen=True)
class Letterhead:
    center_name: str
    window_name: str
    clerk_name: str
    clerk_contact: str
    supervision_phone: str
    address: str
    printed_at: datetime
    # Who signs the document in the header line: 经办人 at the window,
    # 制表人 for a supervisor's log.
    clerk_role: str = N_("经办人")

    @property
    def organ(self) -> str:
        """The accepting organ named at every seal: the center."""
        return self.center_name


@dataclass(frozen=True)
class MaterialLine:
    name: str
    originals: int
    copies: int
    state_label: str = ""
    note: str = ""


@dataclass(frozen=True)
class DefectLine:
    name: str
    problem: str
    fix: str
    # The required form, e.g. "原件 1 份、复印件 1 份".
    form: str = ""


@dataclass(frozen=True)
class ReceiptData:
    letterhead: Letterhead
    acceptance_no: str
    item_name: str
    item_code: str
    department: str
    applicant_name: str
    applicant_id_masked: str
    agent_name: str | None
    accepted_on: date
    promised_days: int
    due_date: date
    due_provisional: bool
    materials: Sequence[MaterialLine]
    status_url: str
    fee: str
    status_phone: str = ""
    # Where and when the result is collected (window hours, EMS).
    collect: str = ""
    # 容缺/告知承诺: what was accepted on a promise, one line each.
    promise_lines: Sequence[str] = field(default_factory=tuple)
    decision_label: str = ""
    # The applicant's signature captured at the window (PNG), if any.
    signature_png: bytes = b""


@dataclass(frozen=True)
class ChecklistMaterial:
    name: str
    originals: int
    copies: int
    source: str
    note: str = ""
    required: bool = True
    # Covered by the applicant's 告知承诺: not to be brought.
    by_promise: bool = False


@dataclass(frozen=True)
class ChecklistData:
    letterhead: Letterhead
    item_name: str
    item_code: str
    department: str
    consulted_on: date
    answers: Sequence[tuple[str, str]]
    materials: Sequence[ChecklistMaterial]
    fee: str
    legal_days: int
    promised_days: int
    address: str
    hours: str
    guide_url: str
    applicant_name: str = ""
    consult_no: str = ""
    notes: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True)
class NoticeData:
    letterhead: Letterhead
    notice_no: str
    item_name: str
    applicant_name: str
    applicant_id_masked: str
    submitted_on: date
    missing: Sequence[DefectLine]
    bring_by: date
    where: str
    issued_on: date
    application_no: str = ""
    legal_basis: str = N_("《中华人民共和国行政许可法》第三十二条第一款第（四）项")
    signature_png: bytes = b""


@dataclass(frozen=True)
class RejectionData:
    letterhead: Letterhead
    decision_no: str
    item_name: str
    applicant_name: str
    applicant_id_masked: str
    submitted_on: date
    reason: str
    legal_basis: str
    review_organ: str
    court: str
    decided_on: date
    competent_organ: str | None = None
    # The accepting organ that decides and seals (the center), not the
    # department the item belongs to.
    organ_name: str = ""


@dataclass(frozen=True)
class MaterialsReceiptData:
    letterhead: Letterhead
    receipt_no: str
    item_name: str
    applicant_name: str
    applicant_id_masked: str
    received_at: datetime
    materials: Sequence[MaterialLine]
    note: str = ""


class DeferredKind(enum.Enum):
    # 告知承诺 has its own document (CommitmentData), not a relabelled notice.
    DEFERRED = "deferred"  # 容缺受理


@dataclass(frozen=True)
class DeferredData:
    letterhead: Letterhead
    notice_no: str
    acceptance_no: str
    item_name: str
    applicant_name: str
    applicant_id_masked: str
    accepted_on: date
    deferred: Sequence[DefectLine]
    promise_date: date
    consequence: str
    kind: DeferredKind = DeferredKind.DEFERRED


@dataclass(frozen=True)
class CommitmentData:
    """告知承诺书 (国办发〔2020〕42号): the organ states the conditions and the
    proof it no longer asks for; the applicant promises; a false promise has
    stated consequences."""

    letterhead: Letterhead
    notice_no: str
    acceptance_no: str
    item_name: str
    department: str
    applicant_name: str
    applicant_id_masked: str
    accepted_on: date
    conditions: Sequence[str]
    waived: Sequence[str]
    legal_basis: str
    check_text: str
    liability: Sequence[str]
    agent_name: str = ""
    signature_png: bytes = b""


@dataclass(frozen=True)
class DeliveryData:
    letterhead: Letterhead
    acceptance_no: str
    item_name: str
    applicant_name: str
    result_name: str
    result_number: str
    method: str
    receiver_name: str
    receiver_id_masked: str
    delivered_on: date
    deliverer: str
    note: str = ""
    receiver_role: str = ""  # 申请人本人 / 代理人（关系）
    signature_png: bytes = b""


@dataclass(frozen=True)
class DailyLogData:
    letterhead: Letterhead
    title: str
    period: str
    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    totals: Sequence[tuple[str, str]]
    filters_text: str = ""
    # 制表/审核 sign-off under the totals.
    sign_off: Sequence[str] = field(default_factory=tuple)
