"""``main.py maintenance``: gives freed pages back, refreshes statistics,
keeps the audit chain whole, and never runs under a sync."""

from __future__ import annotations

from pathlib import Path

from counter_app.services.setup import ensure_seeded
from counter_app.store.db import Store
from sync.runner import sync_lock
from tests.test_cli import run


def _store_with_free_pages(data_dir: Path) -> int:
    """A seeded store that deleted ~4 MB; returns the file's size."""
    with Store.open(data_dir) as store:
        ensure_seeded(store)
        store.db.execute("CREATE TABLE scratch (v BLOB)")
        store.db.conn.executemany(
            "INSERT INTO scratch VALUES (?)", [(b"x" * 4000,) for _ in range(1000)]
        )
        store.db.execute("DROP TABLE scratch")
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert store.db.execute("PRAGMA freelist_count").fetchone()[0] > 900
    return (data_dir / "counter.sqlite3").stat().st_size


def test_maintenance_frees_space_and_says_so(tmp_path: Path) -> None:
    before = _store_with_free_pages(tmp_path)
    result = run("maintenance", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "数据库维护完成" in result.stdout
    assert "释放" in result.stdout and "MB" in result.stdout
    after = (tmp_path / "counter.sqlite3").stat().st_size
    assert after < before - 3_000_000
    with Store.open(tmp_path) as store:
        assert store.db.execute("PRAGMA freelist_count").fetchone()[0] == 0
        assert store.db.execute("SELECT COUNT(*) FROM sqlite_stat1").fetchone()[0]
        kinds = [r[0] for r in store.db.execute("SELECT kind FROM events")]
        assert kinds[-1] == "store.maintenance"
    # the chain the maintenance event joined is whole
    assert run("verify-audit", data_dir=tmp_path).returncode == 0


def test_maintenance_waits_for_no_sync(tmp_path: Path) -> None:
    before = _store_with_free_pages(tmp_path)
    with sync_lock(tmp_path):  # as a sync round holds it
        result = run("maintenance", data_dir=tmp_path)
    assert result.returncode == 3
    assert "同步正在进行" in result.stderr
    assert (tmp_path / "counter.sqlite3").stat().st_size == before
    assert run("maintenance", data_dir=tmp_path).returncode == 0
