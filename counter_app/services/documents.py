"""The paper each decision ends in: build the printing data from stored
records, render it, and keep a print-job row for every print.

The record is always committed before this runs; a failed or cancelled print
leaves it intact and the document reprintable. A second print of the same
document is marked 补打 with the reprint time.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from pypdf import PdfReader, PdfWriter

from counter_app import clock
from counter_app.domain.status import Decision
from counter_app.i18n import _
from counter_app.services.consultations import Consultation
from counter_app.services.context import DeskContext
from counter_app.services.document_data import build, letterhead
from counter_app.services.intake import RECEIVED, MaterialState
from counter_app.store import records, settings
from counter_app.store.catalog import conditions, get_item
from counter_app.store.db import Store
from counter_app.store.events import add_event
from printing import render_document
from printing.model import ChecklistData, ChecklistMaterial, Paper

__all__ = ["build", "letterhead"]

DOCUMENT_FOR_DECISION: dict[str, str] = {
    Decision.ACCEPT.value: "receipt",
    Decision.ACCEPT_DEFERRED.value: "deferred",
    Decision.ACCEPT_COMMITMENT.value: "commitment",
    Decision.NOTICE.value: "notice",
    Decision.REJECT.value: "rejection",
}
APPLICATION_DOCUMENTS = (
    "receipt",
    "materials_receipt",
    "notice",
    "rejection",
    "deferred",
    "commitment",
    "delivery",
)


def documents_for(record: dict[str, Any]) -> list[str]:
    """The documents that make sense for this application now."""
    decision = record["decision"]
    # A voucher of received materials only when something was received.
    received = any(
        MaterialState(m["state"]) in RECEIVED for m in record.get("materials", [])
    )
    kinds = ["materials_receipt"] if received else []
    if record["accepted_on"]:
        kinds.insert(0, "receipt")
    if decision == Decision.ACCEPT_DEFERRED.value:
        kinds.append("deferred")
    if decision == Decision.ACCEPT_COMMITMENT.value:
        kinds.append("commitment")
    if decision == Decision.NOTICE.value:
        kinds.insert(0, "notice")
    if decision == Decision.REJECT.value:
        kinds.insert(0, "rejection")
    if record["status"] == "delivered":
        kinds.append("delivery")
    return kinds


def resolve_kind(kind: str, record: dict[str, Any]) -> str:
    """The promise document of an application on commitment is the
    告知承诺书, also when asked for as "deferred"."""
    if kind == "deferred" and record["decision"] == Decision.ACCEPT_COMMITMENT.value:
        return "commitment"
    return kind


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
        kind = resolve_kind(kind, record)
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
        promise = item.allows_commitment and bool(
            consultation.answers.get("commitment")
        )
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
                    # Chosen 告知承诺: the promise replaces this proof.
                    by_promise=promise and m.promise,
                )
                for m in item.materials_for(consultation.answers)
            ],
            fee=item.fee,
            legal_days=item.legal_days or 0,
            promised_days=item.promised_days,
            address=item.address,
            hours=item.hours,
            guide_url=guide_url(store, item.code),
            applicant_name=consultation.applicant_name,
            consult_no=consultation.id[:8].upper(),
        )
        pdfs.append(render_document("checklist", data))
    return pdfs[0] if len(pdfs) == 1 else _merge(pdfs)


def guide_url(store: Store, item_code: str) -> str:
    """The item's guide on the site's platform (``guide_base_url`` setting);
    empty, and no QR code printed, when the site has none."""
    base = settings.get(store.db, "guide_base_url").rstrip("/")
    return f"{base}/{item_code}" if base else ""


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


def _record(store: Store, application_id: str) -> dict[str, Any]:
    record = records.application(store.db, application_id)
    if record is None:
        raise ValueError(application_id)
    return record


def _merge(pdfs: Sequence[bytes]) -> bytes:
    writer = PdfWriter()
    for pdf in pdfs:
        for page in PdfReader(io.BytesIO(pdf)).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
