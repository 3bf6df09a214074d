"""Reading application records back as plain dicts (for documents, sync
payloads and the detail view)."""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlite_utils import Database


def application(db: Database, application_id: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM applications WHERE id = ?", [application_id]))
    if not rows:
        return None
    record = dict(rows[0])
    record["answers"] = json.loads(record["answers"] or "{}")
    record["materials"] = [
        dict(r)
        for r in db.query(
            "SELECT material_key, name, state, originals, copies, problem, note,"
            " reused_from, received_at FROM application_materials"
            " WHERE application_id = ? ORDER BY position",
            [application_id],
        )
    ]
    return record


def application_id_by_number(db: Database, acceptance_no: str) -> str | None:
    row = db.execute(
        "SELECT id FROM applications WHERE acceptance_no = ?", [acceptance_no]
    ).fetchone()
    return None if row is None else str(row[0])


def timeline(db: Database, application_id: str) -> list[dict[str, Any]]:
    return [
        {**dict(r), "detail": json.loads(r["detail"])}
        for r in db.query(
            # Archived events (older than the retention) stay in the timeline.
            "SELECT at, actor, kind, detail FROM ("
            " SELECT seq, at, actor, kind, detail FROM events_archive"
            " WHERE application_id = ? UNION ALL"
            " SELECT seq, at, actor, kind, detail FROM events"
            " WHERE application_id = ?) ORDER BY seq",
            [application_id, application_id],
        )
    ]


SIGNATURE_COLUMNS = (
    "id, application_id, document, signer, strokes, width, height, png,"
    " png_sha256, signed_at, clerk"
)


def signature_payload(
    row: dict[str, Any], *, site_code: str, window_code: str
) -> dict[str, Any]:
    """A signature as the platform keeps it: the row, its PNG as base64."""
    return {
        **row,
        "png": base64.b64encode(bytes(row["png"])).decode("ascii"),
        "site_code": site_code,
        "window_code": window_code,
    }
