"""Upgrades keep the data: an older store is backed up before it is
migrated (the copy kept, its path shown); a store newer than the code is
refused with nothing changed."""

from __future__ import annotations

import hashlib
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from sqlite_utils import Database

from counter_app.store import keys
from counter_app.store.db import (
    BACKUP_DIR,
    DB_FILENAME,
    Store,
    StoreError,
    bare_connection,
)
from counter_app.store.migrations import migrations

ROOT = Path(__file__).resolve().parent.parent
LAST = migrations._migrations[-1].name


def _old_store(folder: Path, key: bytes) -> None:
    """A store as the previous version left it: every migration but the
    last, one application-free row of data of its own."""
    folder.mkdir(parents=True, exist_ok=True)
    conn = bare_connection(folder / DB_FILENAME, key)
    conn.execute("PRAGMA journal_mode=WAL")
    db = Database(conn)
    migrations.apply(db, stop_before=LAST)
    db.execute("INSERT INTO settings (key, value) VALUES ('center_name', '旧版中心')")
    conn.close()


def _names(path: Path, key: bytes) -> list[str]:
    conn = bare_connection(path, key)
    try:
        return [
            r[0]
            for r in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY rowid")
        ]
    finally:
        conn.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_older_store_is_backed_up_then_migrated(tmp_path: Path) -> None:
    key = secrets.token_bytes(keys.KEY_BYTES)
    _old_store(tmp_path, key)
    before = _digest(tmp_path / DB_FILENAME)
    with Store.open(tmp_path, key=key) as store:
        backup = store.upgrade_backup
        assert backup is not None
        assert _names(store.path, key)[-1] == LAST
    assert backup.parent == tmp_path / BACKUP_DIR
    assert backup.name.endswith(f"-{migrations._migrations[-2].name}.sqlite3")
    assert backup.stat().st_mode & 0o777 == 0o600
    # the copy is the old version, whole, and opens with the desk's key
    assert LAST not in _names(backup, key)
    conn = bare_connection(backup, key)
    assert conn.execute(
        "SELECT value FROM settings WHERE key = 'center_name'"
    ).fetchone() == ("旧版中心",)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    assert _digest(tmp_path / DB_FILENAME) != before
    # the next start of the same version takes no new copy
    with Store.open(tmp_path, key=key) as store:
        assert store.upgrade_backup is None
    assert list((tmp_path / BACKUP_DIR).iterdir()) == [backup]


def test_new_and_current_stores_take_no_copy(tmp_path: Path) -> None:
    key = secrets.token_bytes(keys.KEY_BYTES)
    with Store.open(tmp_path, key=key) as store:
        assert store.upgrade_backup is None
    assert not (tmp_path / BACKUP_DIR).exists()


def test_a_newer_store_is_refused_and_left_alone(tmp_path: Path) -> None:
    key = secrets.token_bytes(keys.KEY_BYTES)
    Store.open(tmp_path, key=key).close()
    conn = bare_connection(tmp_path / DB_FILENAME, key)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
        " VALUES ('counter', '0099_from_the_future', '2027-01-01')"
    )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    files = {p.name: _digest(p) for p in tmp_path.iterdir() if p.is_file()}
    with pytest.raises(StoreError) as caught:
        Store.open(tmp_path, key=key)
    assert "由更新版本的程序创建（结构版本 0099_from_the_future）" in str(caught.value)
    assert "数据未作任何改动" in str(caught.value)
    after = {
        p.name: _digest(p)
        for p in tmp_path.iterdir()
        if p.is_file() and p.name in files
    }
    assert after == files
    assert not (tmp_path / BACKUP_DIR).exists()


def test_cli_shows_where_the_copy_is(tmp_path: Path) -> None:
    # The desk key comes from the (test) keyring as in production.
    data = tmp_path / "data"
    Store.open(data).close()
    key = keys.load_key(data)
    assert key is not None
    (data / DB_FILENAME).unlink()
    for suffix in ("-wal", "-shm"):
        (data / (DB_FILENAME + suffix)).unlink(missing_ok=True)
    _old_store(data, key)
    out = subprocess.run(
        [sys.executable, "main.py", "--data-dir", str(data), "site"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    [copy] = (data / BACKUP_DIR).iterdir()
    assert f"升级前的数据库已自动备份到 {copy}" in out.stderr
