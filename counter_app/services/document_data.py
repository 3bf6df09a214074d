"""The printing data of each application document, built from the stored
record: dates are the recorded ones, counts are the materials received, the
basis is the one the decision rests on, and every seal names the center."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from counter_app import clock
from counter_app.domain.catalog import Item
from counter_app.domain.identifiers import mask_identifier
from counter_app.domain.signature import SIGNABLE
from counter_app.domain.status import DECISION_LABELS, Decision
from counter_app.i18n import N_, _, listing
from counter_app.services.context import DeskContext
from counter_app.services.intake import (
    MATERIAL_STATE_LABELS,
    RECEIVED,
    MaterialState,
    reject_basis,
)
from counter_app.services.signatures import signature_png
from counter_app.store import records, settings
from counter_app.store.catalog import get_item
from counter_app.store.db import Store
from printing.model import (
    CommitmentData,
    DefectLine,
    DeferredData,
    DeliveryData,
    Letterhead,
    MaterialLine,
    MaterialsReceiptData,
    NoticeData,
    ReceiptData,
    RejectionData,
)
from printing.text import fmt_date

# 国办发〔2020〕42号 and the 告知承诺 rules of the provinces: what a false
# promise leads to, in the order the organ acts.
COMMITMENT_BASIS = N_(
    "《国务院办公厅关于全面推行证明事项告知承诺制的指导意见》（国办发〔2020〕42号）"
)
COMMITMENT_LIABILITY = (
    N_(
        "经核查承诺不实的，本机关将责令限期整改；逾期不整改或者整改后仍不符合条件的，终止办理。"
    ),
    N_("已作出许可决定的，依法撤销该决定，由此产生的损失由申请人承担。"),
    N_("虚假承诺的情况记入申请人信用记录，依法实施联合惩戒；今后不再适用告知承诺制。"),
    N_("涉嫌违法犯罪的，依法移送有关机关处理。"),
)


def letterhead(store: Store, ctx: DeskContext) -> Letterhead:
    db = store.db
    return Letterhead(
        center_name=settings.get(db, "center_name"),
        window_name=settings.get(db, "window_name"),
        clerk_name=ctx.display_name,
        clerk_contact=settings.get(db, "window_phone")
        or settings.get(db, "supervision_phone"),
        supervision_phone=settings.get(db, "supervision_phone"),
        address=settings.get(db, "center_address"),
        printed_at=clock.now().replace(tzinfo=None),
    )


def build(store: Store, ctx: DeskContext, *, kind: str, record: dict[str, Any]) -> Any:
    item = get_item(store.db, record["item_code"])
    head = letterhead(store, ctx)
    builder = _BUILDERS.get(kind)
    if builder is None:
        raise ValueError(kind)
    data: Any = builder(store, head, record, item)
    if kind in SIGNABLE:  # a signature captured on the pad is printed
        png = signature_png(store, record["id"], kind)
        if png:
            data = replace(data, signature_png=png)
    return data


def _receipt(
    store: Store, head: Letterhead, record: dict[str, Any], item: Item
) -> ReceiptData:
    decision = Decision(record["decision"])
    due = date.fromisoformat(record["due_date"])
    return ReceiptData(
        letterhead=head,
        acceptance_no=record["acceptance_no"],
        item_name=record["item_name"],
        item_code=record["item_code"],
        department=record["department"],
        applicant_name=applicant(record),
        applicant_id_masked=masked(record),
        agent_name=record["agent_name"],
        accepted_on=date.fromisoformat(record["accepted_on"]),
        promised_days=record["promised_days"] or 0,
        due_date=due,
        due_provisional=bool(record["due_provisional"]),
        materials=received_lines(record),
        status_url=record["status_url"] or "",
        fee=item.fee,
        status_phone=settings.get(store.db, "supervision_phone"),
        collect=collect_text(store, due),
        promise_lines=_promise_lines(record, item),
        decision_label=""
        if decision is Decision.ACCEPT
        else _(DECISION_LABELS[decision]),
    )


def collect_text(store: Store, due: date) -> str:
    """Where and when the result is collected: the site's own wording, or
    the window, its hours and EMS."""
    db = store.db
    own = settings.get(db, "collect_text")
    if own:
        return own
    return _(
        "办结后（最迟 {due}）凭本回执和身份证件到{center}{window}领取，"
        "地址：{address}，办理时间：{hours}；也可申请 EMS 邮寄送达。"
    ).format(
        due=fmt_date(due),
        center=settings.get(db, "center_name"),
        window=settings.get(db, "window_name"),
        address=settings.get(db, "center_address"),
        hours=settings.get(db, "center_hours"),
    )


def _promise_lines(record: dict[str, Any], item: Item) -> list[str]:
    decision = record["decision"]
    if decision == Decision.ACCEPT_DEFERRED.value:
        names = [m["name"] for m in record["materials"] if m["state"] == "deferred"]
        if not names:
            return [_("容缺材料已全部补交。")]
        return [
            _(
                "本件为容缺受理。容缺材料：{names}，申请人已承诺于 {date} 前补交；"
                "补交前不出具办理结果。详见容缺受理通知书。"
            ).format(
                names=listing(names),
                date=fmt_date(
                    date.fromisoformat(record["promise_date"] or record["due_date"])
                ),
            )
        ]
    if decision == Decision.ACCEPT_COMMITMENT.value:
        waived = promised_materials(record, item)
        return [
            _(
                "本件按告知承诺制受理。以承诺代替的证明材料：{names}。"
                "本机关将依法核查，承诺不实的依告知承诺书承担责任。"
            ).format(names=listing(waived) or _("无"))
        ]
    return []


def promised_materials(record: dict[str, Any], item: Item) -> list[str]:
    """The proof the applicant's promise replaces: materials the catalog
    lets a promise replace, not handed in (intake.covered_by_promise)."""
    promised = {m.key for m in item.materials if m.promise}
    return [
        m["name"]
        for m in record["materials"]
        if m["material_key"] in promised and MaterialState(m["state"]) not in RECEIVED
    ]


def received(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The materials actually received (not deferred, missing or faulty)."""
    return [m for m in record["materials"] if MaterialState(m["state"]) in RECEIVED]


def received_lines(record: dict[str, Any]) -> list[MaterialLine]:
    return [
        MaterialLine(
            name=m["name"],
            originals=m["originals"],
            copies=m["copies"],
            state_label=_state_label(m),
            note=m["note"] or m["reused_from"] or "",
        )
        for m in received(record)
    ]


def _state_label(m: dict[str, Any]) -> str:
    state = MaterialState(m["state"])
    # The counts say what came in: copies alone are never 已收原件.
    if state is MaterialState.ORIGINAL and not m["originals"] and m["copies"]:
        state = MaterialState.COPY
    return _(MATERIAL_STATE_LABELS[state])


def _materials_receipt(
    store: Store, head: Letterhead, record: dict[str, Any], item: Item
) -> MaterialsReceiptData:
    return MaterialsReceiptData(
        letterhead=head,
        receipt_no=record["acceptance_no"],
        item_name=record["item_name"],
        applicant_name=applicant(record),
        applicant_id_masked=masked(record),
        received_at=datetime.fromisoformat(record["created_at"]).replace(tzinfo=None),
        materials=received_lines(record),
    )


def required_form(material_key: str, item: Item) -> str:
    """原件/复印件 and how many, as the catalog asks."""
    m = next((m for m in item.materials if m.key == material_key), None)
    if m is None:
        return ""
    parts = []
    if m.originals:
        parts.append(_("原件 {n} 份").format(n=m.originals))
    if m.copies:
        parts.append(_("复印件 {n} 份").format(n=m.copies))
    if m.e_cert:
        parts.append(_("可用电子证照"))
    return listing(parts)


def _notice(
    store: Store, head: Letterhead, record: dict[str, Any], item: Item
) -> NoticeData:
    return NoticeData(
        letterhead=head,
        notice_no=record["acceptance_no"],
        application_no=record["acceptance_no"],
        item_name=record["item_name"],
        applicant_name=applicant(record),
        applicant_id_masked=masked(record),
        submitted_on=date.fromisoformat(record["day"]),
        missing=[
            DefectLine(
                m["name"],
                m["problem"] or _("未提交"),
                _fix(m, item),
                required_form(m["material_key"], item),
            )
            for m in record["materials"]
            if MaterialState(m["state"]) not in RECEIVED
        ],
        bring_by=date.fromisoformat(record["notice_deadline"] or record["day"]),
        where=f"{settings.get(store.db, 'center_name')} {item.address}",
        issued_on=date.fromisoformat(record["day"]),
    )


def _rejection(
    store: Store, head: Letterhead, record: dict[str, Any], item: Item
) -> RejectionData:
    return RejectionData(
        letterhead=head,
        decision_no=record["acceptance_no"],
        item_name=record["item_name"],
        applicant_name=applicant(record),
        applicant_id_masked=masked(record),
        submitted_on=date.fromisoformat(record["day"]),
        reason=record["reason"] or "",
        legal_basis=reject_basis(record["reason_code"] or ""),
        review_organ=settings.get(store.db, "review_organ"),
        court=settings.get(store.db, "court"),
        decided_on=date.fromisoformat(record["day"]),
        competent_organ=record.get("competent_organ") or None,
        organ_name=head.organ,
    )


def _deferred(
    store: Store, head: Letterhead, record: dict[str, Any], item: Item
) -> DeferredData:
    return DeferredData(
        letterhead=head,
        notice_no=record["acceptance_no"],
        acceptance_no=record["acceptance_no"],
        item_name=record["item_name"],
        applicant_name=applicant(record),
        applicant_id_masked=masked(record),
        accepted_on=date.fromisoformat(record["accepted_on"]),
        deferred=[
            DefectLine(
                m["name"],
                m["problem"] or _("容缺后补"),
                _fix(m, item),
                required_form(m["material_key"], item),
            )
            for m in record["materials"]
            if m["state"] == MaterialState.DEFERRED.value
        ],
        promise_date=date.fromisoformat(record["promise_date"] or record["due_date"]),
        consequence=settings.get(store.db, "deferred_consequence"),
    )


def _commitment(
    store: Store, head: Letterhead, record: dict[str, Any], item: Item
) -> CommitmentData:
    waived = promised_materials(record, item)
    conditions = [
        _("符合{basis}规定的“{item}”许可条件。").format(
            basis=item.legal_basis or _("法律、法规"), item=item.name
        )
    ]
    conditions += [
        _("具备“{name}”所证明的条件，该证明真实、有效。").format(name=name)
        for name in waived
    ]
    return CommitmentData(
        letterhead=head,
        notice_no=record["acceptance_no"],
        acceptance_no=record["acceptance_no"],
        item_name=record["item_name"],
        department=record["department"],
        applicant_name=applicant(record),
        applicant_id_masked=masked(record),
        accepted_on=date.fromisoformat(record["accepted_on"]),
        conditions=conditions,
        waived=waived,
        legal_basis=_(COMMITMENT_BASIS),
        check_text=_(
            "{department}将在作出决定后通过数据共享、现场检查等方式核查承诺内容；"
            "核查期间请予配合。"
        ).format(department=record["department"]),
        liability=[_(text) for text in COMMITMENT_LIABILITY],
        agent_name=record["agent_name"] or "",
    )


def _delivery(
    store: Store, head: Letterhead, record: dict[str, Any], item: Item
) -> DeliveryData:
    event = last_event(store, record["id"], "deliver")
    detail = event.get("detail", {})
    at = event.get("at")
    delivered_on = (
        datetime.fromisoformat(at).date() if at else date.fromisoformat(record["day"])
    )
    role = detail.get("recipient_role", "")
    if role == "agent":
        role_text = _("代理人")
        if record["agent_relation"]:
            role_text = _("代理人，{relation}").format(
                relation=record["agent_relation"]
            )
    elif role == "applicant":
        role_text = _("申请人本人")
    else:
        role_text = ""
    return DeliveryData(
        letterhead=head,
        acceptance_no=record["acceptance_no"],
        item_name=record["item_name"],
        applicant_name=applicant(record),
        result_name=detail.get("result_name")
        or _("“{item}”办理结果文书").format(item=record["item_name"]),
        result_number=detail.get("result_number", ""),
        method=_("邮寄送达（EMS）")
        if detail.get("method") in ("post", "ems")
        else _("窗口领取"),
        receiver_name=detail.get("recipient_name", ""),
        receiver_id_masked=detail.get("recipient_id_masked", ""),
        delivered_on=delivered_on,
        deliverer=_clerk_name(store, event.get("actor", "")) or head.clerk_name,
        note=_("运单号：{number}").format(number=detail["tracking_no"])
        if detail.get("tracking_no")
        else "",
        receiver_role=role_text,
    )


def _clerk_name(store: Store, username: str) -> str:
    row = store.db.execute(
        "SELECT display_name FROM users WHERE username = ?", [username]
    ).fetchone()
    return str(row[0]) if row else ""


def _fix(material: dict[str, Any], item: Item) -> str:
    source = next(
        (m.source for m in item.materials if m.key == material["material_key"]), ""
    )
    if source:
        return _("请按要求准备后提交（获取途径：{source}）").format(source=source)
    return _("请按要求准备后提交")


def applicant(record: dict[str, Any]) -> str:
    if record["applicant_type"] == "organisation" and record["org_name"]:
        return f"{record['org_name']}（{record['applicant_name']}）"
    return str(record["applicant_name"])


def masked(record: dict[str, Any]) -> str:
    number = record["uscc"] or record["id_number"] or ""
    return mask_identifier(number) if number else ""


def last_event(store: Store, application_id: str, kind: str) -> dict[str, Any]:
    for event in reversed(records.timeline(store.db, application_id)):
        if event["kind"] == kind:
            return dict(event)
    return {}


_BUILDERS = {
    "receipt": _receipt,
    "materials_receipt": _materials_receipt,
    "notice": _notice,
    "rejection": _rejection,
    "deferred": _deferred,
    "commitment": _commitment,
    "delivery": _delivery,
}
