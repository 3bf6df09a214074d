"""The paper each decision ends in: build the printing data from stored
records, render it, and keep a print-job row for every print.

The record is always committed before this runs; a failed or cancelled print
leaves it intact and the document reprintable. A second print of the same
document is marked 补打 with the reprint time.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from pypdf import PdfReader, PdfWriter

from counter_app import clock
from counter_app.domain.catalog import Item
from counter_app.domain.identifiers import mask_identifier
from counter_app.domain.status import Decision
from counter_app.i18n import _
from counter_app.services.consultations import Consultation
from counter_app.services.context import DeskContext
from counter_app.services.intake import MATERIAL_STATE_LABELS, RECEIVED, MaterialState
from counter_app.store import records, settings
from counter_app.store.catalog import conditions, get_item
from counter_app.store.db import Store
from counter_app.store.events import add_event
from printing import render_document
from printing.model import (
    ChecklistData,
    ChecklistMaterial,
    DefectLine,
    DeferredData,
    DeferredKind,
    DeliveryData,
    Letterhead,
    MaterialLine,
    MaterialsReceiptData,
    NoticeData,
    Paper,
    ReceiptData,
    RejectionData,
)

DOCUMENT_FOR_DECISION: dict[str, str] = {
    Decision.ACCEPT.value: "receipt",
    Decision.ACCEPT_DEFERRED.value: "deferred",
    Decision.ACCEPT_COMMITMENT.value: "deferred",
    Decision.NOTICE.value: "notice",
    Decision.REJECT.value: "rejection",
}
APPLICATION_DOCUMENTS = (
    "receipt",
    "materials_receipt",
    "notice",
    "rejection",
    "deferred",
    "delivery",
)


def documents_for(record: dict[str, Any]) -> list[str]:
    """The documents that make sense for this application now."""
    decision = record["decision"]
    kinds = ["materials_receipt"]
    if record["accepted_on"]:
        kinds.insert(0, "receipt")
    if decision in (Decision.ACCEPT_DEFERRED.value, Decision.ACCEPT_COMMITMENT.value):
        kinds.append("deferred")
    if decision == Decision.NOTICE.value:
        kinds.insert(0, "notice")
    if decision == Decision.REJECT.value:
        kinds.insert(0, "rejection")
    if record["status"] == "delivered":
        kinds.append("delivery")
    return kinds


def render_for_applications(
    store: Store,
    ctx: DeskContext,
    *,
    kind: str,
    application_ids: Sequence[str],
    paper: Paper = Paper.A4,
) -> bytes:
    """One PDF for ``kind``; a bundle's linked applications come out as one
    document, one page set per item. Reprints are marked 补打."""
    pdfs = []
    for app_id in application_ids:
        record = _record(store, app_id)
        data = build(store, ctx, kind=kind, record=record)
        reprint_at = clock.now() if printed_before(store, app_id, kind) else None
        options: dict[str, Any] = {"reprint_at": reprint_at}
        if kind in ("receipt", "materials_receipt"):
            options["paper"] = paper
        pdfs.append(render_document(kind, data, **options))
    return pdfs[0] if len(pdfs) == 1 else _merge(pdfs)


def render_checklist(
    store: Store, ctx: DeskContext, consultation: Consultation
) -> bytes:
    """The tailored 一次性告知单 for a consultation."""
    labels = conditions(store.db)
    pdfs = []
    for code in consultation.item_codes:
        item = get_item(store.db, code)
        data = ChecklistData(
            letterhead=letterhead(store, ctx),
            item_name=item.name,
            item_code=item.code,
            department=item.department,
            consulted_on=clock.today(),
            answers=[
                (labels.get(k, k), _("是") if v else _("否"))
                for k, v in sorted(consultation.answers.items())
                if k in item.condition_keys()
            ],
            materials=[
                ChecklistMaterial(
                    name=m.name,
                    originals=m.originals,
                    copies=m.copies,
                    source=m.source,
                    note=m.note or "",
                )
                for m in item.materials_for(consultation.answers)
            ],
            fee=item.fee,
            legal_days=item.legal_days or 0,
            promised_days=item.promised_days,
            address=item.address,
            hours=item.hours,
            guide_url=item.guide_url,
            applicant_name=consultation.applicant_name,
            consult_no=consultation.id[:8].upper(),
        )
        pdfs.append(render_document("checklist", data))
    return pdfs[0] if len(pdfs) == 1 else _merge(pdfs)


def record_print(
    store: Store,
    ctx: DeskContext,
    *,
    application_id: str | None,
    document: str,
    printer: str,
    status: str,
    error: str = "",
    copies: int = 1,
) -> int:
    """A print-job row for every print (status printed/saved/failed/cancelled)."""
    with store.transaction() as db:
        reprint = application_id is not None and printed_before(
            store, application_id, document
        )
        now = clock.now_iso()
        cursor = db.execute(
            "INSERT INTO print_jobs (application_id, document, printer, copies,"
            " reprint, status, error, actor, created_at, finished_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                application_id,
                document,
                printer,
                copies,
                int(reprint),
                status,
                error or None,
                ctx.username,
                now,
                now,
            ],
        )
        add_event(
            db,
            kind="print." + status,
            actor=ctx.username,
            application_id=application_id,
            detail={"document": document, "printer": printer, "reprint": reprint},
        )
        return int(cursor.lastrowid or 0)


def printed_before(store: Store, application_id: str, document: str) -> bool:
    row = store.db.execute(
        "SELECT 1 FROM print_jobs WHERE application_id = ? AND document = ?"
        " AND status IN ('printed', 'saved') LIMIT 1",
        [application_id, document],
    ).fetchone()
    return row is not None


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
    if kind == "receipt":
        return _receipt(store, head, record, item)
    if kind == "materials_receipt":
        return MaterialsReceiptData(
            letterhead=head,
            receipt_no=record["acceptance_no"],
            item_name=record["item_name"],
            applicant_name=_applicant(record),
            applicant_id_masked=_masked(record),
            received_at=datetime.fromisoformat(record["created_at"]).replace(
                tzinfo=None
            ),
            materials=_received_lines(record),
        )
    if kind == "notice":
        return NoticeData(
            letterhead=head,
            notice_no=record["acceptance_no"],
            application_no=record["acceptance_no"],
            item_name=record["item_name"],
            applicant_name=_applicant(record),
            applicant_id_masked=_masked(record),
            submitted_on=date.fromisoformat(record["day"]),
            missing=[
                DefectLine(m["name"], m["problem"] or _("未提交"), _fix(m, item))
                for m in record["materials"]
                if MaterialState(m["state"]) not in RECEIVED
            ],
            bring_by=date.fromisoformat(record["notice_deadline"] or record["day"]),
            where=f"{settings.get(store.db, 'center_name')} {item.address}",
            issued_on=date.fromisoformat(record["day"]),
        )
    if kind == "rejection":
        return RejectionData(
            letterhead=head,
            decision_no=record["acceptance_no"],
            item_name=record["item_name"],
            applicant_name=_applicant(record),
            applicant_id_masked=_masked(record),
            submitted_on=date.fromisoformat(record["day"]),
            reason=record["reason"] or "",
            legal_basis=item.legal_basis,
            review_organ=settings.get(store.db, "review_organ"),
            court=settings.get(store.db, "court"),
            decided_on=date.fromisoformat(record["day"]),
            organ_name=record["department"],
        )
    if kind == "deferred":
        deferred = [
            DefectLine(m["name"], m["problem"] or _("容缺后补"), _fix(m, item))
            for m in record["materials"]
            if m["state"] == MaterialState.DEFERRED.value
        ]
        commitment = record["decision"] == Decision.ACCEPT_COMMITMENT.value
        return DeferredData(
            letterhead=head,
            notice_no=record["acceptance_no"],
            acceptance_no=record["acceptance_no"],
            item_name=record["item_name"],
            applicant_name=_applicant(record),
            applicant_id_masked=_masked(record),
            accepted_on=date.fromisoformat(record["accepted_on"]),
            deferred=deferred,
            promise_date=date.fromisoformat(
                record["promise_date"] or record["due_date"]
            ),
            consequence=settings.get(store.db, "deferred_consequence"),
            kind=DeferredKind.COMMITMENT if commitment else DeferredKind.DEFERRED,
        )
    if kind == "delivery":
        detail = _last_event_detail(store, record["id"], "deliver")
        return DeliveryData(
            letterhead=head,
            acceptance_no=record["acceptance_no"],
            item_name=record["item_name"],
            applicant_name=_applicant(record),
            result_name=_("{item}办理结果").format(item=record["item_name"]),
            result_number=detail.get("result_number") or record["acceptance_no"],
            method=_("窗口领取")
            if detail.get("method", "window") == "window"
            else _("邮寄送达"),
            receiver_name=detail.get("recipient_name", ""),
            receiver_id_masked=detail.get("recipient_id_masked", ""),
            delivered_on=clock.today(),
            deliverer=ctx.display_name,
            note=detail.get("tracking_no", ""),
        )
    raise ValueError(kind)


def _receipt(
    store: Store, head: Letterhead, record: dict[str, Any], item: Item
) -> ReceiptData:
    return ReceiptData(
        letterhead=head,
        acceptance_no=record["acceptance_no"],
        item_name=record["item_name"],
        item_code=record["item_code"],
        department=record["department"],
        applicant_name=_applicant(record),
        applicant_id_masked=_masked(record),
        agent_name=record["agent_name"],
        accepted_on=date.fromisoformat(record["accepted_on"]),
        promised_days=record["promised_days"] or 0,
        due_date=date.fromisoformat(record["due_date"]),
        due_provisional=bool(record["due_provisional"]),
        materials=_received_lines(record),
        status_url=record["status_url"] or "",
        fee=item.fee,
        status_phone=settings.get(store.db, "supervision_phone"),
    )


def _received_lines(record: dict[str, Any]) -> list[MaterialLine]:
    return [
        MaterialLine(
            name=m["name"],
            originals=m["originals"],
            copies=m["copies"],
            state_label=_(MATERIAL_STATE_LABELS[MaterialState(m["state"])]),
            note=m["note"] or m["reused_from"] or "",
        )
        for m in record["materials"]
    ]


def _fix(material: dict[str, Any], item: Item) -> str:
    source = next(
        (m.source for m in item.materials if m.key == material["material_key"]), ""
    )
    if source:
        return _("请按要求准备后提交（获取途径：{source}）").format(source=source)
    return _("请按要求准备后提交")


def _applicant(record: dict[str, Any]) -> str:
    if record["applicant_type"] == "organisation" and record["org_name"]:
        return f"{record['org_name']}（{record['applicant_name']}）"
    return str(record["applicant_name"])


def _masked(record: dict[str, Any]) -> str:
    number = record["uscc"] or record["id_number"] or ""
    return mask_identifier(number) if number else ""


def _record(store: Store, application_id: str) -> dict[str, Any]:
    record = records.application(store.db, application_id)
    if record is None:
        raise ValueError(application_id)
    return record


def _last_event_detail(store: Store, application_id: str, kind: str) -> dict[str, Any]:
    for event in reversed(records.timeline(store.db, application_id)):
        if event["kind"] == kind:
            return dict(event["detail"])
    return {}


def _merge(pdfs: Sequence[bytes]) -> bytes:
    writer = PdfWriter()
    for pdf in pdfs:
        for page in PdfReader(io.BytesIO(pdf)).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
