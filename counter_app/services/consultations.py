"""Consultation (咨询): the visitor asks what an item needs; the clerk answers
the item's questions and prints the tailored checklist. Logged, and later
turned into an application without retyping."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from counter_app import clock
from counter_app.domain.catalog import Material
from counter_app.domain.identifiers import InvalidIdentifier, validate_phone
from counter_app.domain.text import NAME_MAX, clean_text
from counter_app.i18n import _
from counter_app.services.context import DeskContext
from counter_app.services.intake import Applicant, IntakeError, IntakeForm
from counter_app.store.catalog import get_bundle, get_item
from counter_app.store.db import Store
from counter_app.store.events import add_event
from counter_app.store.outbox import add_op


@dataclass(frozen=True)
class Consultation:
    id: str
    item_codes: tuple[str, ...]
    bundle_code: str
    answers: dict[str, bool]
    applicant_name: str
    phone: str
    materials: tuple[Material, ...]


def consult(
    store: Store,
    ctx: DeskContext,
    *,
    item_code: str = "",
    bundle_code: str = "",
    answers: dict[str, bool],
    applicant_name: str = "",
    phone: str = "",
) -> Consultation:
    """Log a consultation and return the tailored materials list."""
    applicant_name = clean_text(
        applicant_name, field="applicant_name", label=_("姓名"), max_len=NAME_MAX
    )
    if phone.strip():
        try:
            phone = validate_phone(phone)
        except InvalidIdentifier as exc:
            raise IntakeError(str(exc), field="phone") from exc
    codes = _codes(store, item_code, bundle_code)
    materials = _materials(store, codes, answers)
    consultation_id = str(uuid.uuid4())
    with store.transaction() as db:
        row: dict[str, Any] = {
            "id": consultation_id,
            "item_code": item_code or None,
            "bundle_code": bundle_code or None,
            "answers": json.dumps(answers, sort_keys=True),
            "applicant_name": applicant_name.strip() or None,
            "phone": phone.strip() or None,
            "clerk": ctx.username,
            "site_code": ctx.site_code,
            "window_code": ctx.window_code,
            "created_at": clock.now_iso(),
            "day": clock.today().isoformat(),
        }
        db.table("consultations").insert(row)
        add_event(
            db,
            kind="consultation",
            actor=ctx.username,
            detail={"consultation_id": consultation_id, "items": list(codes)},
        )
        add_op(
            db,
            entity="consultation",
            entity_id=consultation_id,
            base_version=None,
            payload=row,
        )
    return Consultation(
        consultation_id,
        codes,
        bundle_code,
        dict(answers),
        applicant_name.strip(),
        phone.strip(),
        materials,
    )


def form_from_consultation(store: Store, consultation_id: str) -> IntakeForm:
    """Start an intake from a logged consultation, nothing retyped."""
    rows = list(
        store.db.query("SELECT * FROM consultations WHERE id = ?", [consultation_id])
    )
    if not rows:
        raise IntakeError(_("找不到该咨询记录。"), field="consultation")
    row = rows[0]
    codes = _codes(store, row["item_code"] or "", row["bundle_code"] or "")
    return IntakeForm(
        item_codes=list(codes),
        bundle_code=row["bundle_code"] or "",
        applicant=Applicant(name=row["applicant_name"] or "", phone=row["phone"] or ""),
        answers=json.loads(row["answers"]),
        consultation_id=consultation_id,
    )


def _codes(store: Store, item_code: str, bundle_code: str) -> tuple[str, ...]:
    if bundle_code:
        bundle = get_bundle(store.db, bundle_code)
        if bundle is None:
            raise IntakeError(
                _("找不到“一件事”套餐 {code}。").format(code=bundle_code), field="item"
            )
        return bundle.item_codes
    if not item_code:
        raise IntakeError(_("请先选择办理事项。"), field="item")
    get_item(store.db, item_code)
    return (item_code,)


def _materials(
    store: Store, codes: tuple[str, ...], answers: dict[str, bool]
) -> tuple[Material, ...]:
    """Every material the items need, a shared one (same name) once."""
    seen: dict[str, Material] = {}
    for code in codes:
        for m in get_item(store.db, code).materials_for(answers):
            seen.setdefault(m.name, m)
    return tuple(seen.values())
