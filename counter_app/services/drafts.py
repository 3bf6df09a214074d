"""Autosaved intake drafts: a crash or a lock never loses a form."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict
from typing import Any

from counter_app import clock
from counter_app.services.intake import (
    Applicant,
    IntakeForm,
    MaterialEntry,
    MaterialState,
)
from counter_app.store.db import Store


def save_draft(store: Store, *, username: str, form: IntakeForm) -> str:
    draft_id = form.draft_id or str(uuid.uuid4())
    form.draft_id = draft_id
    # ASCII escapes keep whatever was typed, even broken Unicode (a lone
    # surrogate SQLite cannot store); the rules apply when it is decided.
    payload = json.dumps(asdict(form))
    with store.transaction() as db:
        db.execute(
            "INSERT INTO drafts (id, username, kind, payload, updated_at)"
            " VALUES (?, ?, 'intake', ?, ?) ON CONFLICT(id) DO UPDATE SET"
            " payload = excluded.payload, updated_at = excluded.updated_at",
            [draft_id, username, payload, clock.now_iso()],
        )
    return draft_id


def list_drafts(store: Store, *, username: str) -> list[tuple[str, str, IntakeForm]]:
    """(draft id, updated at, form), newest first."""
    return [
        (r[0], r[1], form_from_json(r[2]))
        for r in store.db.execute(
            "SELECT id, updated_at, payload FROM drafts WHERE username = ?"
            " ORDER BY updated_at DESC",
            [username],
        )
    ]


def discard_draft(store: Store, draft_id: str) -> None:
    with store.transaction() as db:
        db.execute("DELETE FROM drafts WHERE id = ?", [draft_id])


def form_from_json(text: str) -> IntakeForm:
    data: dict[str, Any] = json.loads(text)
    return IntakeForm(
        item_codes=list(data["item_codes"]),
        applicant=Applicant(**data["applicant"]),
        answers=dict(data.get("answers", {})),
        materials=[
            MaterialEntry(**{**m, "state": MaterialState(m["state"])})
            for m in data.get("materials", [])
        ],
        bundle_code=data.get("bundle_code", ""),
        consultation_id=data.get("consultation_id", ""),
        draft_id=data.get("draft_id", ""),
        intake_seconds=data.get("intake_seconds"),
        application_id=data.get("application_id", ""),
    )
