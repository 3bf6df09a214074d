"""What the intake screen runs off the UI thread: plain functions of the
store returning plain data. None of them touches a widget."""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from counter_app import clock
from counter_app.domain.catalog import Item, Material, pinyin_initials
from counter_app.domain.status import Decision
from counter_app.domain.workdays import due_date_or_provisional
from counter_app.i18n import _
from counter_app.services.applications import DecisionResult, decide
from counter_app.services.context import DeskContext
from counter_app.services.intake import (
    RECEIVED,
    IntakeError,
    IntakeForm,
    MaterialEntry,
    check_decision,
    entries_for,
)
from counter_app.store import catalog
from counter_app.store.calendar import load_calendar
from counter_app.store.db import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Choice:
    """One line of the search popup: an item or a bundle (一件事)."""

    kind: str  # "item" | "bundle"
    code: str
    name: str
    department: str
    promised_days: int


@dataclass(frozen=True)
class Selection:
    """The chosen item or bundle, with what the screen needs about it."""

    item_codes: tuple[str, ...]
    bundle_code: str
    title: str
    items: tuple[Item, ...]
    conditions: tuple[tuple[str, str], ...]  # (key, label) in material order

    @property
    def allows_commitment(self) -> bool:
        return all(it.allows_commitment for it in self.items)


@dataclass(frozen=True)
class Row:
    """One line of the checklist: a document, asked for by one or more items
    of the selection under one or more material keys (shared = same name)."""

    material: Material
    keys: tuple[str, ...]
    item_codes: tuple[str, ...]


@dataclass
class Outcome:
    results: list[DecisionResult]
    attach_errors: list[str] = field(default_factory=list)


def search_choices(store: Store, text: str) -> list[Choice]:
    query = "".join(text.split()).lower()
    if not query:
        return []
    hits = [
        Choice("item", h.code, h.name, h.department, h.promised_days)
        for h in catalog.search(store.db, query, limit=15)
    ]
    bundles = [
        Choice("bundle", b.code, b.name, "", 0)
        for b in catalog.list_bundles(store.db)
        if query in b.code.lower()
        or query in b.name
        or query in pinyin_initials(b.name)
    ]
    return bundles + hits


def load_selection(
    store: Store, *, item_codes: Sequence[str] = (), bundle_code: str = ""
) -> Selection:
    title = ""
    if bundle_code:
        bundle = catalog.get_bundle(store.db, bundle_code)
        if bundle is None:
            raise LookupError(bundle_code)
        item_codes, title = bundle.item_codes, bundle.name
    items = tuple(catalog.get_item(store.db, c) for c in item_codes)
    labels = catalog.conditions(store.db)
    keys = dict.fromkeys(k for it in items for k in it.condition_keys())
    return Selection(
        item_codes=tuple(item_codes),
        bundle_code=bundle_code,
        title=title or (items[0].name if items else ""),
        items=items,
        conditions=tuple((k, labels.get(k, k)) for k in keys),
    )


def describe(selection: Selection) -> str:
    """Department, promised days and fee of each item, one line each."""
    return "\n".join(
        _("{name}：{department}，承诺{days}个工作日，收费：{fee}").format(
            name=it.name, department=it.department, days=it.promised_days, fee=it.fee
        )
        for it in selection.items
    )


def rows_for(selection: Selection, answers: Mapping[str, bool]) -> list[Row]:
    """The tailored checklist; no database, so a ticked question re-tailors
    it at once on the UI thread."""
    merged: dict[str, tuple[Material, list[str], list[str]]] = {}
    for item in selection.items:
        for m in item.materials_for(answers):
            if m.name not in merged:
                merged[m.name] = (m, [m.key], [item.code])
                continue
            first, keys, codes = merged[m.name]
            if m.key not in keys:
                keys.append(m.key)
            codes.append(item.code)
            merged[m.name] = (
                replace(
                    first,
                    originals=max(first.originals, m.originals),
                    copies=max(first.copies, m.copies),
                    e_cert=first.e_cert and m.e_cert,
                    deferrable=first.deferrable and m.deferrable,
                ),
                keys,
                codes,
            )
    return [Row(m, tuple(k), tuple(c)) for m, k, c in merged.values()]


def precheck(
    selection: Selection,
    answers: Mapping[str, bool],
    materials: Sequence[MaterialEntry],
    decision: Decision,
) -> IntakeError | None:
    """What ``decide()`` would refuse about the materials, known before any
    question is asked (the reason and promise date are asked afterwards, so
    they stand in as given). The same rules as the service, no store."""
    plans = [
        (item, entries_for(item.materials_for(dict(answers)), materials))
        for item in selection.items
    ]
    try:
        if decision is Decision.NOTICE:
            if all(e.state in RECEIVED for _i, pairs in plans for _m, e in pairs):
                raise IntakeError(
                    _("材料已齐全，无需一次性告知，请直接受理。"), field="decision"
                )
            return None
        for item, pairs in plans:
            check_decision(
                item, pairs, decision, reason="-", promise_date=clock.today()
            )
    except IntakeError as exc:
        return exc
    return None


def default_promise_date(
    store: Store, item_codes: Sequence[str] = (), working_days: int = 5
) -> date:
    """Five working days, but never past the earliest due date of the items
    (the deferred materials must come in before the decision is due)."""
    calendar = load_calendar(store.db)
    today = clock.today()
    candidates = [due_date_or_provisional(calendar, today, working_days).date]
    for code in item_codes:
        days = catalog.get_item(store.db, code).promised_days
        if days > 0:
            candidates.append(due_date_or_provisional(calendar, today, days).date)
    return min(candidates)


def decide_and_attach(
    store: Store,
    ctx: DeskContext,
    form: IntakeForm,
    decision: Decision,
    *,
    reason: str = "",
    reason_code: str = "",
    promise_date: date | None = None,
    competent_organ: str = "",
    scans: Mapping[str, Sequence[Path]] | None = None,
) -> Outcome:
    """One decision, then the scanned files (keyed by material name) attached
    to every application of the intake that needs that material."""
    results = decide(
        store,
        ctx,
        form,
        decision,
        reason=reason,
        reason_code=reason_code,
        promise_date=promise_date,
        competent_organ=competent_organ,
    )
    outcome = Outcome(results)
    if not scans or not scans_available():
        return outcome
    from counter_app.services.materials import import_files

    for result in results:
        item = catalog.get_item(store.db, result.item_code)
        for m in item.materials_for(form.answers):
            paths = list(scans.get(m.name, ()))
            if not paths:
                continue
            try:
                done = import_files(
                    store,
                    application_id=result.application_id,
                    material_key=m.key,
                    paths=paths,
                    actor=ctx.username,
                )
            except Exception as exc:  # the decision is stored: report, never undo
                log.exception("attaching scans to %s failed", result.acceptance_no)
                outcome.attach_errors.append(
                    _(
                        "{number} 的“{name}”扫描件未能附加：{error}。请在办件详情中重新附加。"
                    ).format(number=result.acceptance_no, name=m.name, error=exc)
                )
                continue
            outcome.attach_errors += [e.message for e in done.errors]
    return outcome


def scans_available() -> bool:
    return importlib.util.find_spec("counter_app.services.materials") is not None


def documents_hook(name: str) -> Any:
    """A function of ``counter_app.ui.documents`` if that module exists."""
    if importlib.util.find_spec("counter_app.ui.documents") is None:
        return None
    import counter_app.ui.documents as documents

    return getattr(documents, name, None)
