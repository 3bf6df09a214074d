"""No duplicate materials (免于重复提交): documents this applicant already
gave in an earlier accepted application need not be brought again while
they are still valid. Works offline from the local store; offers found
elsewhere (the platform's certificate library) come in by ``extra_offers``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from counter_app import clock
from counter_app.domain.identifiers import normalize
from counter_app.i18n import _
from counter_app.store import settings
from counter_app.store.catalog import get_item
from counter_app.store.db import Store

DEFAULT_VALID_DAYS = 365
REUSABLE_STATES = ("original", "copy", "e_cert")
CLOSED_STATUSES = ("rejected", "withdrawn")


@dataclass(frozen=True)
class ReuseOffer:
    material_key: str
    material_name: str
    source_text: str
    source_application_id: str
    acceptance_no: str
    received_on: date | None


def valid_days(store: Store) -> int:
    text = settings.get(store.db, "reuse.valid_days").strip()
    return int(text) if text.isdigit() else DEFAULT_VALID_DAYS


def reusable_materials(
    store: Store,
    *,
    id_number: str,
    item_codes: Sequence[str],
    answers: Mapping[str, bool],
    extra_offers: Sequence[ReuseOffer] = (),
) -> list[ReuseOffer]:
    """One offer per material the items need that this applicant (same
    normalised ID number or credit code) already handed in, newest first;
    local records win over ``extra_offers`` for the same material name."""
    code = normalize(id_number)
    needed: dict[str, str] = {}
    for item_code in item_codes:
        for m in get_item(store.db, item_code).materials_for(answers):
            needed.setdefault(m.name, m.key)
    if not code or not needed:
        return []
    since = clock.today() - timedelta(days=valid_days(store))
    rows = store.db.execute(
        "SELECT m.name, a.id, a.acceptance_no, coalesce(substr(m.received_at, 1, 10),"
        " a.accepted_on) FROM application_materials m"
        " JOIN applications a ON a.id = m.application_id"
        " WHERE (a.id_number = ?1 OR a.uscc = ?1) AND a.accepted_on IS NOT NULL"
        " AND a.accepted_on >= ?2"
        f" AND a.status NOT IN ({_marks(CLOSED_STATUSES)})"
        f" AND m.state IN ({_marks(REUSABLE_STATES)})"
        " ORDER BY a.accepted_on DESC, a.created_at DESC",
        [code, since.isoformat(), *CLOSED_STATUSES, *REUSABLE_STATES],
    ).fetchall()
    offers: dict[str, ReuseOffer] = {}
    for name, app_id, number, received in rows:
        if name not in needed or name in offers:
            continue
        day = date.fromisoformat(received) if received else None
        offers[name] = ReuseOffer(
            material_key=needed[name],
            material_name=name,
            source_text=source_text(day, number),
            source_application_id=app_id,
            acceptance_no=number or "",
            received_on=day,
        )
    for offer in extra_offers:
        if offer.material_name in needed and offer.material_name not in offers:
            offers[offer.material_name] = offer
    order = list(needed)
    return sorted(offers.values(), key=lambda o: order.index(o.material_name))


def source_text(day: date | None, acceptance_no: str) -> str:
    return _("{date} 受理编号 {number} 已提交").format(
        date=day.isoformat() if day else "", number=acceptance_no
    )


def _marks(values: Sequence[str]) -> str:
    return ",".join("?" * len(values))
