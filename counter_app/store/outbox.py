"""Outbox rows, written in the same transaction as the change they carry."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from counter_app.clock import now_iso
from sync.protocol import new_op_id


def add_op(
    db: Database,
    *,
    entity: str,
    entity_id: str,
    base_version: int | None,
    payload: dict[str, Any],
    blobs: Sequence[str] = (),
) -> str:
    op_id = new_op_id()
    seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox").fetchone()[0]
    db.execute(
        "INSERT INTO outbox (op_id, seq, entity, entity_id, base_version, payload,"
        " blobs, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            op_id,
            seq,
            entity,
            entity_id,
            base_version,
            json.dumps(payload, ensure_ascii=False, sort_keys=True),
            json.dumps(list(blobs)),
            now_iso(),
        ],
    )
    return op_id


def pending_summary(db: Database) -> tuple[int, int]:
    """(operations not yet acknowledged, bytes of blobs not yet uploaded)."""
    ops = db.execute(
        "SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'in_flight')"
    ).fetchone()[0]
    blob_bytes = db.execute(
        "SELECT COALESCE(SUM(size), 0) FROM blobs WHERE uploaded_at IS NULL"
        " AND sha256 IN (SELECT sha256 FROM material_files WHERE removed_at IS NULL)"
    ).fetchone()[0]
    return int(ops), int(blob_bytes)


def prune_acked(db: Database, *, keep_days: int) -> int:
    """Drop operations the platform acknowledged more than ``keep_days`` ago:
    each carries a whole record, and the record itself stays in its table.
    Rejected and unsent operations are never dropped here."""
    before = (datetime.now(UTC) - timedelta(days=keep_days)).astimezone()
    cursor = db.execute(
        "DELETE FROM outbox WHERE state = 'acked' AND acked_at < ?",
        [before.isoformat(timespec="seconds")],
    )
    return int(cursor.rowcount or 0)
