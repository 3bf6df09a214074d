"""Tampering helpers for the audit tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from counter_app.store import keys
from counter_app.store.db import PLAIN, bare_connection

TRIGGERS = (
    "events_no_update",
    "events_no_delete",
    "events_archive_no_update",
    "events_archive_no_delete",
)


def open_raw(path: Path, key: bytes | None = None) -> Any:
    """A connection on a desk's database as someone with the sqlite3 tool
    (and the desk's key: the database is encrypted), who first drops the
    append-only triggers."""
    if key is None:
        key = keys.load_key(path.parent) or PLAIN
    raw = bare_connection(path, key)
    for name in TRIGGERS:
        raw.execute(f"DROP TRIGGER IF EXISTS {name}")
    return raw
