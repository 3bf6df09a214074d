"""What the clerk enters at intake, and the checks it must pass before a
decision is stored. Plain dataclasses: the UI fills them, the CLI and the demo
seeder too, so every record goes through the same rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from counter_app.domain.catalog import Item, Material
from counter_app.domain.errors import DomainError
from counter_app.domain.identifiers import (
    IdType,
    InvalidIdentifier,
    validate_identifier,
    validate_phone,
)
from counter_app.domain.status import Decision
from counter_app.domain.text import LINE_MAX, NAME_MAX, NOTE_MAX, clean_text
from counter_app.i18n import N_, _, listing


class MaterialState(StrEnum):
    ORIGINAL = "original"  # 原件已收
    COPY = "copy"  # 复印件已收
    E_CERT = "e_cert"  # 电子证照
    REUSED = "reused"  # 免提交：此前已提交或平台已有
    MISSING = "missing"  # 缺
    DEFECTIVE = "defective"  # 有误，需补正
    DEFERRED = "deferred"  # 容缺


MATERIAL_STATE_LABELS: dict[MaterialState, str] = {
    MaterialState.ORIGINAL: N_("已收原件"),
    MaterialState.COPY: N_("已收复印件"),
    MaterialState.E_CERT: N_("电子证照"),
    MaterialState.REUSED: N_("免提交"),
    MaterialState.MISSING: N_("缺少"),
    MaterialState.DEFECTIVE: N_("需补正"),
    MaterialState.DEFERRED: N_("容缺后补"),
}

RECEIVED = frozenset(
    {
        MaterialState.ORIGINAL,
        MaterialState.COPY,
        MaterialState.E_CERT,
        MaterialState.REUSED,
    }
)

REJECT_REASONS: dict[str, str] = {
    "not_competent": N_("申请事项不属于本机关职权范围"),
    "not_required": N_("申请事项依法不需要取得行政许可"),
    "not_eligible": N_("申请人不具备申请资格"),
    "prohibited": N_("申请事项属于法律法规禁止的情形"),
    "other": N_("其他原因"),
}


class IntakeError(DomainError):
    """Input that cannot be stored; ``field`` names the form field."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# 行政许可法 Art.32(1): the subparagraph each refusal reason rests on. Reasons
# with no subparagraph of their own rest on the paragraph as a whole.
ART32 = N_("《中华人民共和国行政许可法》第三十二条第一款")
REJECT_BASIS: dict[str, str] = {
    "not_required": N_("《中华人民共和国行政许可法》第三十二条第一款第（一）项"),
    "not_competent": N_("《中华人民共和国行政许可法》第三十二条第一款第（二）项"),
}


def reject_basis(reason_code: str) -> str:
    return _(REJECT_BASIS.get(reason_code, ART32))


def check_reason_code(reason_code: str) -> None:
    """Reason codes come only from the list (they choose the printed basis)."""
    if reason_code and reason_code not in REJECT_REASONS:
        raise IntakeError(
            _("不予受理的理由类别无效，请从列表中选择。"), field="reason_code"
        )


def check_rejection(reason_code: str, competent_organ: str) -> None:
    """A refusal as not competent must say where to apply (Art.32(1)(2))."""
    check_reason_code(reason_code)
    if reason_code == "not_competent" and not competent_organ.strip():
        raise IntakeError(
            _(
                "不属于本机关职权范围的，请在“有权受理的机关”中写明申请人应当"
                "向哪个机关申请。"
            ),
            field="competent_organ",
        )


def covered_by_promise(material: Material, entry: MaterialEntry) -> bool:
    """告知承诺: a proof the catalog lets a promise replace, not handed in;
    the organ no longer asks for it."""
    return material.promise and entry.state not in RECEIVED


@dataclass
class Applicant:
    name: str
    applicant_type: str = "person"  # "person" | "organisation"
    id_type: str = IdType.RESIDENT_ID.value
    id_number: str = ""
    phone: str = ""
    org_name: str = ""
    uscc: str = ""
    agent_name: str = ""
    agent_id_type: str = IdType.RESIDENT_ID.value
    agent_id_number: str = ""
    agent_relation: str = ""
    address: str = ""
    assisted: bool = False


@dataclass
class MaterialEntry:
    key: str
    state: MaterialState
    originals: int = 0
    copies: int = 0
    problem: str = ""
    note: str = ""
    reused_from: str = ""
    # A named entry answers for every material of that name (a bundle asks
    # for one document under several items' keys); an unnamed one by key.
    name: str = ""


@dataclass
class IntakeForm:
    """One intake: an item, or a bundle (``item_codes`` lists every item)."""

    item_codes: list[str]
    applicant: Applicant
    answers: dict[str, bool] = field(default_factory=dict)
    materials: list[MaterialEntry] = field(default_factory=list)
    bundle_code: str = ""
    consultation_id: str = ""
    draft_id: str = ""
    intake_seconds: int | None = None
    #: The id the (first) application takes: the intake's certificate
    #: lookups named it, so the platform's log leads to the application.
    application_id: str = ""


def normalised_applicant(applicant: Applicant, answers: dict[str, bool]) -> Applicant:
    """Validate and normalise the applicant's fields; raise IntakeError."""
    name = clean_text(
        applicant.name, field="name", label=_("申请人姓名"), max_len=NAME_MAX
    )
    if applicant.applicant_type == "organisation":
        org = clean_text(applicant.org_name, field="org_name", label=_("单位名称"))
        org = org or name
        if not org:
            raise IntakeError(_("请填写单位名称。"), field="org_name")
        uscc = _checked(IdType.USCC.value, applicant.uscc, "uscc")
        name = name or org
    else:
        org, uscc = "", ""
    if not name:
        raise IntakeError(_("请填写申请人姓名。"), field="name")
    id_number = (
        _checked(applicant.id_type, applicant.id_number, "id_number")
        if applicant.id_number.strip() or applicant.applicant_type == "person"
        else ""
    )
    phone = ""
    if applicant.phone.strip():
        try:
            phone = validate_phone(applicant.phone)
        except InvalidIdentifier as exc:
            raise IntakeError(str(exc), field="phone") from exc
    agent_name = clean_text(
        applicant.agent_name,
        field="agent_name",
        label=_("代理人姓名"),
        max_len=NAME_MAX,
    )
    agent_id = ""
    if answers.get("agent"):
        if not agent_name:
            raise IntakeError(
                _("由代理人办理时，请填写代理人姓名。"), field="agent_name"
            )
        agent_id = _checked(
            applicant.agent_id_type, applicant.agent_id_number, "agent_id_number"
        )
    return Applicant(
        name=name,
        applicant_type=applicant.applicant_type,
        id_type=applicant.id_type,
        id_number=id_number,
        phone=phone,
        org_name=org,
        uscc=uscc,
        agent_name=agent_name if answers.get("agent") else "",
        agent_id_type=applicant.agent_id_type,
        agent_id_number=agent_id,
        agent_relation=clean_text(
            applicant.agent_relation, field="agent_relation", label=_("代理关系")
        ),
        address=clean_text(applicant.address, field="address", label=_("地址")),
        assisted=applicant.assisted,
    )


def _cleaned_entry(entry: MaterialEntry) -> MaterialEntry:
    return replace(
        entry,
        problem=clean_text(
            entry.problem,
            field="materials",
            label=_("材料问题说明"),
            max_len=NOTE_MAX,
            multiline=True,
        ),
        note=clean_text(
            entry.note,
            field="materials",
            label=_("材料备注"),
            max_len=NOTE_MAX,
            multiline=True,
        ),
    )


def clean_reason(reason: str, *, field: str = "reason") -> str:
    """A reason, comment or note as stored (see ``domain.text``)."""
    return clean_text(
        reason, field=field, label=_("理由"), max_len=NOTE_MAX, multiline=True
    )


def clean_line(text: str, *, field: str, label: str, max_len: int = LINE_MAX) -> str:
    """A one-line field as stored (see ``domain.text``)."""
    return clean_text(text, field=field, label=label, max_len=max_len)


def _checked(id_type: str, text: str, field_name: str) -> str:
    try:
        return validate_identifier(IdType(id_type), text)
    except InvalidIdentifier as exc:
        raise IntakeError(str(exc), field=field_name) from exc
    except ValueError as exc:
        raise IntakeError(
            _("未知的证件类型：{id_type}").format(id_type=id_type), field=field_name
        ) from exc


def entries_for(
    materials: Sequence[Material], entries: Sequence[MaterialEntry]
) -> list[tuple[Material, MaterialEntry]]:
    """Pair each required material with what the clerk recorded for it;
    a material the clerk did not touch counts as missing. The clerk's
    problem and note texts are checked by the text rule (``domain.text``)."""
    entries = [_cleaned_entry(e) for e in entries]
    by_name = {e.name: e for e in entries if e.name}
    by_key = {e.key: e for e in entries if not e.name}
    return [
        (
            m,
            by_name.get(m.name)
            or by_key.get(m.key)
            or MaterialEntry(key=m.key, state=MaterialState.MISSING),
        )
        for m in materials
    ]


def check_decision(
    item: Item,
    pairs: Sequence[tuple[Material, MaterialEntry]],
    decision: Decision,
    *,
    reason: str = "",
    promise_date: date | None = None,
) -> None:
    """Raise IntakeError when ``decision`` does not fit the materials."""
    missing = [m for m, e in pairs if e.state not in RECEIVED]
    if decision is Decision.ACCEPT and missing:
        raise IntakeError(
            _("材料未收齐，不能直接受理：{names}。请选择一次性告知或容缺受理。").format(
                names=listing(m.name for m in missing)
            ),
            field="materials",
        )
    if decision is Decision.ACCEPT_COMMITMENT and not item.allows_commitment:
        raise IntakeError(
            _("事项“{item}”不适用告知承诺制。").format(item=item.name),
            field="decision",
        )
    if decision is Decision.ACCEPT_COMMITMENT:
        not_promisable = [
            m
            for m, e in pairs
            if e.state not in RECEIVED and not covered_by_promise(m, e)
        ]
        if not_promisable:
            raise IntakeError(
                _("以下材料不能以承诺代替，须当场提交：{names}").format(
                    names=listing(m.name for m in not_promisable)
                ),
                field="materials",
            )
    if decision is Decision.ACCEPT_DEFERRED:
        not_deferrable = [
            m
            for m, e in pairs
            if e.state not in RECEIVED
            and not (e.state is MaterialState.DEFERRED and m.deferrable)
        ]
        if not_deferrable:
            raise IntakeError(
                _("以下材料不允许容缺，须当场提交：{names}").format(
                    names=listing(m.name for m in not_deferrable)
                ),
                field="materials",
            )
        if not any(e.state is MaterialState.DEFERRED for _m, e in pairs):
            raise IntakeError(_("容缺受理需至少标记一项容缺材料。"), field="materials")
        if promise_date is None:
            raise IntakeError(_("请填写容缺材料的承诺补交日期。"), field="promise_date")
    if decision is Decision.NOTICE and not missing:
        raise IntakeError(
            _("材料已齐全，无需一次性告知，请直接受理。"), field="decision"
        )
    if decision is Decision.REJECT and not reason.strip():
        raise IntakeError(_("不予受理须写明理由。"), field="reason")
