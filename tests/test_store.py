from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlite_utils.migrations import Migrations

from counter_app.store import db as store_db
from counter_app.store.db import Store, StoreError
from counter_app.store.migrations import m0001_initial, migrations

EXPECTED_TABLES = {
    "settings",
    "users",
    "catalog_items",
    "catalog_materials",
    "bundles",
    "calendar_days",
    "calendar_years",
    "applications",
    "application_materials",
    "blobs",
    "material_files",
    "events",
    "outbox",
    "sync_state",
    "print_jobs",
    "evaluations",
    "consultations",
    "drafts",
    "day_closes",
    "window_sequences",
}


def test_empty_to_latest(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    tables = set(store.db.table_names())
    assert tables >= EXPECTED_TABLES
    applied = [m.name for m in migrations.applied(store.db)]
    assert applied == [m.name for m in migrations._migrations]
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    store.close()


def test_reopen_applies_nothing_twice(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    store = Store.open(tmp_path)
    names = [m.name for m in migrations.applied(store.db)]
    assert len(names) == len(set(names))
    store.close()


def test_older_schema_is_upgraded_and_keeps_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database made by an older release (fewer migrations) opens, gains
    the newer ones and keeps its rows."""
    old = Migrations("counter")
    old(name="0001_initial")(m0001_initial)
    monkeypatch.setattr(store_db, "migrations", old)
    store = Store.open(tmp_path)
    with store.transaction() as tx:
        tx.execute("INSERT INTO settings (key, value) VALUES ('site_code', '123456')")
    store.close()

    newer = Migrations("counter")
    newer(name="0001_initial")(m0001_initial)

    @newer(name="0002_probe")
    def probe(db):  # type: ignore[no-untyped-def]
        db.execute("CREATE TABLE probe (x INTEGER)")

    monkeypatch.setattr(store_db, "migrations", newer)
    store = Store.open(tmp_path)
    assert "probe" in store.db.table_names()
    assert store.db.execute("SELECT value FROM settings").fetchone()[0] == "123456"
    store.close()


def test_failing_migration_rolls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Store.open(tmp_path).close()
    broken = Migrations("counter")
    for m in migrations._migrations:
        broken(name=m.name)(m.fn)

    @broken(name="9999_broken")
    def fails(db):  # type: ignore[no-untyped-def]
        db.execute("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("boom")

    monkeypatch.setattr(store_db, "migrations", broken)
    with pytest.raises(RuntimeError):
        Store.open(tmp_path)
    conn = store_db.open_connection(tmp_path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "half_done" not in tables
    applied = {r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")}
    assert "9999_broken" not in applied
    conn.close()


def test_newer_database_is_refused_untouched(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    path = tmp_path / store_db.DB_FILENAME
    conn = store_db.open_connection(tmp_path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
        " VALUES ('counter', '0999_from_the_future', '2030-01-01')"
    )
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="更新版本"):
        Store.open(tmp_path)
    assert path.read_bytes() == before


def test_corrupt_file_gets_clear_message(tmp_path: Path) -> None:
    (tmp_path / store_db.DB_FILENAME).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="损坏"):
        Store.open(tmp_path)
    assert (tmp_path / store_db.DB_FILENAME).read_bytes() == b"this is not sqlite" * 100


def test_data_dir_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(StoreError, match="数据目录"):
        Store.open(target)


def test_locked_database_names_the_lock(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys,time;from pathlib import Path;"
            "from counter_app.store.db import open_connection;"
            "c=open_connection(Path(sys.argv[1]));"
            "c.execute('BEGIN EXCLUSIVE');print('locked',flush=True);time.sleep(30)",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        store = Store.open(tmp_path, busy_timeout_ms=300)
        with pytest.raises(StoreError, match="占用"), store.transaction() as tx:
            tx.execute("INSERT INTO settings (key, value) VALUES ('a', 'b')")
        store.close()
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    store = Store.open(tmp_path)
    assert (
        store.db.execute("SELECT COUNT(*) FROM settings WHERE key = 'a'").fetchone()[0]
        == 0
    )
    store.close()


def test_transaction_rolls_back_on_error(store: Store) -> None:
    with pytest.raises(ValueError), store.transaction() as tx:
        tx.execute("INSERT INTO settings (key, value) VALUES ('a', 'b')")
        raise ValueError("stop")
    assert (
        store.db.execute("SELECT COUNT(*) FROM settings WHERE key = 'a'").fetchone()[0]
        == 0
    )
