"""Tampering helpers for the audit tests."""

from __future__ import annotations

import sqlite3
from pathlib import Path

TRIGGERS = (
    "events_no_update",
    "events_no_delete",
    "events_archive_no_update",
    "events_archive_no_delete",
)


def open_raw(path: Path) -> sqlite3.Connection:
    """A connection on a desk's database as someone with the sqlite3 tool,
    who first drops the append-only triggers."""
    raw = sqlite3.connect(path, isolation_level=None)
    for name in TRIGGERS:
        raw.execute(f"DROP TRIGGER IF EXISTS {name}")
    return raw
