"""``sync_state`` key/value rows: cursor, last success, clock skew, …"""

from __future__ import annotations

from sqlite_utils import Database


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
