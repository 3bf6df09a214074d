"""The audit log and application timeline."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from counter_app.clock import now_iso


def add_event(
    db: Database,
    *,
    kind: str,
    actor: str,
    application_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    db.execute(
        "INSERT INTO events (at, actor, application_id, kind, detail)"
        " VALUES (?, ?, ?, ?, ?)",
        [
            now_iso(),
            actor,
            application_id,
            kind,
            json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
        ],
    )
