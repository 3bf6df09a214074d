"""Migration 0004_supervisor: backfill of completed_on/delivered_on on an
older database, and the triggers for rows written later (window services,
back office, rows arriving from other windows by sync)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlite_utils.migrations import Migrations

from counter_app.store import db as store_db
from counter_app.store.db import Store
from counter_app.store.migrations import migrations

COLUMNS = (
    "id, acceptance_no, item_code, item_name, department, status, decision,"
    " applicant_type, applicant_name, site_code, window_code, clerk, created_at,"
    " day, due_date, updated_at"
)


def _row(app_id: str, status: str, updated: str) -> list[str]:
    return [
        app_id,
        "N-" + app_id,
        "GG00302001",
        "居住证申领",
        "区公安分局",
        status,
        "accept",
        "person",
        "王𠮷",
        "320102001",
        "02",
        "clerk02",
        "2026-11-02T09:00:00+08:00",
        "2026-11-02",
        "2026-11-16",
        updated,
    ]


def _insert(store: Store, *rows: list[str]) -> None:
    with store.transaction() as db:
        for row in rows:
            db.execute(
                f"INSERT INTO applications ({COLUMNS}) VALUES"
                f" ({','.join('?' * len(row))})",
                row,
            )


def test_older_database_is_backfilled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    older = Migrations("counter")
    for m in migrations._migrations:
        if m.name != "0004_supervisor":
            older(name=m.name)(m.fn)
    monkeypatch.setattr(store_db, "migrations", older)
    store = Store.open(tmp_path)
    _insert(
        store,
        _row("a", "delivered", "2026-11-10T15:00:00+08:00"),
        _row("b", "result_ready", "2026-11-12T15:00:00+08:00"),
        _row("c", "in_review", "2026-11-12T15:00:00+08:00"),
    )
    store.close()
    monkeypatch.setattr(store_db, "migrations", migrations)
    store = Store.open(tmp_path)
    got = {
        r[0]: (r[1], r[2])
        for r in store.db.execute(
            "SELECT id, completed_on, delivered_on FROM applications"
        )
    }
    store.close()
    assert got == {
        "a": ("2026-11-10", "2026-11-10"),
        "b": ("2026-11-12", None),
        "c": (None, None),
    }


def test_triggers_fill_dates_for_later_writes(store: Store) -> None:
    _insert(
        store,
        _row("remote", "delivered", "2026-11-13T10:00:00+08:00"),
        _row("open", "submitted", "2026-11-02T09:00:00+08:00"),
    )
    with store.transaction() as db:
        db.execute(
            "UPDATE applications SET status = 'approved',"
            " updated_at = '2026-11-18T11:00:00+08:00' WHERE id = 'open'"
        )
    with store.transaction() as db:
        db.execute(
            "UPDATE applications SET status = 'delivered',"
            " updated_at = '2026-11-20T11:00:00+08:00' WHERE id = 'open'"
        )
    got = {
        r[0]: (r[1], r[2], r[3])
        for r in store.db.execute(
            "SELECT id, completed_on, delivered_on, version FROM applications"
        )
    }
    assert got["remote"] == ("2026-11-13", "2026-11-13", 1)
    # Completed when decided, delivered later; the trigger does not bump
    # the version the sync compares.
    assert got["open"] == ("2026-11-18", "2026-11-20", 1)
