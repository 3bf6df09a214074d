"""``sync_state`` key/value rows: cursor, last success, clock skew, …"""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from counter_app.store.db import Store


def get_state(db: Database, key: str, default: str = "") -> str:
    row = db.execute("SELECT value FROM sync_state WHERE key = ?", [key]).fetchone()
    return default if row is None else str(row[0])


def put_state(db: Database, key: str, value: str) -> None:
    db.execute(
        "INSERT INTO sync_state (key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def all_state(db: Database) -> dict[str, str]:
    return {str(k): str(v) for k, v in db.execute("SELECT key, value FROM sync_state")}


def problem_counts(store: Store) -> tuple[int, int]:
    """(dead letters, unresolved conflicts)."""
    dead = store.db.execute(
        "SELECT COUNT(*) FROM outbox WHERE state = 'rejected'"
    ).fetchone()[0]
    open_ = store.db.execute(
        "SELECT COUNT(*) FROM conflicts WHERE resolved_at IS NULL"
    ).fetchone()[0]
    return int(dead), int(open_)


def quarantine_count(store: Store) -> int:
    """Feed changes waiting in quarantine (sync/quarantine.py)."""
    row = store.db.execute("SELECT COUNT(*) FROM pull_quarantine").fetchone()
    return int(row[0])


def last_success(store: Store) -> datetime | None:
    text = get_state(store.db, "last_success")
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
