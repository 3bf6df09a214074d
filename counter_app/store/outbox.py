"""Outbox rows, written in the same transaction as the change they carry.

A payload is stored compressed: ``z1`` and the JSON (as it goes on the
wire) deflated with a preset dictionary of the records' usual shapes
(``store/opdict.py``), about an eighth of the text for an application. It
is decompressed before it is sent, so the platform sees the same JSON as
ever. Ops written before migration 0016 hold the JSON text and read back
as they are. Once the platform has acknowledged an op nothing reads its
op again: ``compact`` deletes it (see there).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlite_utils import Database

from counter_app.clock import now_iso
from counter_app.store.opdict import DICT_V1
from sync.protocol import new_op_id

#: Header of a payload deflated (raw, level 9) with ``DICT_V1``.
Z1: Final = b"z1"


def encode_payload(payload: Mapping[str, Any]) -> bytes:
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    deflate = zlib.compressobj(
        9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, DICT_V1
    )
    return Z1 + deflate.compress(text.encode()) + deflate.flush()


def payload_text(stored: bytes | str) -> str:
    """The payload's JSON text, whichever way it is stored."""
    if isinstance(stored, str):  # written before migration 0016
        return stored
    if stored[:2] == Z1:
        inflate = zlib.decompressobj(-15, DICT_V1)
        return (inflate.decompress(stored[2:]) + inflate.flush()).decode()
    raise ValueError(f"unknown outbox payload format {stored[:2]!r}")


def decode_payload(stored: bytes | str) -> dict[str, Any]:
    value = json.loads(payload_text(stored))
    assert isinstance(value, dict)
    return value


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
            encode_payload(payload),
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


def compact(db: Database, *, keep_days: int) -> int:
    """Delete the ops the platform acknowledged: at once with ``keep_days``
    0 (the default setting), else those acknowledged more than that many
    days ago (a site that wants a log of what went up). Nothing needs an
    acknowledged op: the record stays in its table, a conflict keeps both
    versions in ``conflicts``, the audit chain is pushed from ``events``.
    Pending, in-flight and rejected ops (dead letters) are never touched.
    Returns how many were deleted."""
    if keep_days <= 0:
        cursor = db.execute("DELETE FROM outbox WHERE state = 'acked'")
    else:
        before = (datetime.now(UTC) - timedelta(days=keep_days)).astimezone()
        cursor = db.execute(
            "DELETE FROM outbox WHERE state = 'acked' AND acked_at < ?",
            [before.isoformat(timespec="seconds")],
        )
    return int(cursor.rowcount or 0)
